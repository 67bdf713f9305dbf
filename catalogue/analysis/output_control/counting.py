"""What the entry points share about sets of units: their perturbed counts, their published
counts (noise, threshold and the differencing guard), and their value digests.

Every decision at release time about how many units a set holds is taken on its perturbed
count: the count a frequency table would publish for the set, from its own cell key
(OUTPUT_CONTROL.md §1.5). An exact count is never compared with a threshold where the
outcome shows (a refusal, a withheld value, a row left out, a charge)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .cell_key import KeySource, Located
from .fingerprint import SetFingerprint
from .ledger import COUNT_MEASURE
from .parameters import OutputControlParameters
from .release import ControlContext, ResultBuilder
from .result import ControlledResult, ResultRow, SummaryValue
from .rules.cell_key_noise import CellKeyNoise, CountsWithKeys
from .rules.differencing import Snapped
from .rules.magnitude_noise import MagnitudeNoise
from .rules.threshold import Threshold
from .unit_sets import CellTotals, CellUnits
from .value_keys import digest, measure, pair_keys

# The measure under which the groups of an aggregation are registered (what is published
# about them is the statistics computed from the aggregated variable).
GROUPS_MEASURE = measure(0, "groups")


def reaching_threshold(
    parameters: OutputControlParameters, group: np.ndarray, units: np.ndarray, keys: KeySource
) -> np.ndarray:
    """Per group (0 … max(group)) whether its perturbed count of distinct units reaches the
    threshold: the count a frequency table would publish for the group, from its own cell
    key. For decisions the engine takes before a table is made (which values found in the
    data are categories of their own, how many there are), so that they rest on perturbed
    counts only (OUTPUT_CONTROL.md §1.5). `units` are key positions, one per row."""
    group = np.asarray(group, dtype=np.int64)
    if not len(group):
        return np.zeros(0, dtype=bool)
    cells = CellUnits.build(group, units, int(group.max()) + 1, keys)
    noised = parameters.rule(CellKeyNoise).apply(CountsWithKeys(cells.counts(), cells.key_sums()))
    least = parameters.of(Threshold).min_count
    return np.array([int(d.value or 0) >= least for d in noised], dtype=bool)


def noised_counts(out: ResultBuilder, counts: np.ndarray, key_sums: np.ndarray) -> list[int]:
    """The perturbed count of each set, before the threshold."""
    noised = out.rule(CellKeyNoise).apply(CountsWithKeys(counts, key_sums))
    return [int(d.value or 0) for d in noised]


def published_counts(
    out: ResultBuilder,
    cells: CellTotals,
    withheld: Sequence[str | None] = (),
    *,
    structural: Sequence[bool] = (),
) -> tuple[list[int | None], list[list[str]]]:
    """Noise, threshold and the differencing guard over a set of count cells. `withheld`
    gives, per cell, the reason an earlier rule already withheld it (or None);
    `structural`, per cell, whether it is a structural zero (known to be empty without
    the data): those alone are published as 0, every other empty cell is withheld as a
    cell under the threshold is, with the same reason."""
    noised = out.rule(CellKeyNoise).apply(CountsWithKeys(cells.counts, cells.key_sums))
    checked = out.rule(Threshold).apply([d.value for d in noised])
    values = [d.value for d in checked]
    reasons = [[r for r in (n.reason, t.reason) if r] for n, t in zip(noised, checked, strict=True)]
    for i, empty in enumerate(structural):
        if empty:
            values[i], reasons[i] = 0, []
    for i, reason in enumerate(withheld):
        if reason:
            values[i] = None
            reasons[i].append(reason)
    # Only published non-zero counts are guarded (see rules/differencing.py).
    candidates = [i if v else None for i, v in enumerate(values)]
    guarded = out.guard(
        COUNT_MEASURE,
        "count",
        cells.fingerprints(candidates),
        compare_within=False,
        published=[float(v) if v else None for v in values],
    )
    for i, decision in enumerate(guarded):
        if isinstance(decision.value, Snapped):
            # A few units from a registered count: its count again (not an oracle).
            values[i] = round(decision.value.published)
        elif decision.withheld:
            values[i] = None
            reasons[i].append(str(decision.reason))
    return values, reasons


def publish_left_out(out: ResultBuilder, units: np.ndarray) -> None:
    """Says how many units a table left out (a missing value where it classifies or
    measures): their count is published as any count cell is, with its own key, the
    threshold and the differencing guard, and charged as one. An exact count here would
    tell the population minus the table's exact total."""
    cells = CellUnits.single(units, out.context.keys).totals()
    values, reasons = published_counts(out, cells)
    out.charge("count", noised_counts(out, cells.counts, cells.key_sums))
    out.summary.append(SummaryValue("left_out", values[0], tuple(reasons[0])))


@dataclass(frozen=True, eq=False)
class ValueSet:
    """One variable's distinct units and their values, with what output control needs of
    them: where their keys are, their perturbed count and their value digest."""

    located: Located
    values: np.ndarray
    set_ids: np.ndarray
    size: int  # perturbed: a count cell's (ResultBuilder.counted)
    digest: int
    fingerprint: SetFingerprint  # of the units

    @classmethod
    def of(
        cls, out: ResultBuilder, context: ControlContext, units: np.ndarray, values: np.ndarray
    ) -> ValueSet:
        located = context.keys.locate(units)
        keys = located.keys()
        total = np.array([int(keys.record_keys.sum())], dtype=np.int64)
        size = noised_counts(out, np.array([len(units)], dtype=np.int64), total)[0]
        units_fingerprint = located.fingerprint()
        size = out.counted([units_fingerprint], [size])[0]
        found = np.asarray(values, dtype=np.float64)
        return cls(
            located,
            found,
            keys.set_ids,
            size,
            digest(pair_keys(keys.set_ids, found)),
            units_fingerprint,
        )


def window_noise(
    noise: MagnitudeNoise, values: np.ndarray, set_ids: np.ndarray, stream: int = 0
) -> float:
    """The noise of the mean of a few units' values (a smoothed percentile or extreme): the
    noise of their total, keyed by their own (unit, value) pairs, over how many they are."""
    if len(values) == 0:
        return 0.0
    window_digest = digest(pair_keys(set_ids, values))
    return noise.of_values(values, window_digest, stream) / len(values)


def finish(
    out: ResultBuilder, rows: Sequence[ResultRow], groups: Sequence[SetFingerprint] = ()
) -> ControlledResult:
    """Registers the groups a variable made by aggregation was computed over (grouping.py)
    with the differencing guard, withholding every value of the result if one of them is
    a few units away from a registered set, then finishes the release."""
    if groups:
        # Each group's count is registered as a count cell's (ResultBuilder.counted): a
        # count over a group less the target, beside the group registered as a set of no
        # count, was withheld by the unit guard iff the target was dropped (red team:
        # test_snap_edges, 12/12); now it gets the group's count, as near count sets do.
        counted = [g for g in groups if g.key_sum is not None]
        if counted:
            out.counted(
                counted,
                noised_counts(
                    out,
                    np.array([g.size for g in counted], dtype=np.int64),
                    np.array([g.key_sum for g in counted], dtype=np.int64),
                ),
            )
        decisions = out.guard(GROUPS_MEASURE, "group", list(groups), compare_within=False)
        if any(d.withheld for d in decisions):
            rows = [
                ResultRow(row.labels, tuple(None for _ in row.values), ("differencing",))
                for row in rows
            ]
            out.summary[:] = [
                SummaryValue(value.name, None, ("differencing",)) for value in out.summary
            ]
    return out.finish(rows)
