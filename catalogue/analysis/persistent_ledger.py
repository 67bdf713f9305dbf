"""A release ledger kept in the catalogue database (the differencing guard's memory and the
release budget must outlive a process and be shared by every worker).

The analysis layer does not know the database: the service binds a `LedgerBackend` (a
storage object working inside the service's transaction) for the duration of one request,
after taking the ledger's lock in that transaction. So `session()` here has nothing to do:
by the time output control asks for it, releases are already serialised.

Released sets are read into memory once per runtime (the catalogue's caches, given by the
service) and caught up at every bind (only the rows added since); sets recorded during the
request are kept aside until they are committed, so later statistics in the same request see
them too. Those are indexed as they are recorded (`_Pending`), as the committed ones are: a
look-up costs the same whatever the request recorded before it (case 24), where scanning
the request's sets made a request of many statistics quadratic in them."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np

from catalogue.domain.bounded_cache import BoundedCache

from .output_control import Release, ReleasedSet
from .output_control.fingerprint import FingerprintTable, SetFingerprint
from .output_control.guard_index import HolderSamples, SetIndex
from .output_control.ledger import (
    CORE_MEASURE,
    EXPOSURE_MEASURE,
    HOLDER_MEASURE,
    CoreHolders,
    Exposures,
    add_holder,
    sampled_holders,
    sampled_sizes,
)


class StoredSet(Protocol):
    """A released set as the backend stores it (ids only ever grow)."""

    @property
    def id(self) -> int: ...

    @property
    def measure(self) -> str: ...

    @property
    def statistic(self) -> str: ...

    @property
    def size(self) -> int: ...

    @property
    def fingerprint(self) -> bytes: ...

    @property
    def published(self) -> float | None: ...

    @property
    def answer(self) -> str | None: ...


class LedgerBackend(Protocol):
    """What storage provides, inside the service's transaction."""

    def released_sets(self, datastore: str, after_id: int) -> Sequence[StoredSet]: ...

    def cells_released(self, project: str, since: datetime) -> int: ...

    def points_spent(self, project: str, since: datetime) -> int: ...

    def has_result(self, project: str, digest: str, since: datetime) -> bool: ...

    def inputs_used(self, project: str, since: datetime) -> frozenset[str]: ...

    def record_release(
        self,
        datastore: str,
        project: str,
        at: datetime,
        cells: int,
        sets: Sequence[tuple[str, str, int, bytes, float | None, str | None]],
        *,
        points: int = 0,
        digest: str | None = None,
        inputs: Sequence[str] = (),
    ) -> None: ...


@dataclass
class _Known:
    """Committed released sets of one datastore, of every measure, indexed for the guard.
    Its lock guards the index and last_id (held while catching up from the database)."""

    last_id: int = 0
    index: SetIndex = field(default_factory=SetIndex)
    cores: CoreHolders = field(default_factory=CoreHolders)
    exposures: Exposures = field(default_factory=Exposures)
    holders: HolderSamples = field(default_factory=HolderSamples)
    lock: threading.RLock = field(default_factory=threading.RLock)


@dataclass
class _Pending:
    """What the bound request recorded, not yet committed, indexed as `_Known` is."""

    index: SetIndex = field(default_factory=SetIndex)
    cores: CoreHolders = field(default_factory=CoreHolders)
    exposures: Exposures = field(default_factory=Exposures)
    holders: list[ReleasedSet] = field(default_factory=list)  # applied per look-up (few)

    def add(self, released: ReleasedSet) -> None:
        if released.measure == CORE_MEASURE:
            self.cores.add(released)
        elif released.measure == EXPOSURE_MEASURE:
            self.exposures.add(released)
        elif released.measure == HOLDER_MEASURE:
            self.holders.append(released)
        else:
            self.index.add(released)


# What this process remembers of the committed sets, by (database, datastore). The runtime
# (services/runtime.py) owns one and gives it to every ledger of its catalogue; a ledger
# made without one remembers alone, as another process would.
LedgerMemory = BoundedCache[tuple[str, str], _Known]


def ledger_memory(max_datastores: int) -> LedgerMemory:
    return BoundedCache("release ledger", max_datastores)


class PersistentReleaseLedger:
    """One per datastore and database. Thread-safe: each thread binds its own backend."""

    def __init__(self, database: str, datastore: str, memory: LedgerMemory | None = None) -> None:
        self.database = database
        self.datastore = datastore
        self._memory = memory if memory is not None else ledger_memory(1)
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"PersistentReleaseLedger({self.datastore})"

    @contextmanager
    def bound(self, backend: LedgerBackend) -> Iterator[None]:
        """Use `backend` for this thread's releases until the block ends. The caller holds
        the ledger's lock in the backend's transaction."""
        self._local.backend = backend
        self._local.pending = _Pending()
        try:
            self._catch_up(backend)
            yield
        finally:
            self._local.backend = None
            self._local.pending = _Pending()

    def forget(self) -> None:
        """Drop what this process remembers (after a rolled-back transaction whose rows
        were never committed but whose ids might be reused)."""
        self._memory.pop((self.database, self.datastore))

    def _backend(self) -> LedgerBackend:
        backend = getattr(self._local, "backend", None)
        if backend is None:
            raise RuntimeError("the release ledger is used outside a bound release transaction")
        return backend

    def _known(self) -> _Known:
        key = (self.database, self.datastore)
        return self._memory.setdefault(key, _Known)

    def _catch_up(self, backend: LedgerBackend) -> None:
        known = self._local.known = self._known()
        with known.lock:
            found = backend.released_sets(self.datastore, known.last_id)
            # Their fingerprints parsed as one table: the index then takes every set's
            # bucket keys from the table's, computed at once (guard_index._first_cells).
            table = FingerprintTable.from_bytes([stored.fingerprint for stored in found])
            for at, stored in enumerate(found):
                released = ReleasedSet(
                    stored.measure,
                    stored.statistic,
                    table[at],
                    stored.published,
                    stored.answer,
                )
                if released.measure == CORE_MEASURE:
                    known.cores.add(released)  # counted per core, not a set of the guard
                elif released.measure == EXPOSURE_MEASURE:
                    known.exposures.add(released)  # summed per unit, not a set either
                elif released.measure == HOLDER_MEASURE:
                    add_holder(known.holders, released)  # sampled per unit (kernels.py)
                else:
                    known.index.add(released)
                known.last_id = max(known.last_id, stored.id)

    # --- the ReleaseLedger protocol ---------------------------------------------------

    def session(self) -> AbstractContextManager[None]:
        self._backend()  # only inside a bound (and so locked) transaction
        return nullcontext()

    def near(
        self, fingerprint: SetFingerprint, within: int, pairs_of: str | None = None
    ) -> Sequence[ReleasedSet]:
        self._backend()
        known: _Known = self._local.known  # the sets caught up with at bind time
        pending: _Pending = self._local.pending
        with known.lock:
            found = known.index.near(fingerprint, within, pairs_of)
        if len(pending.index):
            found.extend(pending.index.near(fingerprint, within, pairs_of))
        return found

    def core_holders(self, core: str) -> frozenset[str]:
        self._backend()
        known: _Known = self._local.known
        pending: _Pending = self._local.pending
        with known.lock:
            found = known.cores.holders(core)
        return found | pending.cores.holders(core)

    def exposure(self, names: Sequence[str]) -> list[float]:
        self._backend()
        known: _Known = self._local.known
        extra: Exposures = self._local.pending.exposures
        with known.lock:
            found = known.exposures.of_many(names)
        return [a + b for a, b in zip(found, extra.of_many(names), strict=True)]

    def holders(self, set_ids: np.ndarray) -> np.ndarray:
        self._backend()
        known: _Known = self._local.known
        with known.lock:
            return sampled_holders(known.holders, set_ids, self._local.pending.holders)

    def holder_sizes(self, hashes: np.ndarray) -> np.ndarray:
        self._backend()
        known: _Known = self._local.known
        with known.lock:
            return sampled_sizes(known.holders, hashes, self._local.pending.holders)

    def cells_released(self, project: str, since: datetime) -> int:
        return self._backend().cells_released(project, since)

    def points_spent(self, project: str, since: datetime) -> int:
        return self._backend().points_spent(project, since)

    def has_result(self, project: str, digest: str, since: datetime) -> bool:
        return self._backend().has_result(project, digest, since)

    def inputs_used(self, project: str, since: datetime) -> frozenset[str]:
        return self._backend().inputs_used(project, since)

    def record(self, release: Release) -> None:
        backend = self._backend()
        backend.record_release(
            self.datastore,
            release.project,
            release.at,
            release.cells,
            [
                (s.measure, s.statistic, s.size, s.fingerprint.to_bytes(), s.published, s.answer)
                for s in release.sets
            ],
            points=release.points,
            digest=release.digest,
            inputs=release.inputs,
        )
        pending: _Pending = self._local.pending
        for released in release.sets:
            pending.add(released)
