"""Record keys computed by the engine equal output control's definition and are remembered
per secret; the release ledger in the catalogue database remembers released sets and
charged cells across transactions and processes (the differencing guard and the budget)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from catalogue.analysis.output_control import (
    ControlContext,
    CountTable,
    HmacKeySource,
    OutputControlParameters,
    control_frequency_table,
)
from catalogue.analysis.output_control.cell_key import derive_keys
from catalogue.analysis.persistent_ledger import PersistentReleaseLedger
from catalogue.analysis.unit_keys.record_keys import compute_keys, record_key_secret
from catalogue.domain.errors import RegcatError
from catalogue.services.context import Context
from catalogue.storage.analysis_store import AnalysisStore

SECRET = b"a-datastore-secret-of-32-bytes!!"


def test_engine_keys_equal_output_controls_definition() -> None:
    rng = np.random.default_rng(7)
    pseudonyms = rng.integers(-(2**63), 2**63 - 1, 3000, dtype=np.int64)
    pseudonyms[:4] = [0, -1, 2**63 - 1, -(2**63)]
    ours, theirs = compute_keys(SECRET, pseudonyms), derive_keys(SECRET, pseudonyms)
    assert np.array_equal(ours.record_keys, theirs.record_keys)
    assert np.array_equal(ours.set_ids, theirs.set_ids)


def test_the_secret_is_per_datastore() -> None:
    master = bytes(range(32))
    assert record_key_secret(master, "no.regcat.demo") != record_key_secret(master, "no.ssb.fdb")
    assert len(record_key_secret(master, "no.regcat.demo")) == 32


def _context(
    ledger: PersistentReleaseLedger, parameters: OutputControlParameters
) -> ControlContext:
    population = np.arange(1, 3001, dtype=np.int64)
    return ControlContext(
        parameters,
        HmacKeySource(SECRET),
        ledger,
        "project-a",
        "no.regcat.demo:1.0.0.0",
        population,
        now=datetime(2026, 6, 1, tzinfo=UTC),
    )


def _table(units: np.ndarray) -> CountTable:
    return CountTable.from_cells(("group",), [(("a",), units)])


def test_the_differencing_guard_remembers_across_transactions(sqlite_ctx: Context) -> None:
    ledger = PersistentReleaseLedger(sqlite_ctx.db.url, "no.regcat.demo")
    context = _context(ledger, OutputControlParameters.defaults())
    first = np.arange(1, 201, dtype=np.int64)
    with sqlite_ctx.db.transaction() as session:
        store = AnalysisStore(session)
        store.lock_audit()
        with ledger.bound(store):
            released = control_frequency_table(_table(first), context, include_margins=False)
    assert released.rows[0].values[0] is not None
    ledger.forget()  # as if in another process: everything comes from the database
    with sqlite_ctx.db.transaction() as session:
        store = AnalysisStore(session)
        store.lock_audit()
        with ledger.bound(store):
            again = control_frequency_table(_table(first), context, include_margins=False)
            differing = control_frequency_table(_table(first[3:]), context, include_margins=False)
    assert again.to_json_dict()["rows"] == released.to_json_dict()["rows"]  # a repeat
    # 3 units away: answered with the registered count, remembered from the database.
    assert differing.rows[0].values[0] == released.rows[0].values[0]
    assert "differencing" not in differing.rows[0].reasons


def test_the_budget_counts_points_across_transactions(sqlite_ctx: Context) -> None:
    # A one-cell table of 300 units and its total: 2 · sqrt(1000/300) ≈ 3.7, so 4 points.
    parameters = OutputControlParameters.defaults().with_changes("budget", points=8)
    ledger = PersistentReleaseLedger(sqlite_ctx.db.url, "no.regcat.demo")
    context = _context(ledger, parameters)
    for start in (1, 1001):
        with sqlite_ctx.db.transaction() as session:
            store = AnalysisStore(session)
            store.lock_audit()
            with ledger.bound(store):
                units = np.arange(start, start + 300, dtype=np.int64)
                control_frequency_table(_table(units), context, include_margins=False)
    with sqlite_ctx.db.transaction() as session:
        store = AnalysisStore(session)
        store.lock_audit()
        assert store.cells_released("project-a", datetime(2026, 5, 1, tzinfo=UTC)) == 4
        assert store.points_spent("project-a", datetime(2026, 5, 1, tzinfo=UTC)) in (4, 8)
        with ledger.bound(store):
            try:  # 20 units: 2 · sqrt(1000/20) ≈ 14.1 points, over what is left
                control_frequency_table(
                    _table(np.arange(2001, 2021, dtype=np.int64)), context, include_margins=False
                )
            except RegcatError as error:
                assert error.code == "budget-exhausted"
            else:
                raise AssertionError("the budget should have refused a third release")
