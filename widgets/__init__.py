"""skydeck widgets."""
