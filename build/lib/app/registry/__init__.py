"""The camera registry: validation, credentials, CSV/GeoJSON import and export. No Qt here."""
