"""An aws CLI v1 plugin that makes `aws sqs` honour AWS_ENDPOINT_URL.

aws CLI v1 (the one on PyPI) pins `aws sqs` (and emr, rds, docdb, neptune,
health) to the service's legacy host, https://queue.amazonaws.com for SQS in
us-east-1, unless `--endpoint-url` is given on the command line: its
`overridesslcommonname` customization looks only at the flag, so
`AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_SQS` are ignored (aws/aws-cli#8737).
CLI v2 has no such customization. Enable this plugin in the CLI's config
file to get v2's behaviour from v1:

    [plugins]
    skydeck = backend.wire.awscli_plugin

It runs just before the customization and, for the commands it would pin,
fills in `--endpoint-url` from `AWS_ENDPOINT_URL_<SERVICE>` or
`AWS_ENDPOINT_URL`, so the customization leaves it alone. Nothing changes
when neither variable is set or `--endpoint-url` is given.
"""

from __future__ import annotations

import os
from typing import Any

#: The commands aws CLI v1 pins to a legacy host.
PINNED = ("sqs", "emr", "rds", "docdb", "neptune", "health")


def awscli_initialize(cli: Any) -> None:
    cli.register_last("before-building-argument-table-parser", honour_endpoint_url)


def honour_endpoint_url(parsed_globals: Any, **kwargs: Any) -> None:
    command = getattr(parsed_globals, "command", None)
    if command not in PINNED or getattr(parsed_globals, "endpoint_url", None) is not None:
        return
    specific = f"AWS_ENDPOINT_URL_{command.upper()}"
    url = os.environ.get(specific) or os.environ.get("AWS_ENDPOINT_URL")
    if url:
        parsed_globals.endpoint_url = url
