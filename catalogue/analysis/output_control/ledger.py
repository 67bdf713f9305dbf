"""The release ledger: what the differencing guard and the release budget remember.

A ledger holds, per released statistic, the measure it was computed on, the statistic's
kind, and a fingerprint of its unit set (never the units); and per project the number of
cells released and when. The in-memory ledger here serves tests and single-process use;
a persistent one (in storage) implements the same protocol.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .fingerprint import SetFingerprint

# All counts measure the same thing (how many units), whatever table they come from.
COUNT_MEASURE = "count"


@dataclass(frozen=True, eq=False)
class ReleasedSet:
    measure: str
    statistic: str  # what was published about the set: equal statistic + equal set = same value
    fingerprint: SetFingerprint

    @property
    def size(self) -> int:
        return self.fingerprint.size


@dataclass(frozen=True)
class Release:
    project: str
    at: datetime
    cells: int  # cells charged to the project's budget
    sets: tuple[ReleasedSet, ...]


class ReleaseLedger(Protocol):
    def session(self) -> AbstractContextManager[None]:
        """Serialises releases: the controller checks the differencing guard and the budget
        and records the release inside one session, so two concurrent requests cannot both
        pass against a ledger that neither has yet written to."""
        ...

    def near(self, measure: str, size: int, within: int) -> Sequence[ReleasedSet]:
        """Released sets on `measure` whose size differs from `size` by less than `within`
        (no set further away can differ from one of this size by fewer units)."""
        ...

    def cells_released(self, project: str, since: datetime) -> int: ...

    def record(self, release: Release) -> None: ...


class InMemoryReleaseLedger:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._sizes: dict[str, list[int]] = {}
        self._sets: dict[str, list[ReleasedSet]] = {}
        self._releases: list[Release] = []

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            yield

    def session(self) -> AbstractContextManager[None]:
        return self._locked()

    def near(self, measure: str, size: int, within: int) -> Sequence[ReleasedSet]:
        with self._lock:
            sizes = self._sizes.get(measure, [])
            lo = bisect.bisect_left(sizes, size - within + 1)
            hi = bisect.bisect_right(sizes, size + within - 1)
            return tuple(self._sets.get(measure, [])[lo:hi])

    def cells_released(self, project: str, since: datetime) -> int:
        with self._lock:
            return sum(r.cells for r in self._releases if r.project == project and r.at > since)

    def record(self, release: Release) -> None:
        with self._lock:
            self._releases.append(release)
            for released in release.sets:
                sizes = self._sizes.setdefault(released.measure, [])
                at = bisect.bisect_right(sizes, released.size)
                sizes.insert(at, released.size)
                self._sets.setdefault(released.measure, []).insert(at, released)
