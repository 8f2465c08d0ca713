"""Incidents and the cameras chosen for them. No Qt here."""
