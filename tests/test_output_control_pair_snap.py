"""Statistics of values are answered by their (unit, value) pairs: a pair set 1-9 pairs from
a registered one gets the registered answer, rows, values and reasons alike; one far from
every registered set gets its own. The answer is kept in the ledger (SQLite and
PostgreSQL) and read back by another process. Group statistics of one workspace are
snapped the same way (group_values.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np

from catalogue.analysis.output_control import (
    ControlContext,
    HmacKeySource,
    InMemoryReleaseLedger,
    OutputControlParameters,
    ReleaseLedger,
    UnitValues,
    control_mode,
    control_summary,
)
from catalogue.analysis.output_control.answers import answered, encode
from catalogue.analysis.output_control.fingerprint import fingerprint_table
from catalogue.analysis.output_control.group_values import GroupValues
from catalogue.analysis.output_control.result import ControlledResult, ResultRow
from catalogue.analysis.output_control.rules.differencing import Differencing
from catalogue.analysis.persistent_ledger import PersistentReleaseLedger
from catalogue.services.context import Context
from catalogue.storage.analysis_store import AnalysisStore

SECRET = b"a-datastore-secret-of-32-bytes!!"
UNITS = np.arange(1, 3001, dtype=np.int64)


def _context(ledger: ReleaseLedger) -> ControlContext:
    return ControlContext(
        OutputControlParameters.defaults(),
        HmacKeySource(SECRET),
        ledger,
        "project-a",
        "no.regcat.demo:1.0.0.0",
        UNITS,
        now=datetime(2026, 6, 1, tzinfo=UTC),
    )


def _wages(changed: int = 0) -> np.ndarray:
    wages = 300_000.0 + (UNITS % 97) * 1_000.0
    wages[:changed] += 12_345.0  # `changed` values moved: 2 pairs each
    return wages


def _summary(context: ControlContext, values: np.ndarray) -> ControlledResult:
    return control_summary(UnitValues("lonn", UNITS, values), context)


def _shown(result: ControlledResult) -> list[tuple[object, ...]]:
    return [(row.values, row.reasons) for row in result.rows]


def test_a_value_changed_gets_the_registered_answer_and_many_changed_their_own() -> None:
    context = _context(InMemoryReleaseLedger())
    first = _summary(context, _wages())
    assert any(v is not None for row in first.rows for v in row.values)
    for changed in (1, 4):  # 2 and 8 pairs away
        assert _shown(_summary(context, _wages(changed))) == _shown(first)
    far = _summary(context, _wages(30))  # 60 pairs away: a fresh answer
    assert _shown(far) != _shown(first)


def test_a_unit_dropped_gets_the_registered_answer() -> None:
    context = _context(InMemoryReleaseLedger())
    first = _summary(context, _wages())
    dropped = control_summary(UnitValues("lonn", UNITS[1:], _wages()[1:]), context)
    assert _shown(dropped) == _shown(first)


def in_two_processes(
    any_ctx: Context, *asked: Callable[[ControlContext], ControlledResult]
) -> list[ControlledResult]:
    """Each release in a transaction of its own on a persistent ledger, which forgets all
    between them, as if each ran in another process: what it knows comes from the database."""
    ledger = PersistentReleaseLedger(any_ctx.db.url, "no.regcat.demo")
    context = _context(ledger)
    results = []
    for ask in asked:
        ledger.forget()
        with any_ctx.db.transaction() as session:
            store = AnalysisStore(session)
            store.lock_audit()
            with ledger.bound(store):
                results.append(ask(context))
    return results


def test_the_answer_is_kept_in_the_database(any_ctx: Context) -> None:
    first, again = in_two_processes(
        any_ctx,
        lambda context: _summary(context, _wages()),
        lambda context: _summary(context, _wages(3)),
    )
    assert _shown(again) == _shown(first)


def test_answers_keep_values_and_reasons_under_new_labels() -> None:
    rows = [ResultRow(("mean",), (1.5,), ()), ResultRow(("sd",), (None,), ("dominance-nk",))]
    given = answered([("a",), ("b",)], encode(rows))
    assert [(r.labels, r.values, r.reasons) for r in given] == [
        (("a",), (1.5,), ()),
        (("b",), (None,), ("dominance-nk",)),
    ]


def test_group_values_of_near_sets_are_the_earlier_value() -> None:
    rule = OutputControlParameters.defaults().rule(Differencing)
    ids = np.arange(1, 501, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    sets = fingerprint_table(np.zeros(500, dtype=np.int64), ids, 1)
    near = fingerprint_table(np.zeros(497, dtype=np.int64), ids[3:], 1)  # 3 units fewer
    far = fingerprint_table(np.zeros(450, dtype=np.int64), ids[50:], 1)  # 50 fewer
    values = GroupValues(rule, ())
    assert values.given("count", np.array([500.0]), sets)[0] == 500.0
    assert values.given("count", np.array([497.0]), near)[0] == 500.0
    assert values.given("sum", np.array([497.0]), near)[0] == 497.0  # another statistic
    assert values.given("count", np.array([450.0]), far)[0] == 450.0
    later = GroupValues(rule, tuple(values.added))  # the next step, from the state
    assert later.given("count", np.array([498.0]), near)[0] == 500.0
    assert np.isnan(later.given("count", np.array([np.nan]), near)[0])  # no value, none given


def test_a_mode_over_a_copy_with_one_value_moved_gets_the_registered_mode() -> None:
    """The mode is decided by perturbed counts: 'a' and 'b' held by 20 units each, the mode
    is whichever draws the larger noise. A copy with one unit's value moved to 'a' draws
    'a' anew, so the mode flipped now and then, and a flip told that the copy differed (the
    equality oracle of pair_sets.py: a target's value changed iff diagnosed). The copy is 2
    pairs from the original: it gets the registered mode."""
    flipped = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        chosen = rng.choice(UNITS, size=41, replace=False)
        values = np.array(["a"] * 20 + ["b"] * 20 + ["c"], dtype=object)
        context = _context(InMemoryReleaseLedger())
        first = control_mode(UnitValues("v", chosen, values), context)
        moved = values.copy()
        moved[-1] = "a"  # the 41st unit joins 'a'
        again = control_mode(UnitValues("v2", chosen, moved), context)
        flipped += _shown(again) != _shown(first)
    assert flipped == 0
