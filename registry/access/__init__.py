"""Who may do what: organisations, API tokens, roles, visibility and the public projection of passports."""
