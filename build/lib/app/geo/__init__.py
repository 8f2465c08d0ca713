"""Geometry on the city scale: distances, polygons, divisions, the sample city. No Qt here."""
