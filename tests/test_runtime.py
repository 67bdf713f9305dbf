"""The runtime owns every cache of a catalogue (catalogue/services/runtime.py): each cache is
bounded, safe to use from a web worker's threads, and private to its catalogue."""

from __future__ import annotations

import dataclasses
import random
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import numpy as np
import pytest

from catalogue.domain.bounded_cache import BoundedCache
from catalogue.services import searching, workspaces
from catalogue.services.context import Context
from catalogue.services.exporting import Document
from tests.conftest import make_config

OWNER = "runtime-test"


def _run_threads(count: int, work: Callable[[int], None]) -> None:
    start = threading.Barrier(count)
    failures: list[BaseException] = []

    def run(n: int) -> None:
        start.wait()
        try:
            work(n)
        except BaseException as e:  # reported below, in the test's thread
            failures.append(e)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@pytest.fixture
def two_catalogues(released_home: Path, tmp_path: Path) -> Iterator[tuple[Context, Context]]:
    """Two copies of the released catalogue, open in this one process; at most two live
    workspaces each."""
    opened = []
    for name in ("a", "b"):
        home = tmp_path / name
        shutil.copytree(released_home, home)
        opened.append(Context.open(make_config(home, live_workspaces="2")))
    yield opened[0], opened[1]
    for ctx in opened:
        ctx.close()


def test_the_entry_past_the_bound_evicts_the_least_recently_used() -> None:
    evicted: list[str] = []
    cache: BoundedCache[int, str] = BoundedCache("test", 3, on_evict=evicted.append)
    for n in range(3):
        cache.put(n, f"value {n}")
    assert cache.get(0) == "value 0"  # used: now the newest
    cache.put(3, "value 3")
    assert len(cache) == 3
    assert cache.get(1) is None and evicted == ["value 1"]
    assert [cache.get(n) for n in (0, 2, 3)] == ["value 0", "value 2", "value 3"]
    cache.put(3, "value 3 again")  # a replaced value leaves too
    assert evicted == ["value 1", "value 3"]
    cache.clear()
    assert len(cache) == 0 and sorted(evicted[2:]) == ["value 0", "value 2", "value 3 again"]


def test_documents_are_bounded_by_size_but_the_newest_is_kept() -> None:
    cache: BoundedCache[str, Document] = BoundedCache(
        "documents", 100, weight=lambda d: len(d.body), max_weight=1000
    )
    for name in "abc":
        cache.put(name, Document(b"x" * 400, "text/turtle", None, name))
    assert cache.get("a") is None and cache.get("b") is not None and len(cache) == 2
    cache.put("huge", Document(b"x" * 5000, "text/turtle", None, "huge"))
    assert len(cache) == 1 and cache.get("huge") is not None


def test_threads_share_one_value_per_key_and_the_bound_holds() -> None:
    one: BoundedCache[str, object] = BoundedCache("one value", 4)
    seen: list[object] = []
    _run_threads(16, lambda _: seen.append(one.setdefault("key", object)))
    assert len(seen) == 16 and all(value is seen[0] for value in seen)

    # Many threads building, reading and evicting 40 keys through a bound of 10: every value
    # read is the one its key builds, and the bound is never exceeded.
    squares: BoundedCache[int, int] = BoundedCache("squares", 10)
    sizes: list[int] = []

    def work(n: int) -> None:
        chooser = random.Random(n)
        for _ in range(2000):
            key = chooser.randrange(40)
            assert squares.get_or_build(key, lambda k=key: k * k) == key * key
            sizes.append(len(squares))

    _run_threads(8, work)
    assert max(sizes) <= 10 and len(squares) == 10


def test_the_live_workspaces_keep_the_setting_and_rebuild_the_evicted(
    two_catalogues: tuple[Context, Context],
) -> None:
    ctx, _ = two_catalogues
    steps = [{"import": "BEFOLKNING_KJOENN", "as": "kjonn"}]
    handles = [workspaces.create_workspace(ctx, OWNER).handle for _ in range(3)]
    populations = []
    for handle in handles:
        workspaces.add_steps(ctx, OWNER, handle, steps)
        populations.append(workspaces.population_of(ctx, OWNER, handle))
    live = ctx.runtime.live_workspaces
    assert len(live) == 2 and live.get((ctx.db.url, handles[0])) is None
    # The evicted one is built again from its steps and answers the same.
    again = workspaces.population_of(ctx, OWNER, handles[0])
    assert np.array_equal(np.sort(again.units), np.sort(populations[0].units))
    assert live.get((ctx.db.url, handles[0])) is not None and len(live) == 2


def test_two_catalogues_in_one_process_keep_their_own_entries(
    two_catalogues: tuple[Context, Context],
) -> None:
    a, b = two_catalogues
    handle = workspaces.create_workspace(a, OWNER).handle
    workspaces.add_steps(a, OWNER, handle, [{"import": "BEFOLKNING_KJOENN", "as": "kjonn"}])
    assert len(a.runtime.live_workspaces) == 1 and len(b.runtime.live_workspaces) == 0
    # The same version named in both: each catalogue reads its own files' list.
    pinned_a = workspaces.pinned_version(a, None, "1.0.0.0")
    pinned_b = workspaces.pinned_version(b, None, "1.0.0.0")
    assert pinned_a is not pinned_b
    assert pinned_a is workspaces.pinned_version(a, None, "1.0.0.0")  # kept
    assert searching.live_index(a) is not searching.live_index(b)
    # A handle of one catalogue is unknown in the other, whatever the other keeps.
    with pytest.raises(Exception, match="workspace"):
        workspaces.population_of(b, OWNER, handle)


def test_a_request_copy_shares_its_context_runtime_and_clear_empties_it(
    two_catalogues: tuple[Context, Context],
) -> None:
    ctx, _ = two_catalogues
    served = dataclasses.replace(ctx, config=ctx.config.with_values(base_url="http://x"))
    assert served.runtime is ctx.runtime
    handle = workspaces.create_workspace(ctx, OWNER).handle
    workspaces.add_steps(ctx, OWNER, handle, [{"import": "BEFOLKNING_KJOENN", "as": "kjonn"}])
    (live,) = [ctx.runtime.live_workspaces.get((ctx.db.url, handle))]
    assert live is not None and any(len(cache) for cache in ctx.runtime.caches())
    ctx.runtime.clear()
    assert all(len(cache) == 0 for cache in ctx.runtime.caches())
    with pytest.raises(duckdb.ConnectionException):  # its rows are gone with it
        live.workspace.con.execute("SELECT 1")
