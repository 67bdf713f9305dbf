"""What an import means, by temporality (docs/ARCHITECTURE.md §2, §7), as SQL over the
released Parquet:

- FIXED: the unit's one value; takes no date.
- STATUS: the value on a status date (start = stop = the date); the date must be one of
  the dataset's status dates.
- ACCUMULATED: the value of the period containing the date (start ≤ date ≤ stop); periods of
  a unit never overlap, so there is at most one.
- EVENT: the spells overlapping a period [from, to] (start ≤ to and stop ≥ from, an open
  spell, stop = null, lasting for ever); a single date is the period of one day. A unit can
  have several such spells: they are reduced to one value per workspace unit with
  count/min/max/first/last/sum/mean (first and last by start, then stop, then value, so the
  choice never depends on row order). Without a choice, spells of the workspace's own unit
  reduce to the last one (the value in force at the end of the period); spells that reach the
  workspace through a link (cases into persons) need an explicit choice. A unit without a
  spell in the period counts 0 and sums to 0: an empty count and an empty sum are 0, and a
  model of counts or totals must cover the units without events. The other reductions have
  no value over no spells, so the unit's value stays missing. A unit with nothing to reduce
  for (no mother to follow `via`, no person behind a case) is missing whatever the reduction.

Every SQL text here is ours: dataset names and paths come from the catalogue, dates are
formatted by Python, and values never appear in the SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from catalogue.domain.enums import DataType, Temporality
from catalogue.domain.errors import RegcatError, invalid_input
from catalogue.domain.text import Texts, pick

from ...sources import DatasetFacts, DatasetSource, Scan, YearRange
from ...variables import Kind
from .linking import LinkPlan

if TYPE_CHECKING:  # the verb module imports this one, through importing.py
    from ..import_dataset import Import


@dataclass(frozen=True)
class Window:
    """When: nothing (FIXED), one day, or a period (inclusive)."""

    start: date | None = None
    end: date | None = None

    @property
    def is_day(self) -> bool:
        return self.start is not None and self.start == self.end

    def label(self) -> str:
        if self.start is None:
            return "—"
        if self.is_day:
            return self.start.isoformat()
        return f"{self.start.isoformat()}–{self.end.isoformat() if self.end else ''}"


def _literal(day: date) -> str:
    return f"DATE '{day.isoformat()}'"


def windows_of(step: Import, dataset: DatasetSource, facts: DatasetFacts) -> list[Window]:
    """The step's window(s), checked against the dataset's temporality and coverage."""
    temporality = dataset.metadata.temporality
    dated = bool(step.at or step.dates or step.start)
    if temporality == Temporality.FIXED:
        if dated:
            raise invalid_input(
                "fixed-takes-no-date",
                f"{dataset.name} er FIXED (én verdi per enhet) og tar ingen dato.",
                f"{dataset.name} is FIXED (one value per unit) and takes no date.",
                dataset=dataset.name,
            )
        return [Window()]
    if temporality == Temporality.EVENT:
        if step.dates:
            raise invalid_input(
                "event-takes-period",
                f"{dataset.name} er EVENT: bruk en periode («from», «to») eller én dato.",
                f"{dataset.name} is EVENT: use a period ('from', 'to') or one date.",
                dataset=dataset.name,
            )
        if step.start and step.end:
            window = Window(step.start, step.end)
        elif step.at:
            window = Window(step.at, step.at)
        else:
            raise _needs_date(dataset, facts)
        _check_event_coverage(dataset, facts, window)
        return [window]
    if step.start:
        raise invalid_input(
            "period-only-for-events",
            f"{dataset.name} er {temporality.value}: bruk «date» eller «dates», ikke en periode.",
            f"{dataset.name} is {temporality.value}: use 'date' or 'dates', not a period.",
            dataset=dataset.name,
        )
    days = list(step.dates) if step.dates else ([step.at] if step.at else [])
    if not days:
        raise _needs_date(dataset, facts)
    for day in days:
        if temporality == Temporality.STATUS:
            _check_status_date(dataset, facts, day)
        else:
            _check_accumulated_date(dataset, facts, day)
    return [Window(day, day) for day in days]


def _needs_date(dataset: DatasetSource, facts: DatasetFacts) -> RegcatError:
    temporality = dataset.metadata.temporality.value
    if dataset.metadata.temporality == Temporality.STATUS:
        valid = ", ".join(d.isoformat() for d in facts.status_dates)
        return invalid_input(
            "date-required",
            f"{dataset.name} er STATUS og trenger en dato. Gyldige datoer: {valid}.",
            f"{dataset.name} is STATUS and needs a date. Valid dates: {valid}.",
            dataset=dataset.name,
            valid_dates=[d.isoformat() for d in facts.status_dates],
        )
    return invalid_input(
        "date-required",
        f"{dataset.name} er {temporality} og trenger en dato ({_coverage_nb(facts)}).",
        f"{dataset.name} is {temporality} and needs a date ({_coverage_en(facts)}).",
        dataset=dataset.name,
        **_coverage_details(facts),
    )


def _check_status_date(dataset: DatasetSource, facts: DatasetFacts, day: date) -> None:
    if day in facts.status_dates:
        return
    valid = ", ".join(d.isoformat() for d in facts.status_dates) or "—"
    raise invalid_input(
        "not-a-status-date",
        f"{day.isoformat()} er ingen statusdato for {dataset.name}. Gyldige datoer: {valid}.",
        f"{day.isoformat()} is not a status date of {dataset.name}. Valid dates: {valid}.",
        dataset=dataset.name,
        date=day.isoformat(),
        valid_dates=[d.isoformat() for d in facts.status_dates],
    )


def _check_accumulated_date(dataset: DatasetSource, facts: DatasetFacts, day: date) -> None:
    first, last = facts.first_start, facts.last_day
    if first is None or last is None or not first <= day <= last:
        raise _outside(dataset, facts, day.isoformat())


def _check_event_coverage(dataset: DatasetSource, facts: DatasetFacts, window: Window) -> None:
    first, last = facts.first_start, facts.last_day
    assert window.start is not None and window.end is not None
    if first is None or last is None or window.end < first or window.start > last:
        raise _outside(dataset, facts, window.label())


def _outside(dataset: DatasetSource, facts: DatasetFacts, asked: str) -> RegcatError:
    return invalid_input(
        "date-outside-coverage",
        f"{asked} ligger utenfor dataene i {dataset.name} ({_coverage_nb(facts)}).",
        f"{asked} lies outside the data of {dataset.name} ({_coverage_en(facts)}).",
        dataset=dataset.name,
        asked=asked,
        **_coverage_details(facts),
    )


def _coverage_details(facts: DatasetFacts) -> dict[str, str | None]:
    return {
        "covers_from": facts.first_start.isoformat() if facts.first_start else None,
        "covers_until": facts.last_day.isoformat() if facts.last_day else None,
    }


def _coverage_nb(facts: DatasetFacts) -> str:
    c = _coverage_details(facts)
    return f"data fra {c['covers_from']} til {c['covers_until']}"


def _coverage_en(facts: DatasetFacts) -> str:
    c = _coverage_details(facts)
    return f"data from {c['covers_from']} to {c['covers_until']}"


# --- the SQL ------------------------------------------------------------------------------


def value_kind(dataset: DatasetSource) -> Kind:
    measure = dataset.metadata.measure
    if measure.unit_type:
        return Kind.UNIT
    return {
        DataType.LONG: Kind.NUMBER,
        DataType.DOUBLE: Kind.NUMBER,
        DataType.DATE: Kind.DATE,
        DataType.STRING: Kind.STRING,
    }[measure.data_type]


def row_filter(temporality: Temporality, window: Window) -> str:
    if temporality == Temporality.FIXED or window.start is None:
        return "TRUE"
    assert window.end is not None
    if temporality == Temporality.STATUS:
        return f"start = {_literal(window.start)}"
    if temporality == Temporality.ACCUMULATED:
        return f"start <= {_literal(window.start)} AND stop >= {_literal(window.start)}"
    return f"start <= {_literal(window.end)} AND (stop IS NULL OR stop >= {_literal(window.start)})"


def reduction_sql(per_unit: str, value: str, alias: str = "e") -> str:
    """The aggregate reducing rows (alias `alias`, with start and stop) to one value."""
    order = f"{alias}.start NULLS FIRST, {alias}.stop NULLS LAST, {value}"
    return {
        "count": "CAST(COUNT(*) AS DOUBLE)",
        "min": f"MIN({value})",
        "max": f"MAX({value})",
        "first": f"FIRST({value} ORDER BY {order})",
        "last": f"LAST({value} ORDER BY {order})",
        "sum": f"SUM({value})",
        "mean": f"AVG({value})",
    }[per_unit]


def empty_reduction(per_unit: str | None) -> str | None:
    """The SQL value of a reduction over no rows, for the reductions that have one."""
    return "0" if per_unit in ("count", "sum") else None


def reduced_kind(per_unit: str | None, kind: Kind, dataset: str) -> Kind:
    if per_unit == "count":
        return Kind.NUMBER
    if per_unit in ("sum", "mean") and kind != Kind.NUMBER:
        raise invalid_input(
            "per-unit-needs-number",
            f"{per_unit} krever tallverdier, men {dataset} har {kind.value}-verdier.",
            f"{per_unit} needs numbers, but {dataset} has {kind.value} values.",
            dataset=dataset,
        )
    if per_unit in ("min", "max", "sum", "mean") and kind == Kind.UNIT:
        raise invalid_input(
            "per-unit-on-identifier",
            f"{dataset} holder enhetsidentifikatorer; bruk first, last eller count.",
            f"{dataset} holds unit identifiers; use first, last or count.",
            dataset=dataset,
        )
    return kind


@dataclass(frozen=True)
class ImportQuery:
    """A relation (unit_id, value) with one row per unit it describes (a workspace unit, or
    for an import `via` a variable, a unit that variable holds), and the values' kind.
    `empty` is the value of a unit the relation has no row for (None: missing)."""

    sql: str
    kind: Kind
    empty: str | None = None


def import_query(
    step: Import,
    dataset: DatasetSource,
    window: Window,
    plan: LinkPlan,
    scan: Scan,
) -> ImportQuery:
    temporality = dataset.metadata.temporality
    kind = value_kind(dataset)
    value = f"CAST(d.value AS {kind.sql})"
    # A status date's rows start on it; a period containing a date starts on or before it.
    years: YearRange | None = None
    if window.start is not None and temporality == Temporality.STATUS:
        years = (window.start.year, window.start.year)
    elif window.start is not None and temporality == Temporality.ACCUMULATED:
        years = (None, window.start.year)
    source = scan(dataset, years)
    where = row_filter(temporality, window)
    if plan.direction == "up":
        if step.per_unit is None:
            raise invalid_input(
                "per-unit-required",
                f"Flere {dataset.unit_type}-enheter kan høre til samme enhet i arbeidsområdet. "
                "Si hvordan de skal slås sammen med «per_person»: "
                "count, min, max, first, last, sum eller mean.",
                f"Several {dataset.unit_type} units can belong to one workspace unit. Say how to "
                "combine them with 'per_person': count, min, max, first, last, sum or mean.",
                dataset=dataset.name,
            )
        assert plan.link is not None
        kind = reduced_kind(step.per_unit, kind, dataset.name)
        aggregate = reduction_sql(step.per_unit, "e.v")
        sql = (
            f"SELECT l.value AS unit_id, {aggregate} AS value FROM ("
            f"SELECT d.unit_id, d.start, d.stop, {value} AS v FROM {source} AS d "
            f"WHERE {where}) AS e JOIN {scan(plan.link, None)} AS l ON l.unit_id = e.unit_id "
            "WHERE l.value IS NOT NULL GROUP BY l.value"
        )
        return ImportQuery(sql, kind, empty_reduction(step.per_unit))
    per_unit = step.per_unit
    if per_unit is None and temporality == Temporality.EVENT:
        per_unit = "last"
    if per_unit is None:
        own = f"SELECT d.unit_id AS unit_id, {value} AS value FROM {source} AS d WHERE {where}"
    else:
        kind = reduced_kind(per_unit, kind, dataset.name)
        aggregate = reduction_sql(per_unit, "e.v")
        own = (
            f"SELECT e.unit_id AS unit_id, {aggregate} AS value FROM (SELECT d.unit_id, d.start, d.stop, "
            f"{value} AS v FROM {source} AS d WHERE {where}) AS e GROUP BY e.unit_id"
        )
    empty = empty_reduction(per_unit)
    if plan.direction == "down":
        assert plan.link is not None
        # Every linked unit gets its person's value; one whose person has nothing to reduce
        # gets the empty value here, one without a person stays missing.
        value_of = "o.value" if empty is None else f"COALESCE(o.value, {empty})"
        joined = "JOIN" if empty is None else "LEFT JOIN"
        sql = (
            f"SELECT l.unit_id AS unit_id, {value_of} AS value FROM {scan(plan.link, None)} AS l "
            f"{joined} ({own}) AS o ON o.unit_id = l.value WHERE l.value IS NOT NULL"
        )
        return ImportQuery(sql, kind)
    return ImportQuery(own, kind, empty)


def codes_in_window(
    dataset: DatasetSource, window: Window
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The code list's codes valid at some time in the window (all of them without one),
    and its sentinel (missing) codes."""
    domain = dataset.metadata.measure.value_domain
    codes = []
    for code in domain.codes:
        if window.start is None or (
            code.valid_from <= (window.end or window.start)
            and (code.valid_until is None or code.valid_until >= window.start)
        ):
            codes.append(code.code)
    sentinels = tuple(s.code for s in domain.sentinels)
    return tuple(sorted(set(codes) | set(sentinels))), sentinels


def code_labels(dataset: DatasetSource, codes: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
    """(code, bokmål, English) titles of these codes from the code list (and its sentinel
    codes); a title missing in one language falls back as the catalogue's pages do. A code
    valid in several periods of the window takes its latest title."""
    domain = dataset.metadata.measure.value_domain
    titles: dict[str, Texts] = {}
    for code in sorted(domain.codes, key=lambda c: c.valid_from):
        titles[code.code] = code.title
    for sentinel in domain.sentinels:
        titles[sentinel.code] = sentinel.title
    return tuple(
        (code, pick(titles[code], "nb"), pick(titles[code], "en"))
        for code in codes
        if titles.get(code)
    )
