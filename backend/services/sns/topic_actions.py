"""Topic lifecycle: CreateTopic, DeleteTopic, ListTopics, GetTopicAttributes, SetTopicAttributes.

A FIFO topic needs both `FifoTopic=true` and a name ending `.fifo`; either
alone is "Invalid parameter: Topic Name". CreateTopic is idempotent: the
same name with no attributes, or only attributes the topic was given with
the same values, answers its ARN (`FifoTopic=false` on a standard topic
counts as the same), while a different or new attribute, or a tag the topic
does not have, is refused. DeleteTopic of a topic that isn't there succeeds,
and takes the topic's subscriptions with it. ListTopics pages by 100.
"""

from __future__ import annotations

import re

from backend.kit.pages import decode_token, encode_token
from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.sns.base import SnsBase, done
from backend.services.sns.errors import InvalidParameter, TopicLimitExceeded, invalid
from backend.services.sns.tag_actions import limited, read_tags, tag_map
from backend.services.sns.topic import Topic, check_attribute

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_FIFO_NAME = re.compile(r"^[A-Za-z0-9_-]{1,251}\.fifo$")
MAX_TOPICS = 100_000
MAX_FIFO_TOPICS = 1_000
PAGE = 100
#: Attribute values can be whole policies: the map's own limits are the request's.
_MAP_LIMIT = 1_000_000


class TopicActions(SnsBase):
    """Creating, describing, changing, listing and deleting topics."""

    @action("CreateTopic")
    def create_topic(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name = checks.string("Name", required=True)
        given = (
            checks.string_map("Attributes", key_max_len=_MAP_LIMIT, value_max_len=_MAP_LIMIT) or {}
        )
        pairs = read_tags(checks, "Tags", required=False)
        protection = checks.string("DataProtectionPolicy")
        done(checks)
        assert name is not None
        tags = limited(tag_map(pairs or []))
        fifo = self._check_name(name, given)
        if protection is not None:
            raise invalid("DataProtectionPolicy", "data protection policies are not simulated")
        values = dict(given)
        if fifo:
            values["FifoTopic"] = "true"
        else:
            values.pop("FifoTopic", None)
        for attribute, value in values.items():
            if attribute != "FifoTopic":
                check_attribute(attribute, value, fifo=fifo, creating=True)
        arn = f"arn:aws:sns:{request.region}:{request.account}:{name}"
        existing = self.topics.get(arn)
        if existing is not None:
            if any(existing.given.get(k) != v for k, v in values.items()):
                raise invalid("Attributes", "Topic already exists with different attributes")
            if any(existing.tags.get(k) != v for k, v in tags.items()):
                raise invalid("Tags", "Topic already exists with different tags")
            return {"TopicArn": arn}
        same_kind = sum(1 for t in self.topic_list(request.region) if t.fifo == fifo)
        if same_kind >= (MAX_FIFO_TOPICS if fifo else MAX_TOPICS):
            raise TopicLimitExceeded("Topic limit exceeded")
        topic = Topic(
            name=name,
            region=request.region,
            account=request.account,
            given=values,
            tags=tags,
            metrics=self.cloud.metrics,
            created=request.now,
            serial=self._next_serial(),
        )
        self.topics[arn] = topic
        return {"TopicArn": arn}

    @staticmethod
    def _check_name(name: str, given: dict[str, str]) -> bool:
        """Whether `name` makes a FIFO topic; AWS's error if the name and FifoTopic disagree."""
        fifo = given.get("FifoTopic", "false").lower() == "true"
        if fifo != name.endswith(".fifo"):
            raise invalid("Topic Name")
        if fifo and not _FIFO_NAME.match(name):
            raise InvalidParameter(
                "Fifo Topic names must end with .fifo and must be made up of only uppercase and "
                "lowercase ASCII letters, numbers, underscores, and hyphens, and must be between "
                "1 and 256 characters long."
            )
        if not fifo and not _NAME.match(name):
            raise invalid("Topic Name")
        return fifo

    @action("DeleteTopic")
    def delete_topic(self, params: Params, request: Request) -> Response:
        arn = self._topic_arn(params)
        self._check_topic_arn(arn, request)
        topic = self.topics.get(arn)
        if topic is None:
            return {}
        for subscription in list(topic.subscriptions.values()):
            self._remove_subscription(subscription)
        del self.topics[arn]
        return {}

    @action("ListTopics", read_only=True)
    def list_topics(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        token = checks.string("NextToken")
        done(checks)
        scope = f"topics/{request.region}"
        after = ""
        if token is not None:
            after = str(
                decode_token(token, scope, InvalidParameter, "Invalid parameter: NextToken")
            )
        arns = sorted(t.arn for t in self.topic_list(request.region) if t.arn > after)
        page = arns[:PAGE]
        response: Response = {"Topics": [{"TopicArn": arn} for arn in page]}
        if len(arns) > PAGE:
            response["NextToken"] = encode_token(scope, page[-1])
        return response

    @action("GetTopicAttributes", read_only=True)
    def get_topic_attributes(self, params: Params, request: Request) -> Response:
        topic = self._find_topic(self._topic_arn(params), request)
        return {"Attributes": topic.attributes()}

    @action("SetTopicAttributes")
    def set_topic_attributes(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        arn = checks.string("TopicArn", required=True)
        name = checks.string("AttributeName", required=True)
        value = checks.string("AttributeValue") or ""
        done(checks)
        assert arn is not None and name is not None
        topic = self._find_topic(arn, request)
        if name == "FifoTopic":
            raise invalid("AttributeName")
        check_attribute(name, value, fifo=topic.fifo, creating=False)
        if name == "MaximumMessageSize":
            refusal = topic.check_large_messages(int(value))
            if refusal is not None:
                raise refusal
        if value == "" and name != "DisplayName":
            topic.given.pop(name, None)
        else:
            topic.given[name] = value
        return {}

    def _topic_arn(self, params: Params) -> str:
        checks = Checks(params)
        arn = checks.string("TopicArn", required=True)
        done(checks)
        assert arn is not None
        return arn
