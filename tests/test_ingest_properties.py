"""Properties: any valid extract converts, and the order of its rows does not matter.
Identifiers are valid ones of two unit types: PERSON (11 digits, handled as numbers) and
JOBB (20 digits, too long for a number, so handled as text)."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.testing import person_id, variable, write_dataset
from tests.test_ingest_support import KEYS, convert_folder

EPOCH = date(1990, 1, 1)

Row = tuple[str, int, date, date]


@st.composite
def valid_rows(draw: st.DrawFn, unit_type: str) -> list[Row]:
    """Units with periods that never intersect: each unit walks forward through time."""
    numbers = draw(st.lists(st.integers(0, 200_000), min_size=1, max_size=8, unique=True))
    units = [person_id(n) for n in numbers]
    if unit_type == "JOBB":  # the person's number followed by an establishment's
        units = [f"{unit}{973_861_778 + i}" for i, unit in enumerate(units)]
    rows: list[Row] = []
    for unit in units:
        day = EPOCH + timedelta(days=draw(st.integers(0, 5_000)))
        for _ in range(draw(st.integers(1, 6))):
            length = draw(st.integers(0, 800))
            value = draw(st.integers(-(2**62), 2**62))
            rows.append((unit, value, day, day + timedelta(days=length)))
            day += timedelta(days=length + draw(st.integers(1, 400)))
    return rows


def convert_rows(
    folder: Path, rows: list[Row], batch_rows: int, unit_type: str
) -> set[tuple[int, int, date, date]]:
    lines = [f"{u};{v};{s.isoformat()};{e.isoformat()};" for u, v, s, e in rows]
    document = variable("INNTEKT", "ACCUMULATED", unit_type=unit_type)
    dataset = write_dataset(folder / "extract", "INNTEKT", document, lines)
    result = convert_folder(dataset, folder / "out", batch_rows=batch_rows)
    assert result.ok, result.report.render("en")
    assert result.row_count == len(rows)
    assert result.unit_count == len({r[0] for r in rows})
    table = pa.concat_tables([pq.read_table(folder / "out" / f.path) for f in result.files])
    return set(
        zip(*(table[c].to_pylist() for c in ("unit_id", "value", "start", "stop")), strict=True)
    )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    unit_type=st.sampled_from(["PERSON", "JOBB"]),
    order=st.randoms(use_true_random=False),
    batch_rows=st.sampled_from([3, 50, 1_000_000]),
)
def test_valid_rows_always_convert_whatever_their_order(
    data: st.DataObject, unit_type: str, order: st.SearchStrategy, batch_rows: int
) -> None:
    rows = data.draw(valid_rows(unit_type))
    shuffled = list(rows)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    pseudonym = dict(
        zip(
            (r[0] for r in rows),
            KEYS.pseudonymise(unit_type, pa.array([r[0] for r in rows])).to_pylist(),
            strict=True,
        )
    )
    expected = {(pseudonym[u], v, s, e) for u, v, s, e in rows}
    with tempfile.TemporaryDirectory() as temp:
        assert convert_rows(Path(temp) / "a", rows, batch_rows, unit_type) == expected
        assert convert_rows(Path(temp) / "b", shuffled, batch_rows, unit_type) == expected
