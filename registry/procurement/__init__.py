"""Circular procurement: criteria profiles as SHACL, and tender checks of product passports against them."""
