"""An SQS queue: where messages wait, hide, reappear, expire and die.

This is the model beneath the API: plain Python, no wire shapes. It owns its
messages and moves them between states on the virtual clock:

    send ─► DELAYED ──(DelaySeconds)──► VISIBLE ◄──(VisibilityTimeout)── INFLIGHT
                                          │                                ▲
                                          └────────── receive ─────────────┘
                                   delete, retention, purge, redrive ─► GONE

Timers are per queue, not per message: the queue keeps its own heap of
deadlines (delays ending, visibility timeouts expiring) and its messages in
order of arrival (retention), and holds one clock timer for whichever comes
first. A heap entry whose message has since changed state or deadline is
stale and skipped, rather than searched for and removed.

Arrival order costs one deque slot per message, not a heap entry: messages
arrive in time order, except those a standard queue's sources redrive here
with their original enqueue time, which wait in a small heap of their own.
Purging or deleting a queue swaps in empty containers and hands the full ones
to the cloud's `Reaper`, so a million messages go without stalling the loop.

Standard queues keep their visible messages in one deque (received from the
front; a message whose visibility timeout expires goes back to the front, as
it is the oldest). FIFO queues keep a deque per message group and a heap of
groups that can deliver, ordered by their head message, so a group with a
message in flight is never offered.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from backend.bus import Bus, CloudEvent
from backend.clock import Clock, TimerHandle
from backend.kit.deadlines import Deadlines
from backend.kit.token_bucket import TokenBucket
from backend.metrics import MetricStore, Series
from backend.reaper import Reaper
from backend.services.sqs.attributes import (
    RedriveAllowPolicy,
    RedrivePolicy,
    parse_redrive_allow_policy,
    parse_redrive_policy,
)
from backend.services.sqs.message import (
    DELAYED,
    GONE,
    HOSTS,
    INFLIGHT,
    VISIBLE,
    Message,
)

#: FIFO deduplication interval, seconds.
DEDUP_INTERVAL = 300
#: Messages in flight at once before receives fail (standard) or return nothing (FIFO).
INFLIGHT_LIMIT = 120_000
#: Transactions per second per action on a FIFO queue without high throughput.
FIFO_TPS = 300
PURGE_COOLDOWN = 60


@dataclass
class Delivery:
    """How faithfully a standard queue shows its distributed nature.

    Real standard queues deliver at least once and only roughly in order, and
    a short poll asks a sample of the servers holding the queue, so it can come
    back empty while messages wait. All of it is seeded and off by default,
    since most scenarios want exact, easy-to-follow behaviour:

    - `duplicate_rate`: chance that a DeleteMessage misses a copy, so the
      message comes back after its visibility timeout (a duplicate delivery);
    - `reorder_window`: a receive picks at random among this many of the
      oldest visible messages (1 = oldest first);
    - `short_poll_sample`: the share of hosts a short poll asks (1 = all).
    """

    duplicate_rate: float = 0.0
    reorder_window: int = 1
    short_poll_sample: float = 1.0

    @property
    def exact(self) -> bool:
        return (
            self.duplicate_rate == 0.0 and self.reorder_window <= 1 and self.short_poll_sample >= 1
        )


@dataclass
class Counters:
    """What happened to a queue's messages since it was created (for summaries).

    Each message is counted once, where it ended: `deleted + expired +
    moved_to_dlq + purged` plus those still in the queue equals `sent` (and, in
    a dead-letter queue, what its sources moved in, which AWS does not count as
    sent). So `deleted` counts messages a delete removed, not delete calls
    (NumberOfMessagesDeleted counts those, repeats included), and a delete that
    a missed copy survived counts in `duplicates` instead.
    """

    sent: int = 0
    received: int = 0
    deleted: int = 0
    moved_to_dlq: int = 0
    expired: int = 0
    purged: int = 0
    empty_receives: int = 0
    duplicates: int = 0


@dataclass
class QueueMetrics:
    """The queue's AWS/SQS series, resolved once so the hot path only adds."""

    sent: Series
    received: Series
    deleted: Series
    empty_receives: Series
    sent_size: Series
    visible: Series
    not_visible: Series
    delayed: Series
    oldest_age: Series

    @classmethod
    def create(cls, store: MetricStore, queue_name: str) -> QueueMetrics:
        dims = {"QueueName": queue_name}

        def series(name: str, unit: str = "Count") -> Series:
            return store.series("AWS/SQS", name, dims, unit)

        return cls(
            sent=series("NumberOfMessagesSent"),
            received=series("NumberOfMessagesReceived"),
            deleted=series("NumberOfMessagesDeleted"),
            empty_receives=series("NumberOfEmptyReceives"),
            sent_size=series("SentMessageSize", "Bytes"),
            visible=series("ApproximateNumberOfMessagesVisible"),
            not_visible=series("ApproximateNumberOfMessagesNotVisible"),
            delayed=series("ApproximateNumberOfMessagesDelayed"),
            oldest_age=series("ApproximateAgeOfOldestMessage", "Seconds"),
        )


@dataclass
class Group:
    """A FIFO message group: its undeleted messages in order, and how many are in flight."""

    messages: deque[Message] = field(default_factory=deque)
    inflight: int = 0


class Queue:
    """One queue's messages, settings and clocks."""

    def __init__(
        self,
        *,
        name: str,
        region: str,
        account: str,
        attributes: dict[str, str],
        tags: dict[str, str],
        created_at: float,
        clock: Clock,
        rng: random.Random,
        metrics: MetricStore,
        bus: Bus,
        delivery: Delivery,
        resolve_arn: Callable[[str], Queue | None],
        reaper: Reaper,
    ) -> None:
        self.name = name
        self.region = region
        self.account = account
        self.arn = f"arn:aws:sqs:{region}:{account}:{name}"
        self.fifo = name.endswith(".fifo")
        self.created_at = created_at
        self.modified_at = created_at
        self.tags = tags
        self.attributes: dict[str, str] = {}
        self.counters = Counters()
        self.metrics = QueueMetrics.create(metrics, name)
        self.arrived = clock.signal()
        self.deleted = False
        self.last_purge: float | None = None

        self._clock = clock
        self._rng = rng
        self._bus = bus
        self._delivery = delivery
        self._resolve_arn = resolve_arn
        self._reaper = reaper
        self._seq = itertools.count()
        self._messages: dict[str, Message] = {}
        self._visible: deque[Message] = deque()
        self._groups: dict[str, Group] = {}
        self._ready_groups: list[tuple[int, str]] = []
        self._deadlines: Deadlines[Message] = Deadlines(_stale)
        #: Messages in order of arrival; `_late` holds those that came with an older time.
        self._arrivals: deque[Message] = deque()
        self._late: list[tuple[float, int, Message]] = []
        #: GONE messages still in `_arrivals` or `_late`, dropped lazily.
        self._dead_arrivals = 0
        self._wakeup: TimerHandle | None = None
        self._dedup: OrderedDict[tuple[str, str], tuple[float, Message]] = OrderedDict()
        self._sequence = 18_849_496_460_467_696_128
        #: FIFO's per-action call limit, a bucket per action.
        self._tps: dict[str, TokenBucket] = {}
        self.n_visible = 0
        self.n_inflight = 0
        self.n_delayed = 0

        self.visibility_timeout = 30
        self.delay_seconds = 0
        self.maximum_message_size = 1_048_576
        self.retention_period = 345_600
        self.wait_time_seconds = 0
        self.content_based_deduplication = False
        self.dedup_per_group = False
        self.high_throughput = False
        self.redrive: RedrivePolicy | None = None
        self.redrive_allow = RedriveAllowPolicy("allowAll", ())
        self.configure(attributes)

    # -- settings ---------------------------------------------------------------

    def configure(self, values: dict[str, str]) -> None:
        """Apply validated attribute strings and derive the typed settings."""
        self.attributes.update(values)
        if values.get("KmsMasterKeyId"):
            self.attributes["SqsManagedSseEnabled"] = "false"
            self.attributes.setdefault("KmsDataKeyReusePeriodSeconds", "300")
        for name in ("Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId"):
            if self.attributes.get(name) == "":
                del self.attributes[name]
        a = self.attributes
        self.visibility_timeout = int(a["VisibilityTimeout"])
        self.delay_seconds = int(a["DelaySeconds"])
        self.maximum_message_size = int(a["MaximumMessageSize"])
        self.retention_period = int(a["MessageRetentionPeriod"])
        self.wait_time_seconds = int(a["ReceiveMessageWaitTimeSeconds"])
        self.content_based_deduplication = a.get("ContentBasedDeduplication") == "true"
        self.dedup_per_group = a.get("DeduplicationScope") == "messageGroup"
        self.high_throughput = a.get("FifoThroughputLimit") == "perMessageGroupId"
        self.redrive = parse_redrive_policy(a.get("RedrivePolicy", ""))
        self.redrive_allow = parse_redrive_allow_policy(a.get("RedriveAllowPolicy", ""))
        if "MessageRetentionPeriod" in values:
            self._arm()

    @property
    def url_path(self) -> str:
        return f"/{self.account}/{self.name}"

    # -- counts -----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._messages)

    def oldest_enqueued(self) -> float | None:
        """Enqueue time of the oldest message still in the queue."""
        oldest = self._oldest()
        return None if oldest is None else oldest.enqueued_at

    def _oldest(self) -> Message | None:
        arrivals = self._arrivals
        while arrivals and arrivals[0].state is GONE:
            arrivals.popleft()
            self._dead_arrivals -= 1
        late = self._late
        while late and late[0][2].state is GONE:
            heapq.heappop(late)
            self._dead_arrivals -= 1
        if not late:
            return arrivals[0] if arrivals else None
        if not arrivals or late[0][0] < arrivals[0].enqueued_at:
            return late[0][2]
        return arrivals[0]

    def publish_gauges(self, now: float) -> None:
        """Sample the ApproximateNumberOf* and age gauges into the metric store."""
        m = self.metrics
        m.visible.add(now, self.n_visible)
        m.not_visible.add(now, self.n_inflight)
        m.delayed.add(now, self.n_delayed)
        oldest = self.oldest_enqueued()
        m.oldest_age.add(now, 0 if oldest is None else int(now - oldest))

    # -- throttling ---------------------------------------------------------------

    def admit(self, action: str, now: float) -> bool:
        """Whether a FIFO queue can take one more `action` call this second.

        Standard queues (and FIFO queues in high-throughput mode) are not limited.
        """
        if not self.fifo or self.high_throughput:
            return True
        bucket = self._tps.get(action)
        if bucket is None:
            bucket = self._tps[action] = TokenBucket(FIFO_TPS, now=now)
        return bucket.take(now)

    # -- sending ----------------------------------------------------------------

    def find_duplicate(self, group_id: str, dedup_id: str, now: float) -> Message | None:
        """The message sent with this deduplication id in the last five minutes, if any."""
        dedup = self._dedup
        while dedup:
            key, (sent_at, _) = next(iter(dedup.items()))
            if sent_at > now - DEDUP_INTERVAL:
                break
            del dedup[key]
        found = dedup.get((group_id if self.dedup_per_group else "", dedup_id))
        return found[1] if found is not None else None

    def next_sequence_number(self) -> str:
        self._sequence += 65_536
        return str(self._sequence)

    def enqueue(self, message: Message, delay: int, now: float) -> None:
        """Take a new message (or one moved here from a source queue)."""
        self._messages[message.message_id] = message
        arrivals = self._arrivals
        enqueued_at = message.enqueued_at
        if arrivals and enqueued_at < arrivals[-1].enqueued_at:
            heapq.heappush(self._late, (enqueued_at, next(self._seq), message))
        else:
            arrivals.append(message)
        if self.fifo:
            assert message.group_id is not None
            if message.dedup_id is not None:
                key = (message.group_id if self.dedup_per_group else "", message.dedup_id)
                self._dedup[key] = (now, message)
            group = self._groups.get(message.group_id)
            if group is None:
                group = self._groups[message.group_id] = Group()
            group.messages.append(message)
        if delay > 0:
            message.state = DELAYED
            self.n_delayed += 1
            self._set_deadline(message, now + delay)
        else:
            self._make_visible(message, front=False)
        # A message redriven from a standard queue keeps its original enqueue time, so
        # it can expire before whatever the queue's timer is already waiting for.
        wakeup = self._wakeup
        if wakeup is None or message.enqueued_at + self.retention_period < wakeup.when:
            self._arm()

    # -- receiving --------------------------------------------------------------

    def receive(
        self,
        max_messages: int,
        visibility_timeout: int,
        now: float,
        *,
        short_poll: bool,
        receiver: str = "",
    ) -> list[Message]:
        """Take up to `max_messages` messages in flight; redrive those over maxReceiveCount.

        `receiver` is who received them, for each message's receive history.
        """
        if self.fifo:
            taken = self._take_fifo(max_messages, now)
        else:
            taken = self._take_standard(max_messages, short_poll)
        for message in taken:
            self._to_inflight(message, visibility_timeout, now, receiver)
        if visibility_timeout == 0:
            # Visible again at once, as ChangeMessageVisibility to 0 makes it: waiting for
            # the clock to fire a timer due now would hide it from a receive in this same
            # instant. Reversed, so the messages return to the front in their order.
            for message in reversed(taken):
                self.change_visibility(message, 0, now)
        return taken

    def _over_receive_limit(self, message: Message) -> bool:
        redrive = self.redrive
        return redrive is not None and message.receive_count >= redrive.max_receive_count

    def _take_standard(self, wanted: int, short_poll: bool) -> list[Message]:
        visible = self._visible
        delivery = self._delivery
        taken: list[Message] = []
        if delivery.exact or not (short_poll and delivery.short_poll_sample < 1):
            hosts = None
        else:
            hosts = {h for h in range(HOSTS) if self._rng.random() < delivery.short_poll_sample}
        skipped: list[Message] = []
        scanned = 0
        while len(taken) < wanted and visible and scanned < 1000:
            if delivery.reorder_window > 1 and len(visible) > 1:
                index = self._rng.randrange(min(delivery.reorder_window, len(visible)))
                message = visible[index]
                del visible[index]
            else:
                message = visible.popleft()
            if message.state is not VISIBLE:
                continue
            scanned += 1
            if hosts is not None and message.host not in hosts:
                skipped.append(message)
                continue
            if self._over_receive_limit(message) and self._dead_letter(message):
                continue
            taken.append(message)
        visible.extendleft(reversed(skipped))
        return taken

    def _take_fifo(self, wanted: int, now: float) -> list[Message]:
        if self.n_inflight >= INFLIGHT_LIMIT:
            return []
        taken: list[Message] = []
        ready = self._ready_groups
        while len(taken) < wanted and ready:
            order, group_id = heapq.heappop(ready)
            group = self._groups.get(group_id)
            if group is None or not self._group_ready(group) or _order(group.messages[0]) != order:
                continue
            messages = group.messages
            index = 0
            while len(taken) < wanted and index < len(messages):
                message = messages[index]
                if message.state is not VISIBLE:
                    break
                if self._over_receive_limit(message) and self._dead_letter(message):
                    continue
                taken.append(message)
                # Counted here, not in _to_inflight, so a second heap entry for this
                # group cannot hand out the same messages within this receive.
                group.inflight += 1
                index += 1
            if not group.messages:
                self._groups.pop(group_id, None)
        return taken

    def _to_inflight(
        self, message: Message, visibility_timeout: int, now: float, receiver: str
    ) -> None:
        message.state = INFLIGHT
        self.n_visible -= 1
        self.n_inflight += 1
        message.receive_count += 1
        message.note_receive(now, receiver)
        self._set_deadline(message, now + visibility_timeout)

    # -- deleting and changing visibility ----------------------------------------

    def message(self, message_id: str) -> Message | None:
        return self._messages.get(message_id)

    def delete(self, message: Message) -> bool:
        """Delete `message`; False when a simulated missed copy lets it come back."""
        rate = self._delivery.duplicate_rate
        if rate and not self.fifo and self._rng.random() < rate:
            self.counters.duplicates += 1
            return False
        self._remove(message)
        self.counters.deleted += 1
        return True

    def change_visibility(self, message: Message, timeout: int, now: float) -> None:
        """Restart an in-flight message's visibility timeout from now (0: visible now)."""
        if timeout == 0:
            self._leave_inflight(message)
            self._make_visible(message, front=True)
            self._arm()
        else:
            self._set_deadline(message, now + timeout)

    def purge(self, now: float) -> int:
        """Delete every message; returns how many there were."""
        count = self._clear()
        self.last_purge = now
        self.counters.purged += count
        self._arm()
        return count

    def _clear(self) -> int:
        """Empty the queue at once; the reaper lets go of the old contents a slice at a time.

        Messages are not marked GONE one by one (that alone took 100 ms for a
        million): a message belongs to this queue exactly while `message(id)`
        returns it, which is what anyone holding one must check.
        """
        count = len(self._messages)
        self._reaper.release(
            self._messages,
            self._visible,
            self._groups,
            self._ready_groups,
            self._deadlines.take_all(),
            self._arrivals,
            self._late,
        )
        self._messages = {}
        self._visible = deque()
        self._groups = {}
        self._ready_groups = []
        self._arrivals = deque()
        self._late = []
        self._dead_arrivals = 0
        self.n_visible = self.n_inflight = self.n_delayed = 0
        return count

    def close(self) -> None:
        """The queue was deleted: stop its timers and drop its messages."""
        self._clear()
        self.deleted = True
        if self._wakeup is not None:
            self._wakeup.cancel()
            self._wakeup = None
        self.arrived.fire()

    # -- state transitions ------------------------------------------------------

    def _group_ready(self, group: Group) -> bool:
        return group.inflight == 0 and bool(group.messages) and (group.messages[0].state is VISIBLE)

    def _offer_group(self, group_id: str) -> None:
        group = self._groups.get(group_id)
        if group is not None and self._group_ready(group):
            heapq.heappush(self._ready_groups, (_order(group.messages[0]), group_id))

    def _make_visible(self, message: Message, *, front: bool) -> None:
        message.state = VISIBLE
        self.n_visible += 1
        if self.fifo:
            assert message.group_id is not None
            self._offer_group(message.group_id)
        elif front:
            self._visible.appendleft(message)
        else:
            self._visible.append(message)
        self.arrived.fire()

    def _leave_inflight(self, message: Message) -> None:
        self.n_inflight -= 1
        if self.fifo:
            assert message.group_id is not None
            self._groups[message.group_id].inflight -= 1

    def _remove(self, message: Message, *, in_heap: bool = True) -> None:
        state = message.state
        if state is GONE:
            return
        if state is INFLIGHT:
            self._leave_inflight(message)
        elif state is VISIBLE:
            self.n_visible -= 1
        else:
            self.n_delayed -= 1
        message.state = GONE
        del self._messages[message.message_id]
        if in_heap:
            self._dead_arrivals += 1
        if self.fifo:
            assert message.group_id is not None
            group = self._groups.get(message.group_id)
            if group is not None:
                group.messages.remove(message)
                if group.messages:
                    self._offer_group(message.group_id)
                else:
                    del self._groups[message.group_id]
        if self._dead_arrivals > 1024 and self._dead_arrivals > len(self._messages):
            self._compact()

    def _compact(self) -> None:
        """Drop deleted messages from the arrival order (amortised O(1) per delete)."""
        self._arrivals = deque(m for m in self._arrivals if m.state is not GONE)
        self._late = [e for e in self._late if e[2].state is not GONE]
        heapq.heapify(self._late)
        self._dead_arrivals = 0

    def _dead_letter(self, message: Message) -> bool:
        """Move `message` to the dead-letter queue; False if that queue is gone."""
        assert self.redrive is not None
        target = self._resolve_arn(self.redrive.dead_letter_target_arn)
        if target is None or target.deleted:
            return False
        now = self._clock.now()
        self._remove(message)
        self.counters.moved_to_dlq += 1
        target.accept_dead_letter(message, self.arn, now)
        self._bus.publish(
            CloudEvent(
                now,
                "sqs",
                "MovedToDeadLetterQueue",
                f"{message.message_id[:8]} moved from {self.name} to {target.name} after "
                f"{message.receive_count} receives",
                "warning",
                self.arn,
            )
        )
        return True

    def accept_dead_letter(self, source: Message, source_arn: str, now: float) -> None:
        """Take a message redriven from `source_arn` (a copy: the source's is GONE)."""
        copy = source.copy()
        copy.receive_count = source.receive_count
        copy.dead_letter_source = source_arn
        copy.enqueued_at = now if self.fifo else source.enqueued_at
        if self.fifo:
            copy.group_id = source.group_id
            copy.dedup_id = None
            copy.sequence_number = self.next_sequence_number()
        self.enqueue(copy, 0, now)

    # -- timers -----------------------------------------------------------------

    def _set_deadline(self, message: Message, when: float) -> None:
        message.deadline = when
        self._deadlines.push(when, message)
        if self._wakeup is None or when < self._wakeup.when:
            self._arm()

    def _next_event(self) -> float | None:
        due = self._deadlines.next()
        oldest = self.oldest_enqueued()
        candidates = [due] if due is not None else []
        if oldest is not None:
            candidates.append(oldest + self.retention_period)
        return min(candidates) if candidates else None

    def _arm(self) -> None:
        when = self._next_event()
        current = self._wakeup
        if current is not None:
            if when is not None and current.when == when:
                return
            current.cancel()
        self._wakeup = (
            None if when is None or self.deleted else self._clock.call_at(when, self._on_timer)
        )

    def _on_timer(self) -> None:
        self._wakeup = None
        now = self._clock.now()
        for message in self._deadlines.pop_due(now):
            if message.state is DELAYED:
                self.n_delayed -= 1
                self._make_visible(message, front=False)
            elif message.state is INFLIGHT:
                self._leave_inflight(message)
                self._make_visible(message, front=True)
        expiry = self.retention_period
        oldest = self._oldest()
        while oldest is not None and oldest.enqueued_at + expiry <= now:
            if self._arrivals and self._arrivals[0] is oldest:
                self._arrivals.popleft()
            else:
                heapq.heappop(self._late)
            self._remove(oldest, in_heap=False)
            self.counters.expired += 1
            oldest = self._oldest()
        self._arm()

    # -- observation ------------------------------------------------------------

    def peek(self, limit: int) -> Iterator[Message]:
        """Up to `limit` live messages, oldest first, without changing anything.

        Bounded by `limit`, whatever the queue holds, so a pane can refresh a
        100,000-message queue as cheaply as an empty one.
        """
        return itertools.islice(self._messages.values(), limit)


def _stale(when: float, message: Message) -> bool:
    """Whether a deadline entry no longer stands: its message moved on or got a new deadline."""
    return message.deadline != when or not (message.state is DELAYED or message.state is INFLIGHT)


def _order(message: Message) -> int:
    """A FIFO message's place in its queue: its sequence number."""
    assert message.sequence_number is not None
    return int(message.sequence_number)
