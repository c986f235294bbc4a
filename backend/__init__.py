"""skydeck's simulated cloud: headless, on a virtual clock, with no UI imports."""
