"""Video plumbing without widgets: camera simulator, libVLC driver, media service."""
