"""Simulated workloads: producers and consumers that drive the cloud through `Cloud.call`.

Actors are the scenario's cast. Each is an assumed role calling the same API a
real program would, so everything they do shows in the trail and the metrics.
Each service's package defines its own actors; what actors of more than one
service do alike lives here, since services may not import each other:
traffic rates (`rates.py`), a queue known by name (`queues.py`), batch
sends that keep what was refused (`batches.py`).
"""
