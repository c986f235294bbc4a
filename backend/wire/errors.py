"""Errors the wire itself answers: requests that never reach a service.

Service errors come from the services as `AwsError`s; these are the AWS
front-end's own answers to a request it cannot route or read (no action, an
unknown target, a body that is not JSON, a form that is not UTF-8). They are
rendered in the envelope of the protocol the request seemed to speak.
"""

from __future__ import annotations

from backend.errors import ErrorCode

MissingAction = ErrorCode("MissingAction", 400)
MalformedQueryString = ErrorCode("MalformedQueryString", 404)
RequestEntityTooLarge = ErrorCode("RequestEntityTooLarge", 413)
RequestHeaderSectionTooLarge = ErrorCode("RequestHeaderSectionTooLarge", 400)
InvalidParameterValue = ErrorCode("InvalidParameterValue", 400)
RequestURITooLong = ErrorCode("RequestURITooLong", 414)
MethodNotAllowed = ErrorCode("MethodNotAllowed", 405)
#: A request the endpoint will not answer for who sent it (`access`): its Host or Origin.
AccessDeniedException = ErrorCode("AccessDeniedException", 403, legacy_code="AccessDenied")
