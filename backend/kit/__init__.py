"""Shared backend kits: what more than one service needs, written once.

Pagination tokens, tag rules, a token bucket and a deadline heap on the
virtual clock, the once-a-minute gauge sampler, the scenario `Reader`, and
the Coral request checks (`validation.py`: every constraint failure of a
request in one ValidationException). Nothing here knows any service; each
takes the service's own names and error codes.
"""
