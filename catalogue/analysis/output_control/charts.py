"""The entry points for charts: a histogram, a hexbin scatter and a survival curve, each a
checked, perturbed count table (OUTPUT_CONTROL.md §2).

What a chart shows is taken from perturbed numbers only: the range its grid spans is the
smoothed 1st and 99th percentiles perturbed as magnitudes, every count is a cell key count,
a hex is drawn when its perturbed count reaches the minimum, a survival curve's steps are
merged on perturbed event counts and its survival is computed from the perturbed counts
at risk and of events. A hexbin and a survival curve are answered by their pairs (each
unit's hex; each unit's grid interval and event): the same pairs, or a few pairs from a
registered chart's, get that chart again (pair_sets.py, rules/differencing.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

import numpy as np

from .counting import ValueSet, finish, noised_counts, published_counts, window_noise
from .fingerprint import SetFingerprint, fingerprint
from .inputs import SurvivalData, UnitPairs, UnitValues
from .one_variable import sorted_values
from .pair_sets import PairAnswer, pair_set
from .release import ControlContext, ResultBuilder
from .result import ControlledResult, ResultRow, Value
from .rounding import significant
from .rules.hexbin import ROW_HEIGHT, Hexbin, hex_cells
from .rules.histogram import BinGrid, BinRequest, HistogramBins, grid_step, make_grid
from .rules.magnitude_noise import MagnitudeNoise
from .rules.smoothed_percentile import SmoothedPercentile, window
from .rules.survival import IntervalEvents, Survival
from .unit_sets import CellUnits
from .value_keys import digest, keyed_bits, measure, pair_keys


def smoothed_span(out: ResultBuilder, found: ValueSet) -> tuple[float, float]:
    """Means of the units nearest the 1st and 99th percentiles, each perturbed as a
    magnitude: a range that no single unit's extreme value sets. Answered by the values'
    (unit, value) pairs (pair_sets.py): a variable whose pairs are those of one a range was
    registered for, or a few pairs from them, gets that range. Why: the windows' noise is
    keyed by their pairs, so a copy with one unit's value moved to the top shifted the 99th
    percentile's window and drew another range, and the grid laid over it told the copy
    from the original (red team: test_snap_edges, the same histogram again)."""
    out.rule(MagnitudeNoise)  # listed whether the range is registered or drawn here
    answer = PairAnswer.of(out, "span", pair_set(found.set_ids, found.values), found.size)
    registered = answer.registered_answer
    if registered is not None and len(registered.rows) == 2:
        (low,), _ = registered.rows[0]
        (high,), _ = registered.rows[1]
        if isinstance(low, int | float) and isinstance(high, int | float):
            return float(low), float(high)
    span = _smoothed_span(out, found)
    if answer.pairs is not None:
        out.keep(
            answer.statistic,
            answer.pairs,
            [ResultRow(("low",), (span[0],), ()), ResultRow(("high",), (span[1],), ())],
        )
    return span


def _smoothed_span(out: ResultBuilder, found: ValueSet) -> tuple[float, float]:
    values, ids = sorted_values(found)
    n = len(values)
    if n == 0:  # nothing to span (every row left out, e.g. survival times all ≤ 0)
        return 0.0, 0.0
    width = min(out.context.parameters.of(SmoothedPercentile).min_units, n)
    noise = out.rule(MagnitudeNoise)
    ends = []
    for q in (0.01, 0.99):
        part = slice(*window(n, q, width))
        ends.append(float(values[part].mean()) + window_noise(noise, values[part], ids[part]))
    return min(ends), max(ends)


def _interval_label(start: Decimal | None, end: Decimal | None) -> str:
    """ "[2, 4)", or "<2" / "≥8" for an open end; edges written out exactly."""

    def text(value: Decimal) -> str:
        return format(value.normalize(), "f")

    if end is None:
        return "all" if start is None else f"≥{text(start)}"
    if start is None:
        return f"<{text(end)}"
    return f"[{text(start)}, {text(end)})"


def _bin_label(grid: BinGrid, index: int) -> str:
    last = grid.bins - 1
    return _interval_label(
        None if index == 0 else grid.edges[index],
        None if index == last else grid.edges[index + 1],
    )


def control_histogram(
    data: UnitValues,
    context: ControlContext,
    *,
    bins: int | None = None,
    groups: Sequence[SetFingerprint] = (),
    width: float | None = None,
) -> ControlledResult:
    """A histogram as a checked, perturbed count table on a fixed bin grid (`width`: a bin
    width asked for, taken onto the grid: rules/histogram.py)."""
    columns = ("start", "end", "count")
    with ResultBuilder(context, "histogram", ("bin",), columns, variables=1) as out:
        rule = out.rule(HistogramBins)
        found = ValueSet.of(out, context, data.units, data.numbers())
        if found.size < context.parameters.of(SmoothedPercentile).min_units:
            out.charge("count", [found.size])
            raise out.refuse(HistogramBins, "histogram-units")
        low, high = smoothed_span(out, found)
        asked = BinRequest(low, high, bins or rule.parameters.default_bins, width)
        grid = rule.apply(asked)[0].value
        assert grid is not None  # the grid rule never withholds
        cells = CellUnits.build(grid.assign(found.values), data.units, grid.bins, context.keys)
        totals = cells.totals()
        out.charge("count", noised_counts(out, totals.counts, totals.key_sums))
        counts, reasons = published_counts(out, totals)
        rows = []
        for i, count in enumerate(counts):
            start, end = grid.bounds(i)
            outer = ["histogram"] if start is None or end is None else []
            rows.append(
                ResultRow((_bin_label(grid, i),), (start, end, count), (*reasons[i], *outer))
            )
        return finish(out, rows, groups)


def control_hexbin(
    data: UnitPairs,
    context: ControlContext,
    *,
    gridsize: int | None = None,
    groups: Sequence[SetFingerprint] = (),
) -> ControlledResult:
    """A scatter as hexagonal bins; hexes that fail are left out, not shown empty."""
    columns = ("x", "y", "count")
    with ResultBuilder(context, "hexbin", ("hex",), columns, variables=2) as out:
        rule = out.rule(Hexbin)
        across = min(gridsize or rule.parameters.default_gridsize, rule.parameters.max_gridsize)
        found_x = ValueSet.of(out, context, data.units, data.x)
        found_y = ValueSet.of(out, context, data.units, data.y)
        smallest = max(
            context.parameters.of(SmoothedPercentile).min_units, rule.parameters.min_units
        )
        # One entry per hex of the lattice the request spans, drawn or not: how many hexes
        # hold units is not told by the charge.
        asked: list[int | None] = [None] * (across * across)
        if found_x.size < smallest:
            out.charge("count", asked)
            raise out.refuse(Hexbin, "hexbin-units")
        spans = [smoothed_span(out, found) for found in (found_x, found_y)]
        steps = [grid_step(high - low, across) for low, high in spans]
        doubled = hex_cells(data.x / float(steps[0]), data.y / float(steps[1]))
        # Answered by its pairs: each unit's hex is all the drawing depends on once the
        # lattice is fixed (see control_survival).
        hex_bits = (doubled[:, 0].astype(np.uint64) << np.uint64(32)) ^ (
            doubled[:, 1].astype(np.uint64) & np.uint64(0xFFFFFFFF)
        )
        answer = PairAnswer.of(
            out,
            f"hexbin:{steps[0]}:{steps[1]}:{rule.parameters.min_units}",
            fingerprint(keyed_bits(found_x.set_ids, hex_bits)),
            found_x.size,
        )

        def label(values: tuple[Value, ...]) -> str:
            x, y = (float(v) if isinstance(v, int | float) else 0.0 for v in values[:2])
            cx2 = round(2 * x / float(steps[0]))
            return f"{cx2},{round(2 * y / (ROW_HEIGHT * float(steps[1])))}"

        registered = _registered_rows(out, answer, label)
        if registered is not None:
            shown = [row.values[2] for row in registered]
            asked[: len(shown)] = [int(c) if isinstance(c, int | float) else None for c in shown]
            out.charge("count", asked)
            return finish(out, registered, groups)
        hexes, index = np.unique(doubled, axis=0, return_inverse=True)
        cells = CellUnits.build(index.reshape(-1), data.units, len(hexes), context.keys)
        totals = cells.totals()
        sizes = noised_counts(out, totals.counts, totals.key_sums)
        big_enough = rule.apply(sizes)  # on perturbed counts, like every count check
        counts, reasons = published_counts(out, totals, [d.reason for d in big_enough])
        rows = []
        for h, (cx2, cy2) in enumerate(hexes.tolist()):
            if not counts[h]:
                continue
            x = float(Decimal(cx2) / 2 * steps[0])
            y = significant(cy2 / 2 * ROW_HEIGHT * float(steps[1]), 12)
            rows.append(ResultRow((f"{cx2},{cy2}",), (x, y, counts[h]), tuple(reasons[h])))
        drawn = [r.values[2] for r in rows]
        asked[: len(drawn)] = [int(c) if isinstance(c, int) else None for c in drawn]
        out.charge("count", asked)
        out.note("hexbin", rule.reason("hexbin"))
        return finish(out, answer.given(out, rows, whole=True), groups)


def _survival_curve(at_risk: list[int | None], events: list[int | None]) -> list[float | None]:
    """The product-limit estimate at the end of each step, from the published counts; from
    the first step with a count not published, none (it would show that count)."""
    survival: float | None = 1.0
    curve: list[float | None] = []
    for risk, happened in zip(at_risk, events, strict=True):
        if survival is not None and risk and happened is not None:
            survival *= max(0.0, 1.0 - min(happened, risk) / risk)
        else:
            survival = None
        curve.append(survival)
    return curve


def _registered_rows(
    out: ResultBuilder, answer: PairAnswer, label: Callable[[tuple[Value, ...]], str]
) -> list[ResultRow] | None:
    """A registered answer's rows under labels made from their own values (a registered
    curve or hexbin may have another number of rows than this request's own computation
    would), with its summary, notes and rules; None when the answer is to be given
    afresh."""
    found = answer.registered_answer
    if found is None:
        return None
    if found.whole is not None:
        out.replay(found.whole)
    return [ResultRow((label(values),), values, reasons) for values, reasons in found.rows]


def _edge(grid: BinGrid, value: Value) -> Decimal | None:
    """The grid edge a published start or end stands for (None: open)."""
    if not isinstance(value, int | float):
        return None
    for edge in grid.edges:
        if float(edge) == float(value):
            return edge
    return Decimal(repr(float(value)))


def control_survival(
    data: SurvivalData,
    context: ControlContext,
    *,
    max_steps: int | None = None,
    groups: Sequence[SetFingerprint] = (),
) -> ControlledResult:
    """A Kaplan–Meier curve in steps of at least 10 (perturbed) events each, on a fixed time
    grid, computed from perturbed counts at risk and of events.

    The curve is answered by its pairs (pair_sets.py): each unit's pair is its grid
    interval, signed by whether it had the event, which is all the curve depends on once
    the grid is fixed (the grid follows the times' smoothed range, itself answered by the
    times' pairs). A curve whose pairs are those of a registered curve, or a few pairs
    from them, is that curve again. Why: the steps' edges follow the perturbed counts of
    event sets, which no count snap answers, so two curves whose event variables differed
    in the target's value alone were the same curve iff the target had no event (red
    team: test_new_statistics, step edges)."""
    columns = ("start", "end", "at_risk", "events", "survival")
    with ResultBuilder(context, "survival", ("step",), columns, variables=1) as out:
        rule = out.rule(Survival)
        p = rule.parameters
        event_units = data.units[data.events]
        located = context.keys.locate(event_units)
        total = np.array([int(located.keys().record_keys.sum())], dtype=np.int64)
        events_size = noised_counts(out, np.array([len(event_units)]), total)[0]
        durations = ValueSet.of(out, context, data.units, data.durations)
        _, high = smoothed_span(out, durations)
        grid = make_grid(0.0, max(high, 0.0), min(max_steps or p.max_steps, p.max_steps))
        interval = grid.assign(data.durations)
        signed = np.where(data.events, interval + 1, -(interval + 1)).astype(np.float64)
        answer = PairAnswer.of(
            out,
            f"survival:{grid.edges[1] - grid.edges[0]}:{grid.bins}:{p.min_events}",
            pair_set(durations.set_ids, signed),
            durations.size,
        )

        def step_label(values: tuple[Value, ...]) -> str:
            return _interval_label(_edge(grid, values[0]), _edge(grid, values[1]))

        registered = _registered_rows(out, answer, step_label)
        if registered is not None:
            given = [row.values[3] for row in registered]
            out.charge("curve", [int(v) if isinstance(v, int | float) else None for v in given])
            return finish(out, registered, groups)
        if events_size < p.min_events:
            out.charge("curve", [events_size])
            raise out.refuse(Survival, "survival-events")
        per_interval = CellUnits.build(interval[data.events], event_units, grid.bins, context.keys)

        def perturbed(count: int, key_sum: int) -> int:
            return noised_counts(out, np.array([count]), np.array([key_sum]))[0]

        subject = IntervalEvents(per_interval.counts(), per_interval.key_sums(), perturbed)
        steps = [d.value for d in rule.apply(subject) if d.value is not None]
        out.charge("curve", [events_size] * max(len(steps), 1))
        if not steps:  # (the whole set's perturbed count reached the minimum: never)
            raise out.refuse(Survival, "survival-events")
        starts = [float(grid.edges[a]) for a, _ in steps]  # the grid starts at 0
        ends = [None if b == grid.bins else float(grid.edges[b]) for _, b in steps]
        # Two count cells per step: the units at risk at its start, and its events.
        index_parts, unit_parts = [], []
        for s, (a, b) in enumerate(steps):
            at_risk = data.durations >= starts[s]
            happened = data.events & (interval >= a) & (interval < b)
            index_parts += [
                np.full(int(at_risk.sum()), 2 * s),
                np.full(int(happened.sum()), 2 * s + 1),
            ]
            unit_parts += [data.units[at_risk], data.units[happened]]
        cells = CellUnits.build(
            np.concatenate(index_parts), np.concatenate(unit_parts), 2 * len(steps), context.keys
        )
        totals = cells.totals()
        counts, reasons = published_counts(out, totals)
        curve = _survival_curve(counts[0::2], counts[1::2])
        events_digest = digest(pair_keys(durations.set_ids, data.events.astype(np.float64)))
        guard = out.guard(
            measure(durations.digest + 3 * events_digest),
            f"survival:{grid.edges[1] - grid.edges[0]}",
            [durations.located.fingerprint()],
            compare_within=True,
        )[0]
        rows = []
        for s in range(len(steps)):
            point = curve[s]
            shown: Value = (
                None
                if guard.withheld or point is None
                else significant(point, p.significant_digits)
            )
            why = [*reasons[2 * s], *reasons[2 * s + 1], str(guard.reason or "survival")]
            first, stop = steps[s]
            label = _interval_label(
                grid.edges[first], None if stop == grid.bins else grid.edges[stop]
            )
            rows.append(
                ResultRow(
                    (label,),
                    (starts[s], ends[s], counts[2 * s], counts[2 * s + 1], shown),
                    tuple(dict.fromkeys(why)),
                )
            )
        return finish(out, answer.given(out, rows, whole=True), groups)
