"""Evidence: hashes, the custody chain, (to come) cases and packages. No Qt here."""
