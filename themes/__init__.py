"""skydeck themes."""
