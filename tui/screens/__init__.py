"""The dashboard's panes, one module per service family."""
