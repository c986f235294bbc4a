"""SQS actions: validate and translate AWS request shapes onto the `Queue` model.

Each handler is registered under its AWS action name and speaks botocore's
member names, so the dashboard, the actors and the HTTP endpoint share it.
Behaviour lives in the models beneath (`queue.py`, `move_tasks.py`) and the
pure rules beside them (`permissions.py`, and the shared `backend/kit/tags.py`);
what lives here is what AWS checks at the API: names, ranges, receipt
handles, batch entries, ARNs, and which error each gets.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import OrderedDict
from typing import Any, ClassVar
from urllib.parse import urlsplit

from backend.bus import CloudEvent
from backend.cloud import Cloud
from backend.errors import AwsError, InvalidParameterValue, MissingParameter
from backend.ids import uuid4
from backend.kit import tags as tagging
from backend.kit.message_attributes import attributes_size
from backend.kit.sampler import MinuteSampler
from backend.params import (
    optional_int,
    optional_list,
    optional_map,
    optional_str,
    optional_str_list,
    required_str,
)
from backend.service import Params, Request, Response, Service, action
from backend.services.sqs import attributes as attrs
from backend.services.sqs import permissions
from backend.services.sqs.errors import (
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidAddress,
    InvalidAttributeName,
    InvalidBatchEntryId,
    MessageNotInflight,
    OverLimit,
    PurgeQueueInProgress,
    QueueDeletedRecently,
    QueueDoesNotExist,
    QueueNameExists,
    ReceiptHandleIsInvalid,
    ResourceNotFoundException,
    ThrottlingException,
    TooManyEntriesInBatchRequest,
)
from backend.services.sqs.message import (
    Message,
    State,
    check_attributes,
    check_body,
    md5_of_attributes,
    selected_attributes,
    system_attribute_values,
)
from backend.services.sqs.move_tasks import MAX_RATE, MoveTasks, MoveTaskState, Status
from backend.services.sqs.move_tasks import decode_handle as decode_task_handle
from backend.services.sqs.queue import (
    DEDUP_INTERVAL,
    INFLIGHT_LIMIT,
    PURGE_COOLDOWN,
    Delivery,
    Queue,
)
from backend.services.sqs.receipts import decode_handle, encode_handle, handle_key
from backend.untrusted import json_document

_NAME_RULE = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_FIFO_NAME = re.compile(r"^[A-Za-z0-9_-]{1,75}\.fifo$")
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_DEDUP_ID = re.compile(r"^[!-~]{1,128}$")
#: arn:<partition>:<service>:<region>:<account-id>:<resource-id>
_ARN = re.compile(r"^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$")
MAX_BATCH = 10
MAX_LIST_RESULTS = 1000
#: QueueUrl spellings remembered at once (see `SqsService._queue`).
_URL_MEMO = 1024
#: Shared by every message sent without attributes; never mutated.
_NO_ATTRIBUTES: dict[str, dict[str, Any]] = {}
#: A queue's name can't be reused for this long after the queue is deleted.
DELETE_COOLDOWN = 60


class SqsService(Service):
    """Amazon SQS: standard and FIFO queues in every region of the account."""

    name: ClassVar[str] = "sqs"
    event_source: ClassVar[str] = "sqs.amazonaws.com"
    usage_name: ClassVar[str] = "SQS"
    #: CloudTrail's SQS data events write the body as HIDDEN_DUE_TO_SECURITY_REASONS.
    trail_hidden: ClassVar[frozenset[str]] = frozenset({"MessageBody"})

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        self.delivery = Delivery()
        self._rng = cloud.rng("sqs")
        self.queues: dict[tuple[str, str], Queue] = {}
        self._by_arn: dict[str, Queue] = {}
        self._handle_keys: dict[bytes, Queue] = {}
        self._by_url: dict[tuple[str, str], Queue] = {}
        self._deleted_at: dict[tuple[str, str], float] = {}
        #: FIFO receives by (queue ARN, ReceiveRequestAttemptId), oldest first, so
        #: entries past the five minutes AWS honours a retry for can be dropped.
        self._attempts: OrderedDict[tuple[str, str], tuple[float, list[tuple[Message, int]]]] = (
            OrderedDict()
        )
        #: Publishes every queue's gauges at each whole simulated minute, as AWS/SQS does.
        self._sampler = MinuteSampler(cloud.clock, self._sample)
        self._move_tasks = MoveTasks(
            cloud.clock, cloud.bus, cloud.rng("sqs/move-tasks"), self.queue_by_arn
        )

    def reset(self) -> None:
        for queue in self.queues.values():
            queue.close()
        self.queues.clear()
        self._by_arn.clear()
        self._handle_keys.clear()
        self._by_url.clear()
        self._deleted_at.clear()
        self._attempts.clear()
        self._move_tasks.reset()

    # -- lookups ----------------------------------------------------------------

    def queue_url(self, queue: Queue, request: Request | None = None) -> str:
        base = (request.endpoint if request else None) or self.cloud.endpoint
        if not base:
            base = f"https://sqs.{queue.region}.amazonaws.com"
        return f"{base}{queue.url_path}"

    def queue_by_url(self, url: str, region: str) -> Queue:
        """The queue a QueueUrl names: the last two path segments, whatever the host."""
        try:
            path = urlsplit(url).path if "://" in url else url
        except ValueError:
            path = ""
        parts = [p for p in path.split("/") if p]
        if not parts or len(parts) > 2:
            raise InvalidAddress(f"The address {url} is not valid for this endpoint.")
        if len(parts) == 2 and parts[0] != self.cloud.account:
            raise QueueDoesNotExist("The specified queue does not exist.")
        return self.queue_by_name(parts[-1], region)

    def queue_by_name(self, name: str, region: str) -> Queue:
        queue = self.queues.get((region, name))
        if queue is None:
            raise QueueDoesNotExist("The specified queue does not exist.")
        return queue

    def queue_by_arn(self, arn: str) -> Queue | None:
        return self._by_arn.get(arn)

    def _queue(self, params: Params, request: Request) -> Queue:
        """The queue a request's QueueUrl names; resolved URLs are remembered.

        Every message call starts here, so the parse is skipped for a URL seen
        before. The memo is bounded (clients may spell one queue many ways) and
        an entry for a deleted queue falls through to a fresh lookup.
        """
        url = params.get("QueueUrl")
        if isinstance(url, str):
            found = self._by_url.get((url, request.region))
            if found is not None and not found.deleted:
                return found
        queue = self.queue_by_url(required_str(params, "QueueUrl"), request.region)
        if len(self._by_url) >= _URL_MEMO:
            self._by_url.clear()
        self._by_url[(str(url), request.region)] = queue
        return queue

    def trail_resources(self, action: str, params: Params, region: str) -> list[dict[str, str]]:
        url = params.get("QueueUrl")
        name = params.get("QueueName")
        if isinstance(url, str):
            name = url.rstrip("/").rsplit("/", 1)[-1]
        if not isinstance(name, str) or not name:
            return []
        arn = f"arn:aws:sqs:{region}:{self.cloud.account}:{name}"
        return [{"accountId": self.cloud.account, "type": "AWS::SQS::Queue", "ARN": arn}]

    # -- queues -----------------------------------------------------------------

    @action("CreateQueue")
    def create_queue(self, params: Params, request: Request) -> Response:
        name = required_str(params, "QueueName")
        given = optional_map(params, "Attributes")
        fifo_asked = str(given.get("FifoQueue", "")).lower() == "true"
        if name.endswith(".fifo") or fifo_asked:
            if not _FIFO_NAME.match(name):
                raise InvalidParameterValue(
                    "The name of a FIFO queue can only include alphanumeric characters, hyphens, "
                    "or underscores, must end with .fifo suffix and be 1 to 80 in length."
                )
            if not fifo_asked:
                raise InvalidParameterValue(_NAME_RULE)
        elif not _QUEUE_NAME.match(name):
            raise InvalidParameterValue(_NAME_RULE)
        fifo = name.endswith(".fifo")
        values = attrs.validate(given, fifo=fifo, creating=True)
        tags = tagging.merged({}, optional_map(params, "tags"), resource=f"queue {name}")
        key = (request.region, name)
        existing = self.queues.get(key)
        if existing is not None:
            for attr, value in values.items():
                if existing.attributes.get(attr) != value:
                    raise QueueNameExists(
                        "A queue already exists with the same name and a different value for "
                        f"attribute {attr}"
                    )
            return {"QueueUrl": self.queue_url(existing, request)}
        deleted = self._deleted_at.get(key)
        if deleted is not None and request.now - deleted < DELETE_COOLDOWN:
            raise QueueDeletedRecently(
                "You must wait 60 seconds after deleting a queue before you can create another "
                "with the same name."
            )
        arn = f"arn:aws:sqs:{request.region}:{request.account}:{name}"
        self._check_redrive(values, arn, fifo, request.region)
        cloud = self.cloud
        queue = Queue(
            name=name,
            region=request.region,
            account=request.account,
            attributes={**attrs.defaults(fifo), **values},
            tags=tags,
            created_at=request.now,
            clock=cloud.clock,
            rng=cloud.rng(f"sqs/{request.region}/{name}"),
            metrics=cloud.metrics,
            bus=cloud.bus,
            delivery=self.delivery,
            resolve_arn=self.queue_by_arn,
            reaper=cloud.reaper,
        )
        self.queues[key] = queue
        self._by_arn[queue.arn] = queue
        self._handle_keys[handle_key(queue.arn)] = queue
        self._sampler.start()
        return {"QueueUrl": self.queue_url(queue, request)}

    def _check_redrive(self, values: dict[str, str], arn: str, fifo: bool, region: str) -> None:
        policy = attrs.parse_redrive_policy(values.get("RedrivePolicy", ""))
        attrs.parse_redrive_allow_policy(values.get("RedriveAllowPolicy", ""))
        if policy is None:
            return
        target = self._by_arn.get(policy.dead_letter_target_arn)
        reason = ""
        if target is None:
            reason = "Dead letter target does not exist."
        elif target.region != region:
            reason = "Dead-letter target must be in the same region as the source queue."
        elif target.fifo != fifo:
            reason = "Dead-letter queue must be same type of queue as the source."
        elif target.arn == arn:
            reason = "Dead-letter target can not be the source queue itself."
        elif not target.redrive_allow.allows(arn):
            reason = f"Queue {target.arn} does not allow {arn} to use it as a dead-letter queue."
        if reason:
            raise InvalidParameterValue(
                f"Value {values['RedrivePolicy']} for parameter RedrivePolicy is invalid. "
                f"Reason: {reason}"
            )

    @action("DeleteQueue")
    def delete_queue(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        queue.close()
        del self.queues[(queue.region, queue.name)]
        del self._by_arn[queue.arn]
        del self._handle_keys[handle_key(queue.arn)]
        self._deleted_at[(queue.region, queue.name)] = request.now
        self._move_tasks.forget(queue.arn)
        return {}

    @action("ListQueues", read_only=True)
    def list_queues(self, params: Params, request: Request) -> Response:
        prefix = optional_str(params, "QueueNamePrefix") or ""
        limit = optional_int(
            params,
            "MaxResults",
            1,
            MAX_LIST_RESULTS,
            "MaxResults must be an integer between 1 and 1000.",
        )
        token = optional_str(params, "NextToken")
        after = ""
        if token is not None:
            if limit is None:
                raise InvalidParameterValue("NextToken can only be used together with MaxResults.")
            after = _decode_token(token, prefix)
        names = sorted(
            name
            for (region, name) in self.queues
            if region == request.region and name.startswith(prefix) and name > after
        )
        page = names[: limit or MAX_LIST_RESULTS]
        response: Response = {}
        if page:
            response["QueueUrls"] = [
                self.queue_url(self.queues[(request.region, n)], request) for n in page
            ]
        if limit is not None and len(names) > limit:
            response["NextToken"] = _encode_token(page[-1], prefix)
        return response

    @action("GetQueueUrl", read_only=True)
    def get_queue_url(self, params: Params, request: Request) -> Response:
        name = required_str(params, "QueueName")
        owner = optional_str(params, "QueueOwnerAWSAccountId")
        if owner is not None and owner != request.account:
            raise QueueDoesNotExist("The specified queue does not exist.")
        return {"QueueUrl": self.queue_url(self.queue_by_name(name, request.region), request)}

    @action("GetQueueAttributes", read_only=True)
    def get_queue_attributes(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        names = optional_str_list(params, "AttributeNames")
        everything = self.queue_attributes(queue)
        if "All" in names:
            chosen = everything
        else:
            chosen = {}
            for name in names:
                if name not in everything:
                    if name in attrs.SETTABLE and not attrs.SETTABLE[name].fifo_only:
                        continue
                    raise InvalidAttributeName(f"Unknown Attribute {name}.")
                chosen[name] = everything[name]
        return {"Attributes": chosen} if chosen else {}

    def queue_attributes(self, queue: Queue) -> dict[str, str]:
        """Every attribute GetQueueAttributes reports for `queue`, as strings."""
        return {
            "QueueArn": queue.arn,
            "ApproximateNumberOfMessages": str(queue.n_visible),
            "ApproximateNumberOfMessagesNotVisible": str(queue.n_inflight),
            "ApproximateNumberOfMessagesDelayed": str(queue.n_delayed),
            "CreatedTimestamp": str(int(queue.created_at)),
            "LastModifiedTimestamp": str(int(queue.modified_at)),
            **queue.attributes,
        }

    @action("SetQueueAttributes")
    def set_queue_attributes(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        if "Attributes" not in params:
            raise MissingParameter("The request must contain the parameter Attributes.")
        values = attrs.validate(
            optional_map(params, "Attributes"),
            fifo=queue.fifo,
            creating=False,
            current=queue.attributes,
        )
        self._check_redrive(values, queue.arn, queue.fifo, queue.region)
        queue.configure(values)
        queue.modified_at = request.now
        return {}

    @action("TagQueue")
    def tag_queue(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        new = optional_map(params, "Tags")
        if not new:
            # An empty map is what a client sends for "no tags"; AWS calls it missing.
            raise MissingParameter("The request must contain the parameter Tags.")
        queue.tags = tagging.merged(queue.tags, new, resource=f"queue {queue.name}")
        return {}

    @action("UntagQueue")
    def untag_queue(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        if "TagKeys" not in params:
            raise MissingParameter("The request must contain the parameter TagKeys.")
        queue.tags = tagging.without(queue.tags, optional_list(params, "TagKeys"))
        return {}

    @action("ListQueueTags", read_only=True)
    def list_queue_tags(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        return {"Tags": dict(queue.tags)} if queue.tags else {}

    @action("PurgeQueue")
    def purge_queue(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        now = request.now
        if queue.last_purge is not None and now - queue.last_purge < PURGE_COOLDOWN:
            raise PurgeQueueInProgress(
                f"Only one PurgeQueue operation on {queue.name} is allowed every 60 seconds."
            )
        count = queue.purge(now)
        self.cloud.bus.publish(
            CloudEvent(
                now,
                "sqs",
                "QueuePurged",
                f"{queue.name} purged: {count} messages deleted",
                "warning",
                queue.arn,
            )
        )
        return {}

    @action("ListDeadLetterSourceQueues", read_only=True)
    def list_dead_letter_source_queues(self, params: Params, request: Request) -> Response:
        target = self._queue(params, request)
        limit = optional_int(
            params,
            "MaxResults",
            1,
            MAX_LIST_RESULTS,
            "MaxResults must be an integer between 1 and 1000.",
        )
        token = optional_str(params, "NextToken")
        after = _decode_token(token, target.arn) if token else ""
        sources = sorted(
            (
                q
                for q in self.queues.values()
                if q.redrive is not None
                and q.redrive.dead_letter_target_arn == target.arn
                and q.name > after
            ),
            key=lambda q: q.name,
        )
        page = sources[: limit or MAX_LIST_RESULTS]
        response: Response = {"queueUrls": [self.queue_url(q, request) for q in page]}
        if limit is not None and len(sources) > limit:
            response["NextToken"] = _encode_token(page[-1].name, target.arn)
        return response

    # -- permissions ------------------------------------------------------------

    @action("AddPermission")
    def add_permission(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        policy = permissions.granted(
            queue.attributes.get("Policy", ""),
            queue_arn=queue.arn,
            label=required_str(params, "Label"),
            accounts=optional_str_list(params, "AWSAccountIds"),
            actions=optional_str_list(params, "Actions"),
            known_actions=self.actions,
        )
        queue.configure({"Policy": policy})
        queue.modified_at = request.now
        return {}

    @action("RemovePermission")
    def remove_permission(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        label = required_str(params, "Label")
        queue.configure({"Policy": permissions.revoked(queue.attributes.get("Policy", ""), label)})
        queue.modified_at = request.now
        return {}

    # -- message move tasks (DLQ redrive) ----------------------------------------

    @action("StartMessageMoveTask")
    def start_message_move_task(self, params: Params, request: Request) -> Response:
        rate = optional_int(
            params,
            "MaxNumberOfMessagesPerSecond",
            1,
            MAX_RATE,
            f"Must be between 1 and {MAX_RATE}.",
        )
        source = self._queue_by_param_arn(params, "SourceArn", request)
        if not self.is_dead_letter_queue(source.arn):
            raise InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.")
        destination = None
        if params.get("DestinationArn"):
            destination = self._queue_by_param_arn(params, "DestinationArn", request)
            if destination is source:
                raise InvalidParameterValue(
                    "Source queue arn and destination queue arn cannot be the same."
                )
            if destination.fifo != source.fifo:
                raise InvalidParameterValue(
                    "Value for parameter DestinationArn is invalid. Reason: The destination "
                    "queue must be the same type of queue as the source."
                )
        if self._move_tasks.active(source.arn) is not None:
            raise InvalidParameterValue(
                "There is already a task running. Only one active task is allowed for a source "
                "queue arn at a given time."
            )
        task = self._move_tasks.start(source, destination, rate)
        return {"TaskHandle": task.handle}

    @action("ListMessageMoveTasks", read_only=True)
    def list_message_move_tasks(self, params: Params, request: Request) -> Response:
        limit = optional_int(params, "MaxResults", 1, 10, "Must be between 1 and 10.")
        source = self._queue_by_param_arn(params, "SourceArn", request)
        tasks = self._move_tasks.recent(source.arn)[: limit or 1]
        return {"Results": [_move_task_entry(task) for task in tasks]}

    @action("CancelMessageMoveTask")
    def cancel_message_move_task(self, params: Params, request: Request) -> Response:
        decoded = decode_task_handle(required_str(params, "TaskHandle"))
        if decoded is None:
            raise InvalidParameterValue("Value for parameter TaskHandle is invalid.")
        task_id, source_arn = decoded
        source = self._queue_by_arn_in(source_arn, "SourceArn", request)
        task = self._move_tasks.find(source.arn, task_id)
        # A task that has ended has no handle any more (ListMessageMoveTasks shows one
        # only while RUNNING), so cancelling it is cancelling no task.
        if task is None or task.status is not Status.RUNNING:
            raise ResourceNotFoundException("Task does not exist.")
        return {"ApproximateNumberOfMessagesMoved": self._move_tasks.cancel(task_id).moved}

    def is_dead_letter_queue(self, queue_arn: str) -> bool:
        """Whether another queue's RedrivePolicy names this one: only such a queue is redriven."""
        return any(
            q.redrive is not None and q.redrive.dead_letter_target_arn == queue_arn
            for q in self.queues.values()
        )

    def move_tasks(self, queue_arn: str) -> list[MoveTaskState]:
        """The queue's message move tasks, newest first, for the dashboard (read only).

        The ten most recent of the last 14 days, as ListMessageMoveTasks keeps
        them; a RUNNING or CANCELLING one, if any, is first.
        """
        return self._move_tasks.recent(queue_arn)

    def _queue_by_param_arn(self, params: Params, name: str, request: Request) -> Queue:
        return self._queue_by_arn_in(required_str(params, name), name, request)

    def _queue_by_arn_in(self, arn: str, name: str, request: Request) -> Queue:
        """The queue an ARN parameter names, in the request's region, or AWS's error."""
        if not _ARN.match(arn):
            raise InvalidParameterValue(
                f"You must use this format to specify the {name}: "
                "arn:<partition>:<service>:<region>:<account-id>:<resource-id>"
            )
        queue = self._by_arn.get(arn)
        if queue is None or queue.region != request.region:
            raise ResourceNotFoundException(
                f"The resource that you specified for the {name} parameter doesn't exist."
            )
        return queue

    # -- sending ----------------------------------------------------------------

    @action("SendMessage", data_event=True)
    def send_message(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        if queue.fifo:
            self._admit(queue, "SendMessage", request.now)
        return self._send(queue, params, request, None)

    @action("SendMessageBatch", data_event=True)
    def send_message_batch(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        entries = self._batch_entries(params, "SendMessageBatchRequestEntry")
        total = sum(len(str(e.get("MessageBody", "")).encode("utf-8")) for e in entries)
        if total > attrs.MAX_MESSAGE_SIZE:
            raise BatchRequestTooLong(
                f"Batch requests cannot be longer than {attrs.MAX_MESSAGE_SIZE} bytes. You have "
                f"sent {total} bytes."
            )
        if queue.fifo:
            self._admit(queue, "SendMessage", request.now)
        return self._each_entry(entries, lambda e: self._send(queue, e, request, e["Id"]))

    def _send(self, queue: Queue, params: Params, request: Request, entry: str | None) -> Response:
        if "MessageBody" not in params:
            raise MissingParameter("The request must contain the parameter MessageBody.")
        body = check_body(params["MessageBody"])
        raw = body.encode("utf-8")
        user = system = _NO_ATTRIBUTES
        if "MessageAttributes" in params:
            user = check_attributes(params["MessageAttributes"])
        if "MessageSystemAttributes" in params:
            system = check_attributes(params["MessageSystemAttributes"], system=True)
        size = len(raw) + (attributes_size(user) if user else 0)
        if size > queue.maximum_message_size:
            raise InvalidParameterValue(
                "One or more parameters are invalid. Reason: Message must be shorter than "
                f"{queue.maximum_message_size} bytes."
            )
        now = request.now
        delay = optional_int(
            params,
            "DelaySeconds",
            0,
            attrs.MAX_DELAY,
            f"DelaySeconds must be >= 0 and <= {attrs.MAX_DELAY}.",
        )
        group_id = optional_str(params, "MessageGroupId")
        dedup_id = optional_str(params, "MessageDeduplicationId")
        if queue.fifo:
            if delay is not None and delay != 0:
                raise InvalidParameterValue(
                    f"Value {delay} for parameter DelaySeconds is invalid. Reason: The request "
                    "include parameter that is not valid for this queue type."
                )
            if group_id is None:
                raise MissingParameter("The request must contain the parameter MessageGroupId.")
            _check_id("MessageGroupId", group_id)
            if dedup_id is None:
                if not queue.content_based_deduplication:
                    raise InvalidParameterValue(
                        "The queue should either have ContentBasedDeduplication enabled or "
                        "MessageDeduplicationId provided explicitly"
                    )
                dedup_id = hashlib.sha256(body.encode("utf-8")).hexdigest()
            else:
                _check_id("MessageDeduplicationId", dedup_id)
            original = queue.find_duplicate(group_id, dedup_id, now)
            if original is not None:
                return self._send_result(original, entry)
        else:
            if dedup_id is not None:
                raise InvalidParameterValue(
                    f"Value {dedup_id} for parameter MessageDeduplicationId is invalid. Reason: "
                    "The request includes a parameter that is not valid for this queue type."
                )
            if group_id is not None:
                _check_id("MessageGroupId", group_id)
        rng = self._rng
        message = Message(
            uuid4(rng), body, now, request.caller.principal_id, hashlib.md5(raw).digest()
        )
        if user:
            message.attributes = user
            message.md5_attributes = md5_of_attributes(user)
        if system:
            message.system_attributes = system
            message.md5_system_attributes = md5_of_attributes(system)
        if group_id is not None:
            message.group_id = group_id
        if queue.fifo:
            message.dedup_id = dedup_id
            message.sequence_number = queue.next_sequence_number()
        queue.enqueue(message, queue.delay_seconds if delay is None else delay, now)
        queue.counters.sent += 1
        queue.metrics.sent.add(now)
        queue.metrics.sent_size.add(now, size)
        return self._send_result(message, entry)

    @staticmethod
    def _send_result(message: Message, entry: str | None) -> Response:
        result: Response = {"MD5OfMessageBody": message.md5_body, "MessageId": message.message_id}
        if entry is not None:
            result["Id"] = entry
        extra = message.extra
        if extra is not None:
            if extra.md5_attributes:
                result["MD5OfMessageAttributes"] = extra.md5_attributes
            if extra.md5_system_attributes:
                result["MD5OfMessageSystemAttributes"] = extra.md5_system_attributes
            if extra.sequence_number is not None:
                result["SequenceNumber"] = extra.sequence_number
        return result

    # -- receiving --------------------------------------------------------------

    @action("ReceiveMessage", read_only=True, data_event=True)
    async def receive_message(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        wanted = optional_int(
            params, "MaxNumberOfMessages", 1, 10, "Must be between 1 and 10, if provided."
        )
        timeout = optional_int(params, "VisibilityTimeout", 0, attrs.MAX_VISIBILITY_TIMEOUT)
        wait = optional_int(params, "WaitTimeSeconds", 0, attrs.MAX_WAIT_TIME)
        attempt = optional_str(params, "ReceiveRequestAttemptId")
        system_names = {
            *optional_str_list(params, "AttributeNames"),
            *optional_str_list(params, "MessageSystemAttributeNames"),
        }
        user_names = optional_str_list(params, "MessageAttributeNames")
        if queue.fifo:
            self._admit(queue, "ReceiveMessage", request.now)
        if attempt is not None and queue.fifo:
            _check_id("ReceiveRequestAttemptId", attempt)
            replay = self._replay(queue, attempt, request.now)
            if replay is not None:
                return self._receive_result(queue, replay, system_names, user_names)
        wanted = wanted or 1
        timeout = queue.visibility_timeout if timeout is None else timeout
        wait = queue.wait_time_seconds if wait is None else wait
        receiver = request.caller.username
        taken = self._take(queue, wanted, timeout, request.now, receiver, short_poll=wait == 0)
        if not taken and wait > 0:
            clock = self.cloud.clock
            deadline = request.now + wait
            while not taken and not queue.deleted:
                remaining = deadline - clock.now()
                if remaining <= 0:
                    break
                await clock.wait(queue.arrived, remaining)
                if not queue.deleted:
                    taken = self._take(
                        queue, wanted, timeout, clock.now(), receiver, short_poll=False
                    )
        now = self.cloud.clock.now()
        if not taken:
            queue.counters.empty_receives += 1
            queue.metrics.empty_receives.add(now)
            return {}
        queue.counters.received += len(taken)
        queue.metrics.received.add(now, len(taken))
        received = [(m, m.receive_count) for m in taken]
        if attempt is not None and queue.fifo:
            self._remember_attempt((queue.arn, attempt), now, received)
        return self._receive_result(queue, received, system_names, user_names)

    def _take(
        self,
        queue: Queue,
        wanted: int,
        timeout: int,
        now: float,
        receiver: str,
        *,
        short_poll: bool,
    ) -> list[Message]:
        if not queue.fifo and queue.n_inflight >= INFLIGHT_LIMIT:
            raise OverLimit(
                f"Too many messages in flight: a standard queue allows {INFLIGHT_LIMIT}."
            )
        return queue.receive(wanted, timeout, now, short_poll=short_poll, receiver=receiver)

    def _remember_attempt(
        self, key: tuple[str, str], now: float, received: list[tuple[Message, int]]
    ) -> None:
        """Keep a FIFO receive for retries, forgetting those too old to replay.

        Without the pruning a consumer that sends a fresh attempt id with every
        receive would grow this map for as long as it runs.
        """
        attempts = self._attempts
        attempts[key] = (now, received)
        attempts.move_to_end(key)
        while attempts:
            oldest_key, (when, _) = next(iter(attempts.items()))
            if now - when <= DEDUP_INTERVAL:
                break
            del attempts[oldest_key]

    def _replay(self, queue: Queue, attempt: str, now: float) -> list[tuple[Message, int]] | None:
        """A retried FIFO receive's earlier result, if its messages are still held for it."""
        found = self._attempts.get((queue.arn, attempt))
        if found is None:
            return None
        when, received = found
        still_held = all(
            queue.message(m.message_id) is m and m.state is State.INFLIGHT and m.receipt == r
            for m, r in received
        )
        if now - when > DEDUP_INTERVAL or not still_held:
            del self._attempts[(queue.arn, attempt)]
            return None
        return received

    def _receive_result(
        self,
        queue: Queue,
        received: list[tuple[Message, int]],
        system_names: set[str],
        user_names: list[str],
    ) -> Response:
        key = handle_key(queue.arn)
        out = []
        for message, receipt in received:
            item: Response = {
                "MessageId": message.message_id,
                "ReceiptHandle": encode_handle(key, message.message_id, receipt),
                "MD5OfBody": message.md5_body,
                "Body": message.body,
            }
            if system_names:
                system = system_attribute_values(message, system_names)
                if system:
                    item["Attributes"] = system
            if user_names and message.attributes:
                chosen = selected_attributes(message.attributes, user_names)
                if chosen:
                    item["MessageAttributes"] = chosen
                    item["MD5OfMessageAttributes"] = (
                        message.md5_attributes
                        if len(chosen) == len(message.attributes)
                        else md5_of_attributes(chosen)
                    )
            out.append(item)
        return {"Messages": out}

    # -- deleting and visibility -------------------------------------------------

    def _message(self, queue: Queue, handle: object) -> tuple[Message | None, int]:
        """The message a receipt handle names (None if already gone) and its receive number."""
        if not isinstance(handle, str) or not handle:
            raise MissingParameter("The request must contain the parameter ReceiptHandle.")
        decoded = decode_handle(handle)
        if decoded is None or self._handle_keys.get(decoded[0]) is not queue:
            raise ReceiptHandleIsInvalid(
                f'The input receipt handle "{handle}" is not a valid receipt handle.'
            )
        _, message_id, receipt = decoded
        message = queue.message(message_id)
        if (
            message is not None
            and queue.fifo
            and (message.receipt != receipt or message.state is not State.INFLIGHT)
        ):
            raise InvalidParameterValue(
                f"Value {handle} for parameter ReceiptHandle is invalid. Reason: The receipt "
                "handle has expired."
            )
        return message, receipt

    @action("DeleteMessage", data_event=True)
    def delete_message(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        if queue.fifo:
            self._admit(queue, "DeleteMessage", request.now)
        self._delete(queue, params, request)
        return {}

    @action("DeleteMessageBatch", data_event=True)
    def delete_message_batch(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        entries = self._batch_entries(params, "DeleteMessageBatchRequestEntry")
        if queue.fifo:
            self._admit(queue, "DeleteMessage", request.now)
        return self._each_entry(entries, lambda e: self._delete(queue, e, request))

    def _delete(self, queue: Queue, params: Params, request: Request) -> Response:
        message, _ = self._message(queue, params.get("ReceiptHandle"))
        # AWS counts every delete with a valid handle in NumberOfMessagesDeleted,
        # repeats included; the queue's own counter counts messages actually removed.
        queue.metrics.deleted.add(request.now)
        if message is not None:
            queue.delete(message)
        return {"Id": params["Id"]} if "Id" in params else {}

    @action("ChangeMessageVisibility", data_event=True)
    def change_message_visibility(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        self._change_visibility(queue, params, request)
        return {}

    @action("ChangeMessageVisibilityBatch", data_event=True)
    def change_message_visibility_batch(self, params: Params, request: Request) -> Response:
        queue = self._queue(params, request)
        entries = self._batch_entries(params, "ChangeMessageVisibilityBatchRequestEntry")
        return self._each_entry(entries, lambda e: self._change_visibility(queue, e, request))

    def _change_visibility(self, queue: Queue, params: Params, request: Request) -> Response:
        message, _ = self._message(queue, params.get("ReceiptHandle"))
        timeout = optional_int(params, "VisibilityTimeout", 0, attrs.MAX_VISIBILITY_TIMEOUT)
        if timeout is None:
            raise MissingParameter("The request must contain the parameter VisibilityTimeout.")
        if message is None or message.state is not State.INFLIGHT:
            raise MessageNotInflight(
                "Message does not exist or is not available for visibility timeout change."
            )
        assert message.received_at is not None
        if request.now - message.received_at + timeout > attrs.MAX_VISIBILITY_TIMEOUT:
            raise InvalidParameterValue(
                f"Value {timeout} for parameter VisibilityTimeout is invalid. Reason: Total "
                f"VisibilityTimeout for the message is beyond the limit "
                f"[{attrs.MAX_VISIBILITY_TIMEOUT} seconds]"
            )
        queue.change_visibility(message, timeout, request.now)
        return {"Id": params["Id"]} if "Id" in params else {}

    # -- batches ----------------------------------------------------------------

    def _batch_entries(self, params: Params, entry_name: str) -> list[Params]:
        entries = optional_list(params, "Entries")
        if not entries:
            raise EmptyBatchRequest(f"There should be at least one {entry_name} in the request.")
        if len(entries) > MAX_BATCH:
            raise TooManyEntriesInBatchRequest(
                f"Maximum number of entries per request are {MAX_BATCH}. You have sent "
                f"{len(entries)}."
            )
        seen: set[str] = set()
        for entry in entries:
            entry_id = entry.get("Id") if isinstance(entry, dict) else None
            if not isinstance(entry_id, str) or not _BATCH_ID.match(entry_id):
                raise InvalidBatchEntryId(
                    "A batch entry id can only contain alphanumeric characters, hyphens and "
                    "underscores. It can be at most 80 letters long."
                )
            if entry_id in seen:
                raise BatchEntryIdsNotDistinct(f"Id {entry_id} repeated.")
            seen.add(entry_id)
        return entries

    @staticmethod
    def _each_entry(entries: list[Params], run: Any) -> Response:
        """Run each batch entry on its own: one entry's error fails only that entry."""
        successful: list[Response] = []
        failed: list[Response] = []
        for entry in entries:
            try:
                successful.append(run(entry))
            except AwsError as error:
                failed.append(
                    {
                        "Id": entry["Id"],
                        "SenderFault": error.sender_fault,
                        "Code": error.legacy_code,
                        "Message": error.message,
                    }
                )
        return {"Successful": successful, "Failed": failed}

    def _admit(self, queue: Queue, action_name: str, now: float) -> None:
        if not queue.admit(action_name, now):
            raise ThrottlingException("Rate exceeded")

    # -- gauges -----------------------------------------------------------------

    def _sample(self, now: float) -> bool:
        for queue in self.queues.values():
            queue.publish_gauges(now)
        return bool(self.queues)


def _move_task_entry(task: MoveTaskState) -> Response:
    """A ListMessageMoveTasksResultEntry: the handle only while RUNNING, as AWS gives it."""
    entry: Response = {
        "Status": str(task.status),
        "SourceArn": task.source_arn,
        "ApproximateNumberOfMessagesMoved": task.moved,
        "ApproximateNumberOfMessagesToMove": task.to_move,
        "StartedTimestamp": int(task.started_at * 1000),
    }
    if task.status is Status.RUNNING:
        entry["TaskHandle"] = task.handle
    if task.destination_arn is not None:
        entry["DestinationArn"] = task.destination_arn
    if task.max_per_second is not None:
        entry["MaxNumberOfMessagesPerSecond"] = task.max_per_second
    if task.failure_reason is not None:
        entry["FailureReason"] = task.failure_reason
    return entry


def _check_id(name: str, value: str) -> None:
    if not _DEDUP_ID.match(value):
        raise InvalidParameterValue(
            f"Value {value} for parameter {name} is invalid. Reason: {name} can only include "
            "alphanumeric and punctuation characters. 1 to 128 in length."
        )


def _encode_token(last: str, scope: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([scope, last]).encode()).decode()


def _decode_token(token: str, scope: str) -> str:
    try:
        found_scope, last = json_document(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError):
        raise InvalidParameterValue("Invalid NextToken value.") from None
    if found_scope != scope or not isinstance(last, str):
        raise InvalidParameterValue("Invalid NextToken value.")
    return last
