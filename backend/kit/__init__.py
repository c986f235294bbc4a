"""Shared backend kits: what more than one service needs, written once.

Pagination tokens, tag rules, a token bucket and a deadline heap on the
virtual clock, the once-a-minute gauge sampler, the scenario `Reader`, the
Coral request checks (`validation.py`: every constraint failure of a
request in one ValidationException), sending to a queue by ARN as a service
principal, message attributes' shared rules, message-body timestamps, and
filter policies. Nothing here knows any service; each takes the service's
own names and error codes.
"""
