"""`per_person` reductions over units without an event (issue 12, defect 7): `count` and
`sum` give such units 0, the others (min, max, first, last, mean) stay missing, in every
direction an import can take (cases into persons, the workspace's own events, a
person's events onto a case, a mother's events `via` a variable). A unit with nothing to
count (no mother, no person behind a case) stays missing. Expected values come from the
released Parquet, read with pyarrow alone."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from catalogue.analysis.sources import PinnedVersion
from tests import test_analysis_support as support
from tests.test_analysis_support import as_dict, released, values

workspace_factory = support.workspace_factory

POPULATION = {"import": "BEFOLKNING_BOSTED_KOMMUNE", "date": "2020-01-01", "as": "kommune"}
FROM, TO = date(2015, 1, 1), date(2020, 12, 31)
PERIOD = {"from": FROM.isoformat(), "to": TO.isoformat()}
DAYS_1960 = (date(1960, 1, 1), date(1960, 12, 31))
IN_1960 = {"from": "1960-01-01", "to": "1960-12-31"}


def _events(
    pinned: PinnedVersion, name: str, first: date = FROM, last: date = TO
) -> list[tuple[int, Any]]:
    """(unit, value) of every spell overlapping the period from `first` to `last`."""
    table = released(pinned, name)
    columns = (table.column(c).to_pylist() for c in ("unit_id", "value", "start", "stop"))
    return [
        (unit, value)
        for unit, value, start, stop in zip(*columns, strict=True)
        if start <= last and (stop is None or stop >= first)
    ]


def test_persons_without_a_case_count_zero_cases_and_sum_zero(
    pinned: PinnedVersion, workspace_factory: Any
) -> None:
    ws = workspace_factory(
        [
            POPULATION,
            {"import_event": "KRG_ICD10", **PERIOD, "as": "n", "per_person": "count"},
            {"import_event": "KRG_ALDER_DIAGNOSE", **PERIOD, "as": "s", "per_person": "sum"},
            {"import_event": "KRG_ALDER_DIAGNOSE", **PERIOD, "as": "m", "per_person": "mean"},
            {"import_event": "KRG_ALDER_DIAGNOSE", **PERIOD, "as": "lo", "per_person": "min"},
            {"import_event": "KRG_ICD10", **PERIOD, "as": "last", "per_person": "last"},
        ]
    )
    person_of = as_dict(released(pinned, "KRG_PERSON"))
    cases: dict[int, int] = defaultdict(int)
    ages: dict[int, list[int]] = defaultdict(list)
    for case, _ in _events(pinned, "KRG_ICD10"):
        cases[person_of[case]] += 1
    for case, age in _events(pinned, "KRG_ALDER_DIAGNOSE"):
        ages[person_of[case]].append(age)
    population = set(values(ws, "kommune"))
    assert values(ws, "n") == {p: float(cases.get(p, 0)) for p in population}
    assert values(ws, "s") == {p: float(sum(ages.get(p, []))) for p in population}
    without = population - set(ages)
    assert len(without) > len(population) / 2  # most persons have no case in the period
    for name in ("m", "lo", "last"):
        got = values(ws, name)
        assert all(got[p] is None for p in without)
        assert sum(got[p] is not None for p in population) == len(population & set(ages))


def test_the_workspaces_own_events_count_zero_when_there_are_none(
    pinned: PinnedVersion, workspace_factory: Any
) -> None:
    # Marital-status spells in 1960: none for everyone born later.
    ws = workspace_factory(
        [
            POPULATION,
            {"import_event": "BEFOLKNING_SIVSTAND", **IN_1960, "as": "n", "per_person": "count"},
            {"import_event": "BEFOLKNING_SIVSTAND", **IN_1960, "as": "f", "per_person": "first"},
        ]
    )
    spells: dict[int, int] = defaultdict(int)
    for person, _ in _events(pinned, "BEFOLKNING_SIVSTAND", *DAYS_1960):
        spells[person] += 1
    population = set(values(ws, "kommune"))
    got = values(ws, "n")
    assert got == {p: float(spells.get(p, 0)) for p in population}
    assert 0.0 in got.values()
    first = values(ws, "f")
    assert {p for p in population if first[p] is None} == {p for p in population if not got[p]}


def test_a_mothers_events_count_zero_and_no_mother_stays_missing(
    pinned: PinnedVersion, workspace_factory: Any
) -> None:
    ws = workspace_factory(
        [
            POPULATION,
            {"import": "BEFOLKNING_MOR", "as": "mor"},
            {
                "import_event": "BEFOLKNING_SIVSTAND",
                **IN_1960,
                "as": "mor_n",
                "per_person": "count",
                "via": "mor",
            },
        ]
    )
    spells: dict[int, int] = defaultdict(int)
    for person, _ in _events(pinned, "BEFOLKNING_SIVSTAND", *DAYS_1960):
        spells[person] += 1
    mother = values(ws, "mor")
    expected = {u: None if m is None else float(spells.get(m, 0)) for u, m in mother.items()}
    got = values(ws, "mor_n")
    assert got == expected
    assert None in got.values() and 0.0 in got.values()


def test_a_cases_person_without_events_counts_zero(
    pinned: PinnedVersion, workspace_factory: Any
) -> None:
    ws = workspace_factory(
        [
            {"import_event": "KRG_ICD10", "from": "1953-01-01", "to": "2024-12-31", "as": "icd"},
            {"import_event": "BEFOLKNING_SIVSTAND", **IN_1960, "as": "n", "per_person": "count"},
        ]
    )
    person_of = as_dict(released(pinned, "KRG_PERSON"))
    spells: dict[int, int] = defaultdict(int)
    for person, _ in _events(pinned, "BEFOLKNING_SIVSTAND", *DAYS_1960):
        spells[person] += 1
    got = values(ws, "n")
    assert got == {
        case: None if person_of.get(case) is None else float(spells.get(person_of[case], 0))
        for case in values(ws, "icd")
    }
    assert 0.0 in got.values() and 1.0 in got.values()
