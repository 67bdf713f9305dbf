"""One kind of process cache: bounded, least recently used first out, one lock.

It lives in the lowest layer so that the runtime (catalogue/services/runtime.py), which owns
every cache of a catalogue, can hand the same kind to the analysis engine's objects (the key
store's loaded snapshots, the ledger's committed sets, the datasets' facts) as to services.

Invariants: the lock is held only to read or change the mapping, never while a value is
built or an evicted value is closed (a value may take seconds to build; the web worker's
other threads must not wait on it). Two threads that miss the same key both build it and the
later `put` wins; every cached value is derived data, so either is right."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """At most `max_entries` values (and, with `weight`, at most `max_weight` in total, but
    always the newest one). `on_evict` is called, outside the lock, with every value that
    leaves the cache: pushed out by the bounds, replaced, popped or cleared."""

    def __init__(
        self,
        name: str,
        max_entries: int,
        *,
        weight: Callable[[V], int] | None = None,
        max_weight: int | None = None,
        on_evict: Callable[[V], None] | None = None,
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"cache {name}: max_entries must be at least 1")
        self.name = name
        self.max_entries = max_entries
        self._weight = weight
        self._max_weight = max_weight
        self._on_evict = on_evict
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"BoundedCache({self.name}, {len(self)}/{self.max_entries})"

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> V:
        """Keeps `value` as the newest entry; returns it."""
        with self._lock:
            old = self._entries.pop(key, None)
            self._entries[key] = value
            gone = [old] if old is not None and old is not value else []
            gone += self._over_bounds()
        self._evicted(gone)
        return value

    def get_or_build(self, key: K, build: Callable[[], V]) -> V:
        found = self.get(key)
        return found if found is not None else self.put(key, build())

    def setdefault(self, key: K, make: Callable[[], V]) -> V:
        """The entry, made under the lock when missing: for values cheap to make that every
        thread must share (two threads never hold two different ones)."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
            found = self._entries[key] = make()
            gone = self._over_bounds()
        self._evicted(gone)
        return found

    def pop(self, key: K) -> V | None:
        """Takes the entry out (and hands it to `on_evict`)."""
        with self._lock:
            gone = self._entries.pop(key, None)
        self._evicted([gone] if gone is not None else [])
        return gone

    def clear(self) -> None:
        """Evicts every entry (tests; a steward's manual refresh)."""
        with self._lock:
            gone = list(self._entries.values())
            self._entries.clear()
        self._evicted(gone)

    def _over_bounds(self) -> list[V]:
        gone = []
        while len(self._entries) > self.max_entries:
            gone.append(self._entries.popitem(last=False)[1])
        if self._weight is not None and self._max_weight is not None:
            total = sum(self._weight(v) for v in self._entries.values())
            while total > self._max_weight and len(self._entries) > 1:
                oldest = self._entries.popitem(last=False)[1]
                total -= self._weight(oldest)
                gone.append(oldest)
        return gone

    def _evicted(self, values: list[V]) -> None:
        if self._on_evict is not None:
            for value in values:
                self._on_evict(value)
