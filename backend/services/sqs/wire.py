"""How the wire speaks SQS beyond its botocore model: legacy query names, queue-URL paths.

The rest of this module is the query-protocol names SQS had before it moved to JSON,
which botocore's model dropped.

SQS spoke the query protocol (form requests, XML replies) until botocore
1.31.81 switched it to JSON 1.0; older SDKs, and many hand-written clients,
still send `Action=SendMessage&Attribute.1.Name=...`. The current model keeps
the shapes and the `flattened` trait but no longer carries the `locationName`s
that spell those names (`AttributeName.1`, `MessageAttribute.1.Value.DataType`,
`SendMessageBatchRequestEntry.1.Id`), nor the XML namespace and result
wrappers. This table restores them, copied from the last query-protocol SQS
model botocore shipped; the wire patches them onto a copy of the
current model, so the query codec reads them exactly as it reads any native
query service's traits. Nothing here is behaviour: it is spelling.

A test checks that every entry still names a shape of the installed model, so
a botocore upgrade that renames a shape fails loudly instead of silently
losing a name.
"""

from __future__ import annotations

import re

from backend.registry import QueryTraits, WireTraits

#: `/<account>/<queue>`, the path of an SQS queue URL; `[0-9]`, as `\d` matches '٣' too.
QUEUE_PATH = re.compile(r"^/[0-9]{12}/[^/]+/?$")

SQS = QueryTraits(
    xml_namespace="http://queue.amazonaws.com/doc/2012-11-05/",
    list_members={
        "AWSAccountIdList": "AWSAccountId",
        "ActionNameList": "ActionName",
        "AttributeNameList": "AttributeName",
        "BatchResultErrorEntryList": "BatchResultErrorEntry",
        "BinaryList": "BinaryListValue",
        "ChangeMessageVisibilityBatchRequestEntryList": "ChangeMessageVisibilityBatchRequestEntry",
        "ChangeMessageVisibilityBatchResultEntryList": "ChangeMessageVisibilityBatchResultEntry",
        "DeleteMessageBatchRequestEntryList": "DeleteMessageBatchRequestEntry",
        "DeleteMessageBatchResultEntryList": "DeleteMessageBatchResultEntry",
        "ListMessageMoveTasksResultEntryList": "ListMessageMoveTasksResultEntry",
        "MessageAttributeNameList": "MessageAttributeName",
        "MessageList": "Message",
        "MessageSystemAttributeList": "MessageSystemAttributeName",
        "QueueUrlList": "QueueUrl",
        "SendMessageBatchRequestEntryList": "SendMessageBatchRequestEntry",
        "SendMessageBatchResultEntryList": "SendMessageBatchResultEntry",
        "StringList": "StringListValue",
        "TagKeyList": "TagKey",
    },
    map_entries={
        "MessageBodyAttributeMap": ("Name", "Value"),
        "MessageBodySystemAttributeMap": ("Name", "Value"),
        "MessageSystemAttributeMap": ("Name", "Value"),
        "QueueAttributeMap": ("Name", "Value"),
        "TagMap": ("Key", "Value"),
    },
    members={
        ("CreateQueueRequest", "Attributes"): "Attribute",
        ("CreateQueueRequest", "tags"): "Tag",
        ("GetQueueAttributesResult", "Attributes"): "Attribute",
        ("ListQueueTagsResult", "Tags"): "Tag",
        ("Message", "Attributes"): "Attribute",
        ("Message", "MessageAttributes"): "MessageAttribute",
        ("MessageAttributeValue", "StringListValues"): "StringListValue",
        ("MessageAttributeValue", "BinaryListValues"): "BinaryListValue",
        ("MessageSystemAttributeValue", "StringListValues"): "StringListValue",
        ("MessageSystemAttributeValue", "BinaryListValues"): "BinaryListValue",
        ("SendMessageBatchRequestEntry", "MessageAttributes"): "MessageAttribute",
        ("SendMessageBatchRequestEntry", "MessageSystemAttributes"): "MessageSystemAttribute",
        ("SendMessageRequest", "MessageAttributes"): "MessageAttribute",
        ("SendMessageRequest", "MessageSystemAttributes"): "MessageSystemAttribute",
        ("SetQueueAttributesRequest", "Attributes"): "Attribute",
    },
    flattened_members=frozenset(
        {
            ("MessageAttributeValue", "StringListValues"),
            ("MessageAttributeValue", "BinaryListValues"),
            ("MessageSystemAttributeValue", "StringListValues"),
            ("MessageSystemAttributeValue", "BinaryListValues"),
        }
    ),
)

#: A query request to a queue URL's path names its queue by the path alone.
WIRE = WireTraits(legacy_query=SQS, path_member=(QUEUE_PATH, "QueueUrl"))
