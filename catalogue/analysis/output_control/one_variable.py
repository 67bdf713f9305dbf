"""The entry points for statistics of one variable: winsorised summaries, smoothed
percentiles, smoothed minimum and maximum, and the mode. Every value they publish is
perturbed as a magnitude (rules/magnitude_noise.py) and every check on a number of units
is on a perturbed count (counting.py)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from catalogue.domain.errors import invalid_input

from .counting import ValueSet, finish, noised_counts
from .dominated import undominated_caps, undominated_signed_caps
from .exposure import exposed_stream, window_exposure
from .fingerprint import SetFingerprint, fingerprint
from .influence import capped_by
from .inputs import UnitValues
from .pair_sets import PairAnswer, pair_set
from .parameters import OutputControlParameters
from .release import ControlContext, ResultBuilder
from .result import ControlledResult, ResultRow, Value
from .rule import Decision
from .rules.budget import Budget
from .rules.cell_key_noise import CellKeyNoise
from .rules.differencing import Novelty, Snapped
from .rules.dominance_nk import DominanceNK
from .rules.extreme_values import ExtremesSubject, ExtremeValues
from .rules.magnitude_noise import MagnitudeNoise
from .rules.magnitude_support import off_the_mode
from .rules.mode import Mode, ValueCounts
from .rules.smoothed_percentile import PercentileSubject, SmoothedPercentile, window
from .rules.winsorised_summary import (
    STATISTICS,
    SummarySubject,
    WinsorisedSummary,
    winsorise,
)
from .unit_sets import CellUnits
from .value_keys import digest, label_keys, measure, pair_keys


def sorted_values(found: ValueSet) -> tuple[np.ndarray, np.ndarray]:
    """Values ascending with their units' set ids; ties broken by set id, so the order (and
    so every smoothing window) does not depend on row order."""
    order = np.lexsort((found.set_ids, found.values))
    return found.values[order], found.set_ids[order]


def guarded_values(
    out: ResultBuilder, statistic: str, found: ValueSet, size: int, published: bool
) -> tuple[PairAnswer, Decision[Novelty | Snapped]]:
    """The answer of a statistic of one variable's values (its units' pairs, `size` of
    them) and the differencing guard's decision on its value set, compared within its own
    measure only (rules/differencing.py) and recorded where the answer is fresh;
    `published`: whether anything of it is shown (else the guard has no set to compare)."""
    answer = PairAnswer.of(out, statistic, pair_set(found.set_ids, found.values), size)
    guard = out.guard(
        measure(found.digest),
        statistic,
        [found.fingerprint if published else None],
        compare_within=True,
        record=[answer.fresh],
        across_measures=False,
    )[0]
    return answer, guard


def control_summary(
    data: UnitValues, context: ControlContext, *, groups: Sequence[SetFingerprint] = ()
) -> ControlledResult:
    """Mean, standard deviation and Gini of winsorised values, each perturbed."""
    with ResultBuilder(context, "summary", ("statistic",), ("value",)) as out:
        found = ValueSet.of(out, context, data.units, data.numbers())
        out.charge("magnitude", [found.size] * len(STATISTICS))
        noise = SummaryNoise(out, context, found.set_ids, found.digest)
        summary = out.rule(WinsorisedSummary).parameters
        decisions = out.rule(WinsorisedSummary).apply(
            SummarySubject(
                found.values,
                found.size,
                noise,
                spread_count(
                    out,
                    found,
                    winsorise(found.values, summary.lower_percentile, summary.upper_percentile),
                ),
            )
        )
        published = sum(not d.withheld for d in decisions)
        answer, guard = guarded_values(out, "summary", found, found.size, bool(published))
        rows = []
        for name, decision in zip(STATISTICS, decisions, strict=True):
            if guard.withheld and not decision.withheld:
                rows.append(ResultRow((name,), (None,), (str(guard.reason),)))
            else:
                reasons = (decision.reason,) if decision.reason else ()
                rows.append(ResultRow((name,), (decision.value,), reasons))
        noise.expose(out, _published(rows, answer))
        return finish(out, answer.given(out, rows), groups)


def spread_count(out: ResultBuilder, found: ValueSet, values: np.ndarray) -> int:
    """The perturbed count of `found`'s units whose value (`values`, in their order) is
    not the most common one: a spread is published only over enough of them, since a
    spread of nothing is exactly 0, and so is its capped noise (off the median, one unit
    moved it across a tie: rules/magnitude_support.off_the_mode)."""
    if not len(values):
        return 0
    off = off_the_mode(np.zeros(len(values), dtype=np.int64), values, 1)
    keys = found.located.keys().record_keys
    total = np.array([int(keys[off].sum())], dtype=np.int64)
    return noised_counts(out, np.array([int(off.sum())], dtype=np.int64), total)[0]


def centred_clip(
    parameters: OutputControlParameters, values: np.ndarray, set_ids: np.ndarray
) -> np.ndarray:
    """The values clipped to the caps of their deviations from the median, each side's a
    table cell's cap (MagnitudeNoise.signed_caps, read with the dominant ones at 0:
    dominated.py), so that no unit moves a mean by more than about a cap over n. Why: a
    unit far from the rest moved the mean, and with it every other unit's deviation, by
    more than its own capped term could hide (the moments of 100 known people at small
    values and the target at 1 if diagnosed)."""
    values = np.asarray(values, dtype=np.float64)
    if not len(values):
        return values
    centre = float(np.median(values))
    deviations = values - centre
    order = np.lexsort((set_ids, deviations))
    one = np.zeros(len(values), dtype=np.int64)
    upper, lower = undominated_signed_caps(parameters, one, deviations, set_ids, 1, order)
    return centre + np.clip(deviations, lower[0], upper[0])


def capped_total(
    parameters: OutputControlParameters,
    total: float,
    influences: np.ndarray,
    set_ids: np.ndarray,
    power: int = 1,
) -> tuple[float, float]:
    """(T − Σ sign(I)·max(|I| − c, 0), c): the total with every unit's influence capped at
    ±c, c the table cell's cap of the influences read with the dominant ones at 0
    (dominated.undominated_caps; 0 when there are none). `power`: the influences are k-th
    powers of deviations (a sum of squares, S3, S4), and the cap is read on their k-th
    root, the values' scale, and raised to the k-th power: read on the powers, twice the
    middle of a cell's 200 largest squares clipped an sd by 11 % and a wage's kurtosis from
    5.82 to 3.99."""
    influences = np.asarray(influences, dtype=np.float64)
    if not len(influences):
        return float(total), 0.0
    cell = np.zeros(len(influences), dtype=np.int64)
    roots = np.abs(influences) ** (1.0 / power)
    cap = float(undominated_caps(parameters, cell, roots, set_ids, 1)[0]) ** power
    return capped_by(total, influences, cap), cap


class SummaryNoise:
    """The released totals of a winsorised summary (Σx, the sum of squares, the Gini
    numerator: streams 0, 1, 2) in the capped form of a table cell (influence.py): each
    unit's influence on the total capped at the cap c of the influences (read without the
    dominant ones), and noise of a count's size at it, √V · c · v, keyed by the values'
    digest. Why: under the top-k noise a total of 1s had sd 0.57, a third of a count's, and
    summarize's mean of 15 known people at 1 and the target at 1 if diagnosed, times the
    units' perturbed count, read 13 of 16 diagnoses, error 0.63 (red team
    test_capped_paths).

    Under the exposure ledger, as a table's magnitude cells and the smoothed windows
    (exposure.py, rules/budget.py): a total whose top contributors are exposed gets its
    noise multiplied by the budget's factor (drawn afresh for each factor), and what a
    summary published afresh tells them is recorded. Why: summaries were never charged, and
    `correlate` with `covariance` releases one per variable of each pair over the pair's
    units: ten variables that are the target's wage for the target and 0 for 45 disjoint
    blocks of 11 known people gave 45 fresh draws of the wage per request, four requests
    180, the wage within 0.7 % with the attacker's standard error 4.7 % (red team
    test_new_numbers_a)."""

    def __init__(
        self, out: ResultBuilder, context: ControlContext, set_ids: np.ndarray, digest: int
    ) -> None:
        self.noise = out.rule(MagnitudeNoise)
        self.budget = out.rule(Budget)
        self.variance = out.rule(CellKeyNoise).parameters.variance
        self.parameters = context.parameters
        self.ledger = context.ledger
        self.set_ids, self.digest = set_ids, digest
        self.told: list[dict[str, float]] = []

    def __call__(self, total: float, influences: np.ndarray, stream: int, power: int = 1) -> float:
        """The released total: `total` with each unit's influence (`influences`, in the
        units' order of `set_ids`; k-th powers of deviations for `power` k) capped, plus
        the capped noise."""
        base, cap = capped_total(self.parameters, total, influences, self.set_ids, power)
        if not self.noise.parameters.enabled or not len(influences):
            return base
        clipped = np.clip(influences, -cap, cap)
        scale = float(np.sqrt(self.variance)) * cap
        factor, told = window_exposure(
            self.budget, self.ledger, clipped, self.set_ids, self.noise.multipliers(), scale
        )
        self.told.append(told)
        if factor != 1.0:  # a fresh draw per factor and total, never the same draw scaled
            stream = exposed_stream(factor) + (stream << 36)
        keyed = np.array([self.digest % (1 << 64)], dtype=np.uint64)
        drawn = self.noise.capped_noise(
            np.array([cap * factor]), keyed, self.variance, None, stream
        )
        return base + float(drawn[0])

    def expose(self, out: ResultBuilder, published: Sequence[bool]) -> None:
        """Records what the totals told their top contributors, when the summary publishes
        anything afresh."""
        if not any(published):
            return
        amounts: dict[str, float] = {}
        for told in self.told:
            for name, amount in told.items():
                amounts[name] = amounts.get(name, 0.0) + amount
        out.expose(amounts)


class WindowNoise:
    """The noise of smoothed windows' means under the exposure ledger, as a table's
    magnitude cells have it (exposure.py, rules/budget.py): a window whose top
    contributors are exposed gets its noise multiplied by the budget's factor (drawn
    afresh for each factor), and what a window published afresh tells them is recorded.
    Without it, a padded target's smoothed maximum could be asked under as many paddings
    as budgets allow, each a fresh draw, and averaged (red team:
    test_box_plot_whiskers_averaged_over_paddings).

    The values are clipped to the variable's caps (`clipped`: rules/magnitude_noise.py
    `signed_caps`, each side's the table cell's cap, read without the dominant values:
    dominated.py) and a window's noise is a count's at
    its reach, how far one unit moves its sum (`window_reach`), keyed by its (unit, value)
    pairs. Why: the noise of the window's own top values was set by a target at the top,
    and a smoothed maximum dominated by it was withheld: summarize of 100 known people at
    p and the target at 1 if diagnosed read 8 of 8 diagnoses (red team
    test_capped_paths)."""

    def __init__(
        self, out: ResultBuilder, context: ControlContext, values: np.ndarray, ids: np.ndarray
    ) -> None:
        self.noise = out.rule(MagnitudeNoise)
        self.budget = out.rule(Budget)
        self.variance = out.rule(CellKeyNoise).parameters.variance
        self.ledger = context.ledger
        self.values, self.ids = values, ids
        # The caps are read without the values that dominate the variable (dominated.py,
        # the function a table's cells are answered by) and clip them too: a value far
        # above the rest set the cap by its own term y / 2²⁴, and the smoothed maximum's
        # window so clipped was withheld for dominance iff the target was in it (8 of 8
        # diagnoses, red team test_second_opinion).
        self.upper, self.lower = undominated_signed_caps(
            context.parameters,
            np.zeros(len(values), np.int64),
            values,
            ids,
            1,
            np.arange(len(values)),
        )
        self.clipped = np.clip(values, self.lower[0], self.upper[0]) if len(values) else values
        self.told: dict[tuple[int, int], dict[str, float]] = {}

    def _noise(self, start: int, stop: int, stream: int) -> float:
        values = self.clipped[start:stop]
        reach = self.noise.window_reach(
            self.clipped,
            np.zeros(1, np.int64),
            np.array([len(self.clipped)], dtype=np.int64),
            np.array([start], dtype=np.int64),
            np.array([stop - start], dtype=np.int64),
            self.upper,
            self.lower,
        )
        keyed = np.array(
            [digest(pair_keys(self.ids[start:stop], self.values[start:stop]))], dtype=np.uint64
        )
        drawn = self.noise.capped_noise(reach, keyed, self.variance, None, stream)
        return float(drawn[0]) / len(values)

    def __call__(self, start: int, stop: int) -> float:
        values, ids = self.clipped[start:stop], self.ids[start:stop]
        if not self.noise.parameters.enabled or not len(values):
            return 0.0
        factor, told = window_exposure(
            self.budget, self.ledger, values, ids, self.noise.multipliers()
        )
        self.told[(start, stop)] = told
        return factor * self._noise(start, stop, exposed_stream(factor))

    def expose(self, out: ResultBuilder, published: Sequence[tuple[int, int]]) -> None:
        """Records what the windows published afresh told their top contributors (each
        window once, however many of its values were asked)."""
        amounts: dict[str, float] = {}
        for found in dict.fromkeys(published):
            for name, told in self.told.get(found, {}).items():
                amounts[name] = amounts.get(name, 0.0) + told
        out.expose(amounts)


def _published(rows: Sequence[ResultRow], answer: PairAnswer) -> list[bool]:
    """Per row whether it publishes a value of its own (afresh, not a registered answer)."""
    return [answer.fresh and row.values[0] is not None for row in rows]


def _guarded_windows(
    out: ResultBuilder,
    digest_measure: str,
    names: Sequence[str],
    decisions: Sequence[tuple[Value, str | None]],
    windows: Sequence[np.ndarray | None],
    answer: PairAnswer,
) -> list[ResultRow]:
    """Rows for smoothed values (percentiles, min, max): each depends only on its window's
    units, so the window is what the differencing guard compares; the whole is answered
    by the variable's pairs (`answer`)."""
    guarded = out.guard(
        digest_measure,
        "smoothed-mean",
        [None if w is None else fingerprint(w) for w in windows],
        compare_within=True,
        record=[answer.fresh] * len(windows),
        across_measures=False,
    )
    rows = []
    for name, (value, reason), guard in zip(names, decisions, guarded, strict=True):
        if guard.withheld:
            rows.append(ResultRow((name,), (None,), (str(guard.reason),)))
        else:
            rows.append(ResultRow((name,), (value,), (reason,) if reason else ()))
    return answer.given(out, rows)


def control_percentiles(
    data: UnitValues,
    context: ControlContext,
    quantiles: Sequence[float] = (0.25, 0.5, 0.75),
    *,
    groups: Sequence[SetFingerprint] = (),
) -> ControlledResult:
    """Smoothed percentiles for quantiles strictly between 0 and 1 (min and max have their
    own rule)."""
    asked = tuple(sorted({float(q) for q in quantiles}))
    if not asked or any(not 0 < q < 1 for q in asked):
        raise invalid_input("percentile-quantiles", given=[float(q) for q in quantiles])
    with ResultBuilder(context, "percentiles", ("quantile",), ("value",)) as out:
        rule = out.rule(SmoothedPercentile)
        found = ValueSet.of(out, context, data.units, data.numbers())
        out.charge("smoothed", [found.size] * len(asked))
        values, ids = sorted_values(found)
        noise = WindowNoise(out, context, values, ids)
        decisions = rule.apply(PercentileSubject(noise.clipped, asked, found.size, noise))
        width = rule.width(len(values))
        statistic = "percentiles:" + ",".join(f"{q:g}" for q in asked)
        answer = PairAnswer.of(out, statistic, pair_set(ids, values), found.size)
        windows = [
            None if d.withheld else ids[slice(*window(len(values), q, width))]
            for q, d in zip(asked, decisions, strict=True)
        ]
        rows = _guarded_windows(
            out,
            measure(found.digest),
            [f"{q:g}" for q in asked],
            [(d.value, d.reason) for d in decisions],
            windows,
            answer,
        )
        spans = [window(len(values), q, width) for q in asked]
        noise.expose(
            out, [w for w, shown in zip(spans, _published(rows, answer), strict=True) if shown]
        )
        return finish(out, rows, groups)


def control_min_max(
    data: UnitValues, context: ControlContext, *, groups: Sequence[SetFingerprint] = ()
) -> ControlledResult:
    """Minimum and maximum as means of the most extreme units, perturbed."""
    with ResultBuilder(context, "min-max", ("statistic",), ("value",)) as out:
        rule = out.rule(ExtremeValues)
        found = ValueSet.of(out, context, data.units, data.numbers())
        out.charge("smoothed", [found.size] * 2)
        values, ids = sorted_values(found)
        noise = WindowNoise(out, context, values, ids)
        decisions = list(rule.apply(ExtremesSubject(noise.clipped, found.size, noise)))
        extremes = rule.windows(len(values))
        outcome: list[tuple[Value, str | None]] = [(d.value, d.reason) for d in decisions]
        windows: list[np.ndarray | None] = [None, None]
        if not decisions[0].withheld:
            dominance = out.rule(DominanceNK).apply([noise.clipped[s] for s in extremes])
            for i, check in enumerate(dominance):
                if check.withheld:
                    outcome[i] = (None, check.reason)
                else:
                    windows[i] = ids[extremes[i]]
        answer = PairAnswer.of(out, "min-max", pair_set(ids, values), found.size)
        rows = _guarded_windows(
            out, measure(found.digest), ["min", "max"], outcome, windows, answer
        )
        spans = [(part.start, part.stop) for part in extremes]
        noise.expose(
            out, [w for w, shown in zip(spans, _published(rows, answer), strict=True) if shown]
        )
        return finish(out, rows, groups)


def control_mode(
    data: UnitValues, context: ControlContext, *, groups: Sequence[SetFingerprint] = ()
) -> ControlledResult:
    """The most common value (by perturbed counts), if held by enough units (perturbed)."""
    with ResultBuilder(context, "mode", ("statistic",), ("value",)) as out:
        distinct, index = np.unique(data.values, return_inverse=True)
        cells = CellUnits.build(index.reshape(-1), data.units, len(distinct), context.keys)
        held = noised_counts(out, cells.counts(), cells.key_sums())
        decision = out.rule(Mode).apply(ValueCounts(distinct, np.array(held, dtype=np.int64)))[0]
        out.charge("count", [max(held, default=0)])
        located = context.keys.locate(data.units)
        keys = located.keys()
        pairs = label_keys(keys.set_ids, data.values)
        # Answered by its (unit, value) pairs, as other statistics of values are: which
        # value has the larger perturbed count flipped for a fresh draw when one unit's
        # value moved, and a flip told that it had (pair_sets.py).
        size = noised_counts(
            out,
            np.array([len(data.units)], dtype=np.int64),
            np.array([int(keys.record_keys.sum())], dtype=np.int64),
        )[0]
        answer = PairAnswer.of(out, "mode", fingerprint(pairs), size)
        guard = out.guard(
            measure(digest(pairs)),
            "mode",
            [None if decision.withheld else located.fingerprint()],
            compare_within=True,
            record=[answer.fresh],
            across_measures=False,
        )[0]
        if guard.withheld:
            row = ResultRow(("mode",), (None,), (str(guard.reason),))
        else:
            reasons = (decision.reason,) if decision.reason else ()
            row = ResultRow(("mode",), (decision.value,), reasons)
        return finish(out, answer.given(out, [row]), groups)
