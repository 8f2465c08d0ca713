"""Who may see what: sharing terms, consent, roles, accounts, and the audit log. No Qt here."""
