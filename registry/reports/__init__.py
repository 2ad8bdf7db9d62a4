"""Read-only reports over many passports (urban mine for public bodies and exchanges)."""
