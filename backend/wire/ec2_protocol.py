"""EC2's protocol: the query protocol's form, answered in EC2's own XML.

Requests are the query form (`Action=DescribeVpcs&Version=2016-11-15`), but
every list is `Name.N` with no `.member.`, and a member is named by its
`queryName` or its capitalised `locationName` (`InstanceId.1`,
`Filter.1.Value.1`, `GroupDescription`): `query_protocol` folds and reads it
in that dialect, with the same number rules. Answers have no `Result`
wrapper and no `ResponseMetadata`: `<OpResponse xmlns=".."><requestId/>`
then the output members under their camelCase locationNames, list items as
`<item>`; an action without output says `<return>true</return>`. Errors are
`<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/>
</Response>`, with no `<Type>` and a capital `RequestID` (AWS_FACTS §18),
which is what botocore's `EC2QueryParser` reads.
"""

from __future__ import annotations

from backend.errors import AwsError
from backend.wire.query_protocol import Params, Writer, escape


def encode_with(
    name: str, writer: Writer | None, response: Params, namespace: str, request_id: str
) -> bytes:
    """The XML of operation `name`'s response, its members written by `writer` (bare).

    The model's `xmlNamespace` lacks the final `/` that EC2's replies carry.
    """
    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{name}Response xmlns="{namespace.rstrip("/")}/">'
        f"<requestId>{request_id}</requestId>"
    ]
    if writer is None:
        parts.append("<return>true</return>")
    else:
        writer(response, "", parts)
    parts.append(f"</{name}Response>")
    return "".join(parts).encode()


def encode_error(error: AwsError, request_id: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
        f"<Code>{escape(error.legacy_code)}</Code><Message>{escape(error.message)}</Message>"
        f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
    ).encode()
