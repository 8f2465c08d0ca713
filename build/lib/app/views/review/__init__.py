"""Offline review of case packages."""
