"""Supply search and matching."""
