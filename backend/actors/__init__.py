"""Simulated workloads: producers and consumers that drive the cloud through `Cloud.call`.

Actors are the scenario's cast. Each is an assumed role calling the same API a
real program would, so everything they do shows in the trail and the metrics.
"""
