"""An open registry of digital material passports."""

__version__ = "0.1.0"
