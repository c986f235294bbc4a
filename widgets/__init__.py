"""Reusable Textual widgets. They take plain data and never import `backend`."""
