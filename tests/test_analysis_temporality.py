"""What an import means, by temporality, checked against the released Parquet read with
pyarrow alone: FIXED, STATUS (status dates only), ACCUMULATED (the period containing the
date, both ends inclusive), EVENT (spells overlapping a period, open spells lasting for
ever), and the errors for dates the data do not cover."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa
import pytest

from catalogue.analysis.sources import PinnedVersion
from catalogue.domain.errors import RegcatError
from tests import test_analysis_support as support
from tests.test_analysis_support import as_dict, on_day, released, values

workspace_factory = support.workspace_factory


def _error(make: Any, steps: list[dict[str, Any]]) -> RegcatError:
    with pytest.raises(RegcatError) as caught:
        make(steps)
    return caught.value


def test_fixed_gives_each_units_one_value(pinned: PinnedVersion, workspace_factory: Any) -> None:
    ws = workspace_factory([{"import": "BEFOLKNING_KJOENN", "as": "kjonn"}])
    assert values(ws, "kjonn") == as_dict(released(pinned, "BEFOLKNING_KJOENN"))
    assert ws.state.schema.unit_type == "PERSON"
    assert ws.state.schema.get("kjonn").codes == ("1", "2")


def test_fixed_takes_no_date(workspace_factory: Any) -> None:
    error = _error(workspace_factory, [{"import": "BEFOLKNING_KJOENN", "date": "2020-01-01"}])
    assert error.code == "fixed-takes-no-date" and error.http_status == 400
    assert error.details["step"] == 1


def test_status_on_a_status_date_defines_the_population(
    pinned: PinnedVersion, workspace_factory: Any
) -> None:
    ws = workspace_factory(
        [{"import": "BEFOLKNING_BOSTED_KOMMUNE", "date": "2020-01-01", "as": "kommune"}]
    )
    expected = as_dict(on_day(released(pinned, "BEFOLKNING_BOSTED_KOMMUNE"), "start", "2020-01-01"))
    assert values(ws, "kommune") == expected
    # A later import never adds or removes units: it is a left join.
    ws2 = workspace_factory(
        [
            {"import": "BEFOLKNING_BOSTED_KOMMUNE", "date": "2020-01-01", "as": "kommune"},
            {"import": "BEFOLKNING_BOSTED_KOMMUNE", "date": "2016-01-01", "as": "kommune16"},
        ]
    )
    earlier = as_dict(on_day(released(pinned, "BEFOLKNING_BOSTED_KOMMUNE"), "start", "2016-01-01"))
    got = values(ws2, "kommune16")
    assert set(got) == set(expected)
    assert got == {unit: earlier.get(unit) for unit in expected}
    assert any(v is None for v in got.values())  # moved in after 2016


def test_status_on_another_date_lists_the_valid_dates(workspace_factory: Any) -> None:
    error = _error(
        workspace_factory, [{"import": "BEFOLKNING_BOSTED_KOMMUNE", "date": "2020-01-02"}]
    )
    assert error.code == "not-a-status-date"
    assert error.details["valid_dates"] == ["2016-01-01", "2020-01-01", "2024-01-01"]
    assert "2016-01-01, 2020-01-01, 2024-01-01" in error.nb and error.en
    missing = _error(workspace_factory, [{"import": "NUDB_BU"}])
    assert missing.code == "date-required"
    assert missing.details["valid_dates"] == ["2016-10-01", "2020-10-01", "2022-10-01"]


@pytest.mark.parametrize(
    ("day", "period_start"),
    [
        ("2020-01-01", "2020-01-01"),  # the first day of the period
        ("2020-06-30", "2020-01-01"),
        ("2020-12-31", "2020-01-01"),  # the last day (stop is inclusive)
        ("2021-01-01", "2021-01-01"),
        ("2023-12-31", "2023-01-01"),  # the last day of the data
    ],
)
def test_accumulated_takes_the_period_containing_the_date(
    pinned: PinnedVersion, workspace_factory: Any, day: str, period_start: str
) -> None:
    ws = workspace_factory(
        [
            {"import": "BEFOLKNING_KJOENN", "as": "kjonn"},
            {"import": "INNTEKT_WLONN", "date": day, "as": "lonn"},
        ]
    )
    periods = on_day(released(pinned, "INNTEKT_WLONN"), "start", period_start)
    expected = {u: float(v) for u, v in as_dict(periods).items()}
    got = {u: v for u, v in values(ws, "lonn").items() if v is not None}
    assert got == expected


@pytest.mark.parametrize("day", ["2019-12-31", "2024-01-01"])
def test_accumulated_outside_the_data_is_refused(workspace_factory: Any, day: str) -> None:
    error = _error(
        workspace_factory,
        [
            {"import": "BEFOLKNING_KJOENN"},
            {"import": "INNTEKT_WLONN", "date": day},
        ],
    )
    assert error.code == "date-outside-coverage" and error.details["step"] == 2
    assert error.details["covers_from"] == "2020-01-01"
    assert error.details["covers_until"] == "2023-12-31"


def _spells_truth(table: pa.Table, start: date, end: date) -> dict[int, Any]:
    """The value of each unit's last spell overlapping [start, end] (by start, then stop
    with an open spell last, then value), computed in plain Python."""
    best: dict[int, tuple[Any, ...]] = {}
    for unit, value, first, last in zip(
        *(table.column(c).to_pylist() for c in ("unit_id", "value", "start", "stop")),
        strict=True,
    ):
        if first > end or (last is not None and last < start):
            continue
        key = (first, last is None, last or date.min, value)
        if unit not in best or key > best[unit][0]:
            best[unit] = (key, value)
    return {unit: found[1] for unit, found in best.items()}


@pytest.mark.parametrize(
    ("start", "end"),
    [("2020-01-01", "2020-01-01"), ("2015-01-01", "2020-12-31"), ("2025-06-01", "2025-06-01")],
)
def test_event_spells_overlapping_a_period(
    pinned: PinnedVersion, workspace_factory: Any, start: str, end: str
) -> None:
    ws = workspace_factory(
        [
            {"import": "BEFOLKNING_KJOENN"},
            {"import_event": "BEFOLKNING_SIVSTAND", "from": start, "to": end, "as": "sivstand"},
        ]
    )
    table = released(pinned, "BEFOLKNING_SIVSTAND")
    expected = _spells_truth(table, date.fromisoformat(start), date.fromisoformat(end))
    got = {u: v for u, v in values(ws, "sivstand").items() if v is not None}
    assert got == expected


def test_open_spells_last_for_ever_and_closed_ones_end_on_their_stop_day(
    pinned: PinnedVersion, workspace_factory: Any
) -> None:
    table = released(pinned, "BEFOLKNING_SIVSTAND")
    closed = [
        (u, v, s, e)
        for u, v, s, e in zip(
            *(table.column(c).to_pylist() for c in ("unit_id", "value", "start", "stop")),
            strict=True,
        )
        if e is not None and s < e
    ]
    unit, _value, _, stop = closed[0]
    on_stop = workspace_factory(
        [{"import_event": "BEFOLKNING_SIVSTAND", "date": stop.isoformat(), "as": "s"}]
    )
    assert unit in values(on_stop, "s")  # the stop day belongs to the spell
    open_units = set(table.filter(table.column("stop").is_null()).column("unit_id").to_pylist())
    late = workspace_factory(
        [{"import_event": "BEFOLKNING_SIVSTAND", "date": "2025-12-31", "as": "s"}]
    )
    assert open_units <= set(values(late, "s"))


def test_event_outside_the_data_is_refused(workspace_factory: Any) -> None:
    error = _error(
        workspace_factory,
        [{"import_event": "KRG_DIAGNOSEDATO", "from": "2030-01-01", "to": "2030-12-31"}],
    )
    assert error.code == "date-outside-coverage"


def test_event_reductions_per_unit(pinned: PinnedVersion, workspace_factory: Any) -> None:
    steps: list[dict[str, Any]] = [{"import": "BEFOLKNING_KJOENN"}]
    for how in ("count", "first", "last", "min", "max"):
        steps.append(
            {
                "import_event": "BEFOLKNING_SIVSTAND",
                "from": "2000-01-01",
                "to": "2020-12-31",
                "as": f"s_{how}",
                "per_unit": how,
            }
        )
    ws = workspace_factory(steps)
    table = released(pinned, "BEFOLKNING_SIVSTAND")
    spells: dict[int, list[tuple[Any, ...]]] = {}
    for unit, value, first, last in zip(
        *(table.column(c).to_pylist() for c in ("unit_id", "value", "start", "stop")),
        strict=True,
    ):
        if first <= date(2020, 12, 31) and (last is None or last >= date(2000, 1, 1)):
            spells.setdefault(unit, []).append((first, last is None, last or date.min, value))
    ordered = {u: sorted(s) for u, s in spells.items()}
    assert {u: v for u, v in values(ws, "s_count").items() if v} == {
        u: float(len(s)) for u, s in ordered.items()
    }
    assert {u: v for u, v in values(ws, "s_first").items() if v} == {
        u: s[0][3] for u, s in ordered.items()
    }
    assert {u: v for u, v in values(ws, "s_last").items() if v} == {
        u: s[-1][3] for u, s in ordered.items()
    }
    assert {u: v for u, v in values(ws, "s_min").items() if v} == {
        u: min(x[3] for x in s) for u, s in ordered.items()
    }
    assert any(len(s) > 1 for s in ordered.values())  # the reductions had work to do


def test_several_dates_make_one_variable_per_date(
    pinned: PinnedVersion, workspace_factory: Any
) -> None:
    ws = workspace_factory(
        [
            {
                "import": "BEFOLKNING_BOSTED_KOMMUNE",
                "dates": ["2024-01-01", "2016-01-01", "2020-01-01"],
                "as": "kommune",
            }
        ]
    )
    assert ws.state.schema.names == ["kommune_2016", "kommune_2020", "kommune_2024"]
    table = released(pinned, "BEFOLKNING_BOSTED_KOMMUNE")
    # The first import's population: units with a value on any of its dates.
    assert set(values(ws, "kommune_2016")) == set(table.column("unit_id").to_pylist())
    in_2024 = as_dict(on_day(table, "start", "2024-01-01"))
    assert values(ws, "kommune_2024") == {
        u: in_2024.get(u) for u in set(table.column("unit_id").to_pylist())
    }
