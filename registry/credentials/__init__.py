"""Verifiable passports: keys, DID documents, VC-JOSE credentials and their revocation status."""
