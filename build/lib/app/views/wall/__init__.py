"""The video wall: tiles of live cameras drawn by libVLC, in grid layouts."""
