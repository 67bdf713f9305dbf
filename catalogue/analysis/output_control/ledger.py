"""The release ledger: what the differencing guard and the release budget remember.

A ledger holds, per released statistic, the measure it was computed on, the statistic's
kind, and a fingerprint of its unit set (never the units); and per project what its budget
was charged and when: the points, a digest of each result given (an identical result is
free) and the inputs (variables, populations) first used. The in-memory ledger here serves tests and single-process use;
a persistent one (in storage) implements the same protocol.
"""

from __future__ import annotations

import base64
import bisect
import itertools
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np

from .fingerprint import CELLS, SetFingerprint, splitmix64
from .guard_index import PAIRS_MEASURE as PAIRS_MEASURE
from .guard_index import HolderSamples, SetIndex, holder_hash

# All counts measure the same thing (how many units), whatever table they come from.
COUNT_MEASURE = "count"
# Sets of (unit, value) pairs of statistics of values, kept with the answer published for
# them (rules/differencing.py: near pair sets get that answer). Their fingerprints are of
# pair keys, not unit ids, so they are never near a set of units. (PAIRS_MEASURE lives in
# guard_index.py, which files pair sets under their statistic too.)
# A small core a released set holds (rules/core_sharing.py): statistic = the core's key,
# fingerprint = the set that held it. Never a unit set of the guard: kept apart from the
# index, counted per core.
CORE_MEASURE = "core"
# What a release told about units (exposure.py): one per release, answer = the units'
# names and amounts (`encode_exposure`), no set (an empty fingerprint). Never a unit set of
# the guard: summed per unit.
EXPOSURE_MEASURE = "exposure"

# A published count set as a holder of its units (kernels.py, case 22 across workspaces):
# statistic = the set's holder hash (hex), fingerprint = an empty one of the set's size,
# answer = the set ids of the units whose holder sample it entered then (base64, 8 bytes
# each, little-endian). Never a unit set of the guard: replayed into HolderSamples.
HOLDER_MEASURE = "holder"


def holder_set(key: str, size: int, entered: np.ndarray) -> ReleasedSet:
    """The record of a published count set (its `set_key`, size) as a holder of the units
    whose sample it entered."""
    none = SetFingerprint(
        size, np.zeros(CELLS, np.int64), np.zeros(CELLS, np.uint64), np.zeros(CELLS, np.uint64)
    )
    ids = base64.b64encode(np.asarray(entered, dtype="<u8").tobytes()).decode("ascii")
    return ReleasedSet(HOLDER_MEASURE, f"{holder_hash(key):016x}", none, answer=ids)


def add_holder(samples: HolderSamples, released: ReleasedSet) -> None:
    """Replays a holder record into the samples."""
    ids = np.frombuffer(base64.b64decode(released.answer or ""), dtype="<u8")
    samples.add(int(released.statistic, 16), released.size, ids)


def encode_exposure(amounts: dict[str, float]) -> str:
    """`name:amount` pairs, comma-separated (amounts to 4 decimals)."""
    return ",".join(f"{name}:{amount:.4f}" for name, amount in sorted(amounts.items()))


def decode_exposure(text: str | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in (text or "").split(","):
        if part:
            name, amount = part.split(":")
            out[name] = out.get(name, 0.0) + float(amount)
    return out


def exposure_set(amounts: dict[str, float]) -> ReleasedSet:
    """The record of what a release told about these units."""
    none = SetFingerprint(
        0, np.zeros(CELLS, np.int64), np.zeros(CELLS, np.uint64), np.zeros(CELLS, np.uint64)
    )
    return ReleasedSet(EXPOSURE_MEASURE, EXPOSURE_MEASURE, none, answer=encode_exposure(amounts))


class Exposures:
    """Per unit name, the exposure all recorded releases gave it. Not thread-safe."""

    def __init__(self) -> None:
        self._of: dict[str, float] = {}

    def add(self, released: ReleasedSet) -> None:
        for name, amount in decode_exposure(released.answer).items():
            self._of[name] = self._of.get(name, 0.0) + amount

    def of(self, name: str) -> float:
        return self._of.get(name, 0.0)

    def of_many(self, names: Sequence[str]) -> list[float]:
        """`of` each name (a table asks for tens of thousands at once)."""
        return list(map(self._of.get, names, itertools.repeat(0.0, len(names))))


_KEY_SALTS = splitmix64(np.arange(1, CELLS + 1, dtype=np.uint64) * np.uint64(0xA24BAED4963EE407))


def set_keys(sizes: np.ndarray, id_xor: np.ndarray) -> list[str]:
    """Short keys of many sets (or cores) at once, from their sizes and id xors (which, up
    to 64-bit hash collisions, name a set): each cell mixed with a salt of its own, folded,
    then mixed with the size."""
    folded = np.bitwise_xor.reduce(splitmix64(np.asarray(id_xor, np.uint64) ^ _KEY_SALTS), axis=1)
    mixed = splitmix64(folded ^ splitmix64(np.asarray(sizes).astype(np.uint64) ^ _KEY_SALTS[0]))
    return [f"{int(k):016x}" for k in mixed]


def set_key(fingerprint: SetFingerprint) -> str:
    """The key of one set (`set_keys`)."""
    return set_keys(np.array([fingerprint.size]), fingerprint.id_xor[None, :])[0]


def sampled_holders(
    samples: HolderSamples, set_ids: np.ndarray, pending: Sequence[ReleasedSet] = ()
) -> np.ndarray:
    """`ReleaseLedger.holders` over these samples and the holder records of a release
    not yet committed (`pending`, applied to a copy of the rows asked for)."""
    rows = samples.of(set_ids)
    ids = np.asarray(set_ids, dtype=np.uint64)
    for released in pending:
        if released.measure != HOLDER_MEASURE:
            continue
        h = np.uint64(int(released.statistic, 16))
        entered = np.frombuffer(base64.b64decode(released.answer or ""), dtype="<u8")
        hit = np.isin(ids, entered) & ~(rows == h).any(axis=1) & (h < rows[:, -1])
        if hit.any():
            changed = rows[hit]
            changed[:, -1] = h
            changed.sort(axis=1)
            rows[hit] = changed
    return rows


def sampled_sizes(
    samples: HolderSamples, hashes: np.ndarray, pending: Sequence[ReleasedSet] = ()
) -> np.ndarray:
    """`ReleaseLedger.holder_sizes` over these samples and a release not yet committed."""
    sizes = samples.sizes(np.asarray(hashes, dtype=np.uint64))
    extra = {int(r.statistic, 16): r.size for r in pending if r.measure == HOLDER_MEASURE}
    if extra:
        for i, h in enumerate(np.asarray(hashes).tolist()):
            if h in extra:
                sizes[i] = extra[h]
    return sizes


class CoreHolders:
    """Per core key, the keys of the released sets that held it as a small core. Not
    thread-safe: callers lock."""

    def __init__(self) -> None:
        self._held: dict[str, set[str]] = {}

    def add(self, released: ReleasedSet) -> None:
        self._held.setdefault(released.statistic, set()).add(set_key(released.fingerprint))

    def holders(self, core: str) -> frozenset[str]:
        return frozenset(self._held.get(core, ()))


@dataclass(frozen=True, eq=False)
class ReleasedSet:
    measure: str
    statistic: str  # what was published about the set: equal statistic + equal set = same value
    fingerprint: SetFingerprint
    published: float | None = None  # the count published for it (counts only)
    answer: str | None = None  # the answer published for it (pair sets only; answers.py)

    @property
    def size(self) -> int:
        return self.fingerprint.size


@dataclass(frozen=True)
class Release:
    project: str
    at: datetime
    cells: int  # new unit sets registered by this release
    sets: tuple[ReleasedSet, ...]
    points: int = 0  # charged to the project's budget (rules/budget.py)
    digest: str | None = None  # of the result given, if any: the same result again is free
    inputs: tuple[str, ...] = ()  # inputs first used (their input fees are in `points`)


class ReleaseLedger(Protocol):
    def session(self) -> AbstractContextManager[None]:
        """Serialises releases: the controller checks the differencing guard and the budget
        and records the release inside one session, so two concurrent requests cannot both
        pass against a ledger that neither has yet written to."""
        ...

    def near(
        self, fingerprint: SetFingerprint, within: int, pairs_of: str | None = None
    ) -> Sequence[ReleasedSet]:
        """Released sets, of any measure, that may differ from `fingerprint`'s set by fewer
        than `within` units: every set that does is among them (guard_index.py). With
        `pairs_of`, only the pair sets of that statistic (`registered_for`)."""
        ...

    def core_holders(self, core: str) -> frozenset[str]:
        """Keys (`set_key`) of the released sets that held this small core
        (rules/core_sharing.py), of every project: a look-up, whatever the ledger's size."""
        ...

    def holders(self, set_ids: np.ndarray) -> np.ndarray:
        """Each unit's holder sample (guard_index.HolderSamples: the smallest hashes of the
        published count sets that hold it, of every project), one row per id. A look-up
        per unit, whatever the ledger's size."""
        ...

    def holder_sizes(self, hashes: np.ndarray) -> np.ndarray:
        """The sizes of these holders (−1 for a hash never registered)."""
        ...

    def exposure(self, names: Sequence[str]) -> list[float]:
        """Each unit's exposure (exposure.py), summed over every release of every project:
        a look-up per unit, whatever the ledger's size."""
        ...

    def cells_released(self, project: str, since: datetime) -> int: ...

    def points_spent(self, project: str, since: datetime) -> int:
        """Points charged to the project after `since` (releases, inputs, refusals)."""
        ...

    def has_result(self, project: str, digest: str, since: datetime) -> bool:
        """Whether the project was given a result with this digest after `since`."""
        ...

    def inputs_used(self, project: str, since: datetime) -> frozenset[str]:
        """The inputs the project was charged a fee for after `since`."""
        ...

    def record(self, release: Release) -> None: ...


class _ProjectReleases:
    """One project's releases, for the budget's questions at a cost that does not grow with
    the releases recorded (case 24): running totals by time, the latest time of each result
    digest and of each input. Not thread-safe: callers lock."""

    def __init__(self) -> None:
        self._at: list[datetime] = []  # ascending
        self._cells: list[int] = [0]  # _cells[i]: the cells of the first i releases
        self._points: list[int] = [0]
        self._results: dict[str, datetime] = {}  # digest → latest time given
        self._inputs: dict[str, datetime] = {}  # input → latest time charged

    def add(self, release: Release) -> None:
        if self._at and release.at < self._at[-1]:
            # Out of time order (rare: another clock): insert and total again.
            at = bisect.bisect_right(self._at, release.at)
            self._at.insert(at, release.at)
            cells = [b - a for a, b in itertools.pairwise(self._cells)]
            points = [b - a for a, b in itertools.pairwise(self._points)]
            cells.insert(at, release.cells)
            points.insert(at, release.points)
            self._cells = [0, *itertools.accumulate(cells)]
            self._points = [0, *itertools.accumulate(points)]
        else:
            self._at.append(release.at)
            self._cells.append(self._cells[-1] + release.cells)
            self._points.append(self._points[-1] + release.points)
        if release.digest is not None:
            self._results[release.digest] = max(
                release.at, self._results.get(release.digest, release.at)
            )
        for name in release.inputs:
            self._inputs[name] = max(release.at, self._inputs.get(name, release.at))

    def cells_since(self, since: datetime) -> int:
        return self._cells[-1] - self._cells[bisect.bisect_right(self._at, since)]

    def points_since(self, since: datetime) -> int:
        return self._points[-1] - self._points[bisect.bisect_right(self._at, since)]

    def has_result(self, digest: str, since: datetime) -> bool:
        at = self._results.get(digest)
        return at is not None and at > since

    def inputs_since(self, since: datetime) -> frozenset[str]:
        return frozenset(name for name, at in self._inputs.items() if at > since)


class InMemoryReleaseLedger:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._index = SetIndex()
        self._cores = CoreHolders()
        self._exposures = Exposures()
        self._holders = HolderSamples()
        self._releases: list[Release] = []
        self._projects: dict[str, _ProjectReleases] = {}

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            yield

    def session(self) -> AbstractContextManager[None]:
        return self._locked()

    def near(
        self, fingerprint: SetFingerprint, within: int, pairs_of: str | None = None
    ) -> Sequence[ReleasedSet]:
        with self._lock:
            return self._index.near(fingerprint, within, pairs_of)  # a list of its own, not a view

    def core_holders(self, core: str) -> frozenset[str]:
        with self._lock:
            return self._cores.holders(core)

    def exposure(self, names: Sequence[str]) -> list[float]:
        with self._lock:
            return self._exposures.of_many(names)

    def holders(self, set_ids: np.ndarray) -> np.ndarray:
        with self._lock:
            return sampled_holders(self._holders, set_ids)

    def holder_sizes(self, hashes: np.ndarray) -> np.ndarray:
        with self._lock:
            return sampled_sizes(self._holders, hashes)

    def _project(self, project: str) -> _ProjectReleases:
        return self._projects.get(project) or _ProjectReleases()

    def cells_released(self, project: str, since: datetime) -> int:
        with self._lock:
            return self._project(project).cells_since(since)

    def points_spent(self, project: str, since: datetime) -> int:
        with self._lock:
            return self._project(project).points_since(since)

    def has_result(self, project: str, digest: str, since: datetime) -> bool:
        with self._lock:
            return self._project(project).has_result(digest, since)

    def inputs_used(self, project: str, since: datetime) -> frozenset[str]:
        with self._lock:
            return self._project(project).inputs_since(since)

    def record(self, release: Release) -> None:
        with self._lock:
            self._releases.append(release)
            self._projects.setdefault(release.project, _ProjectReleases()).add(release)
            for released in release.sets:
                if released.measure == CORE_MEASURE:
                    self._cores.add(released)
                elif released.measure == EXPOSURE_MEASURE:
                    self._exposures.add(released)
                elif released.measure == HOLDER_MEASURE:
                    add_holder(self._holders, released)
                else:
                    self._index.add(released)
