"""The checks of one batch of rows, vectorised: fields present, identifiers of their unit
type's form, dates well-formed and possible, the temporality's rules for start and stop,
the value's data type and code list (or, for a value that is a unit, its identifier).

The result says which rows have which problem (as row indices, messages are only built for
the ones a report lists) and holds the typed columns for the Parquet files. Checks that
need the whole file (duplicate ids, overlapping periods) are in ingest.periods.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from catalogue.domain.enums import DataType, Temporality
from catalogue.domain.register import UnitType
from catalogue.domain.text import pick
from ingest.csv_reader import LineMap, LineProblems, RawBatch
from ingest.id_cache import GroupedIds, group_ids
from ingest.identifiers import bad_identifiers
from ingest.messages import EXPECTED_TYPE, Both, identifier_reason, shorten
from ingest.plan import DatasetPlan
from ingest.values import Parsed, day_numbers, parse_dates, parse_numbers

OPEN = np.iinfo(np.int32).max  # day number of a period without a stop date


@dataclass
class RowProblems:
    code: str
    column: str | None
    rows: np.ndarray  # row indices in the batch, ascending
    params: Callable[[int], dict[str, Any]] | None = None  # parameters of the k-th row


@dataclass
class CheckedBatch:
    lines: LineMap
    line_problems: list[LineProblems]  # structural problems from reading
    problems: list[RowProblems]
    num_rows: int
    unit_ids: pa.ChunkedArray | None  # identifiers as text, kept only if they stay text
    unit_groups: GroupedIds  # the same, grouped for pseudonymisation
    value: pa.Array | pa.ChunkedArray  # typed; the text when the value is an identifier
    value_groups: GroupedIds | None  # the value grouped, when it is an identifier
    start: pa.Array | pa.ChunkedArray  # date32
    stop: pa.Array | pa.ChunkedArray  # date32, null when open
    period_rows: np.ndarray  # bool: rows whose unit and period are sound (whole-file checks)
    start_days: np.ndarray  # int32
    stop_days: np.ndarray  # int32, OPEN when open
    code_counts: np.ndarray | None  # rows per code-list entry
    bytes_done: int
    last_line: int

    def all_lines(self) -> np.ndarray:
        return self.lines.of(np.arange(self.num_rows))


@dataclass
class _Found:
    problems: list[RowProblems] = field(default_factory=list)

    def add(
        self,
        code: str,
        column: str,
        mask: np.ndarray | None,
        params: Callable[[int], dict[str, Any]] | None = None,
    ) -> np.ndarray:
        """Note `code` for the rows in `mask`; returns their indices."""
        rows = np.flatnonzero(mask) if mask is not None else np.empty(0, np.int64)
        if len(rows):
            self.problems.append(RowProblems(code, column, rows, _per_row(params, rows)))
        return rows

    def texts(
        self, code: str, column: str, mask: np.ndarray | None, texts: pa.ChunkedArray, **extra: Any
    ) -> None:
        """Note `code` with the offending text of each row as parameter `text`."""
        self.add(code, column, mask, lambda i: {"text": _text(texts, i), **extra})


def _per_row(
    params: Callable[[int], dict[str, Any]] | None, rows: np.ndarray
) -> Callable[[int], dict[str, Any]] | None:
    if params is None:
        return None
    return lambda k: params(int(rows[k]))


def _text(texts: pa.ChunkedArray | pa.Array, row: int) -> str:
    return shorten(str(texts[row].as_py()))


def _null(column: pa.ChunkedArray) -> np.ndarray:
    return pc.is_null(column).to_numpy(zero_copy_only=False)


def check_batch(raw: RawBatch, plan: DatasetPlan) -> CheckedBatch:
    table = raw.table
    found = _Found()
    unit_text, value_text = table["unit_id"], table["value"]
    missing_unit = found.add("missing-unit-id", "unit_id", _null(unit_text))
    found.add("missing-value", "value", _null(value_text))
    periods = _check_periods(table, plan, found)
    value, code_counts = _check_value(value_text, periods, plan, found)
    sound = periods.sound
    sound[missing_unit] = False
    unit_groups = group_ids(unit_text)
    _check_identifiers(unit_groups, plan.unit_type, "unit_id", unit_text, found)
    value_groups = None
    if plan.value_unit_type is not None:  # the value is a unit too: a mother, a person
        value_groups = group_ids(value)
        _check_identifiers(value_groups, plan.value_unit_type, "value", value_text, found)
    found.problems.sort(key=lambda p: int(p.rows[0]))
    return CheckedBatch(
        lines=raw.lines,
        line_problems=raw.problems,
        problems=found.problems,
        num_rows=table.num_rows,
        unit_ids=None if plan.unit_type.requires_pseudonymization else unit_text,
        unit_groups=unit_groups,
        value=value,
        value_groups=value_groups,
        start=periods.start,
        stop=periods.stop,
        period_rows=sound,
        start_days=periods.start_days,
        stop_days=periods.stop_days,
        code_counts=code_counts,
        bytes_done=raw.bytes_done,
        last_line=raw.last_line,
    )


def _check_identifiers(
    ids: GroupedIds, unit_type: UnitType, column: str, texts: pa.ChunkedArray, found: _Found
) -> None:
    """Identifiers that break their unit type's rule; the message says why, never which."""
    bad = bad_identifiers(ids, unit_type.identifier_rule)
    if bad is None:
        return
    rule = unit_type.identifier_rule
    described = Both(pick(rule.description, "nb"), pick(rule.description, "en"))

    def params(row: int) -> dict[str, Any]:
        problem = bad.problem(row)
        length = len(str(texts[row].as_py()))
        return {
            "unit_type": unit_type.name,
            "reason": identifier_reason(problem, length),
            "rule": described,
        }

    found.add("invalid-identifier", column, bad.rows, params)


@dataclass
class _Periods:
    start: pa.Array | pa.ChunkedArray
    stop: pa.Array | pa.ChunkedArray
    start_days: np.ndarray
    stop_days: np.ndarray
    sound: np.ndarray  # start and stop make a valid period for the temporality


def _check_periods(table: pa.Table, plan: DatasetPlan, found: _Found) -> _Periods:
    n = table.num_rows
    start_text, stop_text = table["start"], table["stop"]
    if plan.temporality == Temporality.FIXED:
        # A fixed variable has no dates; a stop date is tolerated for old extracts.
        has_start, has_stop = ~_null(start_text), ~_null(stop_text)
        found.add("fixed-has-start", "start", has_start, lambda i: {"start": _text(start_text, i)})
        found.add("fixed-stop-ignored", "stop", has_stop, lambda i: {"stop": _text(stop_text, i)})
        no_dates = pa.nulls(n, pa.date32())
        zeros = np.zeros(n, dtype=np.int32)
        return _Periods(no_dates, no_dates, zeros, zeros, np.ones(n, dtype=bool))

    temporality = plan.temporality.value
    start = _checked_dates(start_text, "start", found)
    stop = _checked_dates(stop_text, "stop", found)
    no_start, no_stop = _null(start_text), _null(stop_text)
    found.add("missing-start", "start", no_start, lambda i: {"temporality": temporality})
    if plan.temporality != Temporality.EVENT:
        found.add("missing-stop", "stop", no_stop, lambda i: {"temporality": temporality})
    start_days = day_numbers(start.values, 0)
    stop_days = day_numbers(stop.values, OPEN)
    has_start = ~_null(start.values)
    has_stop = ~_null(stop.values)
    both = has_start & has_stop
    dates = {"start": start_text, "stop": stop_text}

    def shown(i: int) -> dict[str, Any]:
        return {name: _text(texts, i) for name, texts in dates.items()}

    if plan.temporality == Temporality.STATUS:
        wrong = both & (start_days != stop_days)
        found.add("status-start-not-stop", "stop", wrong, shown)
    else:
        wrong = both & (start_days > stop_days)
        found.add("start-after-stop", "start", wrong, shown)
    stop_ok = has_stop | (no_stop if plan.temporality == Temporality.EVENT else False)
    return _Periods(start.values, stop.values, start_days, stop_days, has_start & stop_ok & ~wrong)


def _checked_dates(texts: pa.ChunkedArray, column: str, found: _Found) -> Parsed:
    parsed = parse_dates(texts)
    found.texts("invalid-date", column, parsed.bad, texts)
    found.texts("impossible-date", column, parsed.impossible, texts)
    return parsed


def _check_value(
    texts: pa.ChunkedArray, periods: _Periods, plan: DatasetPlan, found: _Found
) -> tuple[pa.Array | pa.ChunkedArray, np.ndarray | None]:
    """The value column for the Parquet files, and the rows per code when enumerated."""
    if plan.value_unit_type is not None:
        return texts, None  # an identifier: pseudonymised later
    code_counts = None
    value: pa.Array | pa.ChunkedArray = texts
    if plan.codes is not None:
        value, code_counts = _check_codes(texts, periods, plan, found)
    if plan.data_type in (DataType.LONG, DataType.DOUBLE):
        parsed = parse_numbers(texts, plan.data_type)
        value = parsed.values
    elif plan.data_type == DataType.DATE:
        parsed = parse_dates(texts)
        found.texts("impossible-date", "value", parsed.impossible, texts)
        value = parsed.values
    else:
        return value, code_counts
    data_type = plan.data_type.value
    expected = EXPECTED_TYPE[data_type]
    found.texts("wrong-type", "value", parsed.bad, texts, expected=expected, data_type=data_type)
    return value, code_counts


def _check_codes(
    texts: pa.ChunkedArray, periods: _Periods, plan: DatasetPlan, found: _Found
) -> tuple[pa.Array, np.ndarray]:
    codes = plan.codes
    assert codes is not None
    positions = pc.index_in(texts.combine_chunks(), value_set=codes.dictionary)
    known = ~_null(positions)
    found.texts("unknown-code", "value", ~known & ~_null(texts), texts)
    indices = pc.fill_null(positions, 0).to_numpy(zero_copy_only=False)
    if plan.temporality != Temporality.FIXED:  # a fixed value is checked against any period
        dated = known & ~_null(periods.start)
        rows = np.flatnonzero(dated)
        invalid = rows[~codes.valid_on(indices[rows], periods.start_days[rows])]
        mask = np.zeros(len(indices), dtype=bool)
        mask[invalid] = True
        found.add(
            "code-not-valid-on-date",
            "value",
            mask,
            lambda i: {
                "text": _text(texts, i),
                "date": periods.start[i].as_py().isoformat(),
                "validity": codes.validity[indices[i]],
            },
        )
    counts = np.bincount(indices[known], minlength=len(codes.dictionary))
    dictionary_values = pa.DictionaryArray.from_arrays(positions, codes.dictionary)
    return dictionary_values, counts
