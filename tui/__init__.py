"""skydeck tui."""
