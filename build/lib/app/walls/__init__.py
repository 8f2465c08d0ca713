"""Wall arrangements that outlive a session: salvos. No Qt here."""
