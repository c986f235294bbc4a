"""Presenters: pure functions from backend objects to the plain rows widgets show.

They hold no state and touch no widget, so each is unit-tested on its own and
a pane's refresh is just "ask the backend, present, hand over".
"""
