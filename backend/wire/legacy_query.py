"""The query-protocol names SQS had before it moved to JSON, which botocore's model dropped.

SQS spoke the query protocol (form requests, XML replies) until botocore
1.31.81 switched it to JSON 1.0; older SDKs, and many hand-written clients,
still send `Action=SendMessage&Attribute.1.Name=...`. The current model keeps
the shapes and the `flattened` trait but no longer carries the `locationName`s
that spell those names (`AttributeName.1`, `MessageAttribute.1.Value.DataType`,
`SendMessageBatchRequestEntry.1.Id`), nor the XML namespace and result
wrappers. This table restores them, copied from the last query-protocol SQS
model botocore shipped; `models.query_model` patches them onto a copy of the
current model, so the query codec reads them exactly as it reads any native
query service's traits. Nothing here is behaviour: it is spelling.

A test checks that every entry still names a shape of the installed model, so
a botocore upgrade that renames a shape fails loudly instead of silently
losing a name.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class QueryTraits:
    """Query-protocol serialization traits to restore on a JSON service model."""

    xml_namespace: str
    #: list shape -> the name of its members (`AttributeNameList` -> `AttributeName`).
    list_members: dict[str, str] = field(default_factory=dict)
    #: map shape -> the names of its key and value (`QueueAttributeMap` -> Name, Value).
    map_entries: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: (structure shape, member) -> the member's query/XML name.
    members: dict[tuple[str, str], str] = field(default_factory=dict)
    #: (structure shape, member) -> flattened, for members that are flattened lists.
    flattened_members: frozenset[tuple[str, str]] = frozenset()
    #: An operation's request path may name this member (`/<account>/<queue>` -> QueueUrl).
    path_member: str | None = None


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
    path_member="QueueUrl",
)

#: Query traits to restore, by cloud service name.
LEGACY_QUERY: dict[str, QueryTraits] = {"sqs": SQS}
