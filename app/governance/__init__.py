"""Who may see what: sharing terms, consent, and (to come) roles, purpose and audit. No Qt here."""
