"""Playing recordings back: timelines of segments and frame-exact readers."""
