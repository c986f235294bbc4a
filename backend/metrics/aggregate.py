"""One period of one series, as a query returns it.

A query over two weeks at one-minute periods makes 20,000 of these, and most
callers want only a Sum or an Average: so the distribution is not folded
when the period is built. The bins' parts are kept, and folded into one
sketch the first time a percentile is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from backend.metrics.bins import Columns
from backend.metrics.sketch import UNKNOWN, Part, Sketch, fold

#: The distribution of a period's bins, each as (part, count, minimum), for `fold`;
#: `()` for a single bin whose values are all equal (minimum and maximum say it all,
#: and a query at one-minute periods makes 20,000 of them); once folded, the sketch;
#: None when one of them cannot give percentiles.
Parts = list[tuple[Part, float, float]] | tuple[()] | Sketch | None


class Aggregate:
    """SampleCount, Sum, Minimum and Maximum of one period, and what percentiles need."""

    __slots__ = ("count", "maximum", "minimum", "parts", "timestamp", "total")

    def __init__(
        self, timestamp: int, count: float, total: float, minimum: float, maximum: float, part: Part
    ) -> None:
        """The period starting at `timestamp`, from its first bin (`part`: its distribution)."""
        #: Start of the period, epoch seconds, a multiple of the period.
        self.timestamp = timestamp
        self.count = count
        self.total = total
        self.minimum = minimum
        self.maximum = maximum
        self.parts: Parts = (
            () if part is None else None if part is UNKNOWN else [(part, count, minimum)]
        )

    @classmethod
    def per_bin(
        cls, bins: Iterable[Columns], granularity: int, sketches: Mapping[int, bytes]
    ) -> list[Aggregate]:
        """One period for each stored bin (index, count, sum, minimum, maximum).

        The same as calling the class for each, in two thirds of the time: a
        two-week query at one-minute periods builds 20,000 at once.
        """
        new = object.__new__
        get = sketches.get
        out: list[Aggregate] = []
        append = out.append
        for index, count, total, minimum, maximum in bins:
            made = new(cls)
            made.timestamp = index * granularity
            made.count = count
            made.total = total
            made.minimum = minimum
            made.maximum = maximum
            packed = get(index)
            made.parts = (
                (() if minimum == maximum else None)
                if packed is None
                else [(packed, count, minimum)]
                if packed
                else None
            )
            append(made)
        return out

    def absorb(
        self, count: float, total: float, minimum: float, maximum: float, part: Part
    ) -> None:
        """Another bin of the same period."""
        parts = self.parts
        if parts is not None:
            if isinstance(parts, tuple):
                parts = self.parts = [(None, self.count, self.minimum)]
            if part is UNKNOWN:
                self.parts = None
            elif isinstance(parts, list):
                parts.append((part, count, minimum))
        self.count += count
        self.total += total
        if minimum < self.minimum:
            self.minimum = minimum
        if maximum > self.maximum:
            self.maximum = maximum

    def __repr__(self) -> str:
        return (
            f"Aggregate({self.timestamp}, count={self.count}, total={self.total}, "
            f"minimum={self.minimum}, maximum={self.maximum})"
        )

    def percentile(self, q: float) -> float | None:
        """The nearest-rank q-quantile (0 < q <= 1) within 1%, or None as CloudWatch gives none.

        None when a value in the period was negative or came as
        StatisticValues. Exact when the values are all equal, and for q = 1.
        """
        parts = self.parts
        if parts is None or self.minimum < 0:
            return None
        if self.minimum == self.maximum or q >= 1.0:
            return self.maximum
        if not isinstance(parts, Sketch):
            folded = fold(parts, self.minimum, self.maximum)
            if not isinstance(folded, Sketch):
                self.parts = None
                return None
            parts = self.parts = folded
        return min(max(parts.quantile(q), self.minimum), self.maximum)
