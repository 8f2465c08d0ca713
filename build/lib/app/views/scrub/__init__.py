"""The synchronized scrub view of recordings."""
