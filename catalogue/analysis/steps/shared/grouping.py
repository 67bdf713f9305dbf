"""collapse and aggregate by a variable.

- collapse: one row per group; the group becomes the workspace's unit. Grouping by a UNIT
  variable (a person's mother) makes the workspace one of those units (mothers, with their
  own pseudonyms, so more of their variables can be imported). Grouping by any other
  variable (a municipality code) makes a workspace of groups; each group's internal
  identifier is a hash of the variable's origin and the value, so the same group always
  has the same identifier (and output control the same noise for it).
- aggregate: every row gets its group's statistic; the unit stays what it was.

A group statistic is a per-unit value that a later table repeats over every unit of the
group, so it is made here as its published version would be (OUTPUT_CONTROL.md §2,
collapse/aggregate):
- count: the group's rows with a value as a perturbed count of its units (cell key noise),
  missing under the threshold;
- every other statistic is missing for a group whose count (as `count` gives it: its
  units' perturbed count) is under the threshold, never decided on the exact number of
  units, and otherwise perturbed as a magnitude right here, by the keys of
  the group's units and values (rules/magnitude_noise.py), capped as a table cell is:
  every total is Σ clip(y, −c, c) with a count's noise at the group's cap c (`_capped`),
  every smoothed window a mean of values clipped to the group's caps with a count's noise
  at its reach (`MagnitudeNoise.window_reach`); sum and mean (the noise of the
  group's total; the mean, sd and Gini divide by the group's count as `count` gives it,
  never by the exact number of rows, so that sum over mean is no exact count), sd (of its
  sum of squares), and min, max and median as their smoothed
  versions, the mean of the 10 lowest, highest or nearest the middle, perturbed as such a
  mean is (p25 and p75 likewise, the window nearest the quartile's rank); gini, of a
  group whose values are all ≥ 0, is (Σ(2i − n − 1)·x_(i) + noise)/(n·(Σx + noise)), its
  numerator and total each perturbed as a magnitude by its own contributions (the
  winsorised summary's Gini, OUTPUT_CONTROL.md §3 `winsorised-summary`, without the
  winsorising: a group's other statistics are not winsorised either), missing for a group
  with a negative value; percent is 100 · the group's count (as count gives it) over the
  count of every group's rows with a value (as count over one group of them all gives
  it). A table that repeats a group's value over its thousands of units, and so
  amplifies it, then shows no more of the group's units than a published statistic of the
  group would: changing one unit's value gives the group new noise, not a difference of
  exactly that value;
- what each sum, mean, sd or smoothed extreme computed afresh tells its units (x/σ)² is
  charged to their exposure, and one that tells a unit past its allowance gets its noise
  widened, without cap (output_control/group_values.py says why): many group statistics
  of one target, averaged into one variable, stop telling;
- each new variable carries an id of its own statistic (and its source's): a release of
  anything computed from it pays the input fee for each group statistic it carries, as
  for a derived variable it names (group_values.py says why: 140 group counts averaged in
  one variable were 140 derivations behind one input);
- the groups of at least 10 units are kept with the new variables, as fingerprints of
  their unit sets as they were when aggregated (State.groups): every release of anything
  computed from such a variable registers them with the differencing guard, so the same
  group aggregated again without one unit is a set 1 unit away from a registered one.

min, max and median need numbers or dates (a date's smoothed value is the mean day). Which
statistics a group gets depends only on its size, and nothing here refuses or warns
because of what the data hold."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from catalogue.domain.errors import invalid_input

from ... import db
from ...output_control import PositionKeys
from ...output_control.dominated import undominated_caps, undominated_signed_caps
from ...output_control.exposure import informed_pairs, unit_names
from ...output_control.fingerprint import FingerprintTable
from ...output_control.group_values import (
    STATISTIC_MARK,
    GroupValues,
    Told,
    count_sets,
    registered_groups,
    statistic_id,
)
from ...output_control.ledger import ReleasedSet
from ...output_control.magnitudes import capped_sums
from ...output_control.rules.budget import Budget
from ...output_control.rules.cell_key_noise import CellKeyNoise, CountsWithKeys
from ...output_control.rules.differencing import Differencing
from ...output_control.rules.extreme_values import ExtremeValues
from ...output_control.rules.magnitude_noise import MagnitudeNoise
from ...output_control.rules.magnitude_support import MagnitudeSupport, off_the_mode
from ...output_control.rules.threshold import Threshold
from ...output_control.unit_sets import CellUnits
from ...output_control.value_keys import pair_keys
from ...state import State, StepContext
from ...variables import PROTECT_COLUMN, UNIT_COLUMN, Kind, Schema, Variable
from .linking import PERSON, person_link

if TYPE_CHECKING:  # the verb module imports this one
    from ..group import Group, GroupStatistic

NUMERIC = (Kind.NUMBER, Kind.BOOL)
SMOOTHED = ("min", "max", "median", "p25", "p75")
QUANTILE = {"median": 0.5, "p25": 0.25, "p75": 0.75}
EPOCH = "DATE '1970-01-01'"
GROUP_VALUES = "regcat_group_values"
GROUP_RESULTS = "regcat_group_results"


def _result_kind(statistic: GroupStatistic, source: Variable) -> Kind:
    if statistic.statistic in ("count", "percent"):
        return Kind.NUMBER
    if source.kind == Kind.UNIT:
        raise invalid_input(
            "identifier-variable",
            f"«{source.name}» holder enhetsidentifikatorer; av dem kan bare count beregnes.",
            f"'{source.name}' holds unit identifiers; only count can be computed from them.",
            name=source.name,
        )
    if statistic.statistic in SMOOTHED and source.kind == Kind.DATE:
        return Kind.DATE
    if source.kind not in NUMERIC:
        raise invalid_input(
            "group-statistic-needs-number",
            f"{statistic.statistic} krever tall (eller datoer for min, max og median), men "
            f"«{source.name}» er {source.kind.value}.",
            f"{statistic.statistic} needs numbers (or dates for min, max and median), but "
            f"'{source.name}' is {source.kind.value}.",
            name=source.name,
        )
    return Kind.NUMBER


def apply_group(ctx: StepContext, state: State, step: Group) -> State:
    table = state.require_population()
    by = state.schema.get(step.by)
    planned = []
    seen: set[str] = set()
    for statistic in step.statistics:
        source = state.schema.get(statistic.variable)
        kind = _result_kind(statistic, source)
        if (
            statistic.name.lower() in seen
            or (not step.collapse and statistic.name in state.schema)
            or (
                step.collapse and by.kind != Kind.UNIT and statistic.name.lower() == by.name.lower()
            )
        ):
            raise invalid_input(
                "variable-exists",
                f"Navnet «{statistic.name}» er allerede i bruk.",
                f"The name '{statistic.name}' is already in use.",
                name=statistic.name,
            )
        seen.add(statistic.name.lower())
        planned.append((statistic, source, kind))
    if ctx.locate_units is None:
        raise RuntimeError("group statistics need the workspace's key store")
    groups = _group_values(ctx, table, by)
    with db.registered(ctx.con, {GROUP_VALUES: groups}):
        computed = _compute(ctx, state, table, by, planned, groups.num_rows)
        with db.registered(ctx.con, {GROUP_RESULTS: computed.results}):
            if step.collapse:
                return _collapse(ctx, state, table, by, planned, computed)
            return _aggregate(ctx, state, table, by, planned, computed)


def _group_values(ctx: StepContext, table: str, by: Variable) -> pa.Table:
    """Each distinct value of `by` with its group's number."""
    values = db.arrow(
        ctx.con,
        f'SELECT DISTINCT w."{by.column}" AS value FROM "{table}" AS w '
        f'WHERE w."{by.column}" IS NOT NULL',
    )
    return values.append_column("gid", pa.array(np.arange(values.num_rows), pa.int64()))


def _number_sql(source: Variable) -> str:
    column = f'w."{source.column}"'
    if source.kind == Kind.DATE:
        return f"CAST(date_diff('day', {EPOCH}, {column}) AS DOUBLE)"
    return f"CAST({column} AS DOUBLE)"


@dataclass(frozen=True)
class Computed:
    results: pa.Table  # gid and one column per statistic (r0, r1, ...), numbers
    groups_id: str
    fingerprints: FingerprintTable  # of the groups of at least the minimum size
    values: tuple[ReleasedSet, ...]  # the group statistics given afresh (GroupValues)


def _compute(
    ctx: StepContext,
    state: State,
    table: str,
    by: Variable,
    planned: list[Any],
    n_groups: int,
) -> Computed:
    names = list(dict.fromkeys(source.name for _, source, _ in planned))
    sources = [state.schema.get(name) for name in names]
    selects = [
        f"{_number_sql(s) if s.kind in (*NUMERIC, Kind.DATE) else 'NULL'} AS v{i}, "
        f'w."{s.column}" IS NOT NULL AS p{i}'
        for i, s in enumerate(sources)
    ]
    rows = db.arrays(
        ctx.con,
        f'SELECT w."{PROTECT_COLUMN}" AS p, g.gid AS gid, {", ".join(selects)} '
        f'FROM "{table}" AS w JOIN {GROUP_VALUES} AS g ON g.value = w."{by.column}"',
    )
    assert ctx.locate_units is not None
    keys, units = ctx.locate_units(np.asarray(rows["p"], dtype=np.int64))
    gid = np.asarray(rows["gid"], dtype=np.int64)
    members = CellUnits.build(gid, units, n_groups, keys)
    # Kept for the guard by the group's perturbed count, never its exact size (group_values).
    large = registered_groups(
        ctx.parameters.rule(CellKeyNoise), members, ctx.parameters.of(Threshold).min_count
    )
    columns: dict[str, Any] = {"gid": pa.array(np.arange(n_groups), pa.int64())}
    # What a group statistic's noise tells its units is charged to their exposure, and past
    # the allowance its noise is widened, as a table cell's (group_values.py); with no
    # magnitude noise there is nothing to widen.
    noise = ctx.parameters.rule(MagnitudeNoise)
    budget = ctx.parameters.rule(Budget) if noise.parameters.enabled else None
    given = GroupValues(
        ctx.parameters.rule(Differencing), state.group_values, ctx.shared_values, budget
    )
    group_stats = _GroupStatistics(ctx, keys, gid, units, n_groups, large, given)
    with given.together():  # the step's group statistics in one ledger transaction
        for k, (statistic, source, _) in enumerate(planned):
            i = names.index(source.name)
            present = np.asarray(rows[f"p{i}"], dtype=bool)
            if statistic.statistic == "count":
                columns[f"r{k}"] = pa.array(group_stats.count(present), from_pandas=True)
                continue
            if statistic.statistic == "percent":
                columns[f"r{k}"] = pa.array(group_stats.percent(present), from_pandas=True)
                continue
            values = np.ma.filled(np.ma.asarray(rows[f"v{i}"], dtype=np.float64), np.nan)
            found = group_stats.of(statistic.statistic, values)
            columns[f"r{k}"] = pa.array(found, from_pandas=True)
    table_fp = members.fingerprint_table()
    chosen = np.flatnonzero(large)
    fingerprints = FingerprintTable(
        table_fp.sizes[chosen],
        table_fp.counts[chosen],
        table_fp.id_xor[chosen],
        table_fp.check_xor[chosen],
        members.key_sums()[chosen],
    )
    groups_id = f"groups-{len(state.groups) + 1}-{by.column}"
    return Computed(pa.table(columns), groups_id, fingerprints, tuple(given.added))


class _GroupStatistics:
    """Perturbed group statistics from (group, unit, value) rows: NaN for a group below the
    minimum size or without values."""

    def __init__(
        self,
        ctx: StepContext,
        keys: PositionKeys,
        gid: np.ndarray,
        units: np.ndarray,
        n_groups: int,
        large: np.ndarray,
        given: GroupValues,
    ) -> None:
        self.parameters = ctx.parameters
        self.noise = ctx.parameters.rule(MagnitudeNoise)
        self.counts = ctx.parameters.rule(CellKeyNoise)
        self.least = ctx.parameters.of(Threshold).min_count
        self.support = ctx.parameters.rule(MagnitudeSupport)
        self.width = ctx.parameters.of(ExtremeValues).units
        self.keys, self.gid, self.units, self.n, self.large = keys, gid, units, n_groups, large
        self.given = given
        self.budget = given.budget
        # `count`'s answers per mask of rows with a value, for the step's later statistics.
        self._counted: dict[bytes, np.ndarray] = {}

    def _perturbed_units(self, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per group, the distinct units of the chosen rows: exactly, and perturbed by the
        cell key method from their own keys (the count a frequency table would publish)."""
        cells = CellUnits.build(self.gid[chosen], self.units[chosen], self.n, self.keys)
        exact = cells.counts()
        noised = self.counts.apply(CountsWithKeys(exact, cells.key_sums()))
        return exact, np.array([int(d.value or 0) for d in noised], dtype=np.int64)

    def count(self, present: np.ndarray) -> np.ndarray:
        """Each group's rows with a value, perturbed as a count cell of the units holding
        them: the units' own cell key noise is added to the row count, and a count under
        the threshold (0 included) is missing, as such a cell is withheld.

        Asked again in the same step for the same rows (a mean, sd or Gini divides by the
        count of its variable's rows with a value, and many variables are present on the
        same rows), it is the answer given the first time: a second look-up would find the
        first one's sets registered, at no distance, and give their values, so it is not
        made (an attack's step of 840 sums of variables present on everyone's rows counted
        the same rows 840 times)."""
        mask = np.asarray(present, dtype=bool)
        key = np.packbits(mask).tobytes() + len(mask).to_bytes(8, "little")
        if key not in self._counted:
            self._counted[key] = self._given_counts(self.gid, mask, self.n)
        return self._counted[key].copy()

    def _given_counts(self, gid: np.ndarray, present: np.ndarray, n: int) -> np.ndarray:
        """Per group of `gid` (n groups) its rows with a value as `count` gives them: the
        perturbed count of its units (missing under the threshold), or the count given
        before to a set a few units away (group_values.py), plus the rows beyond one per
        unit."""
        rows = np.bincount(gid[present], minlength=n).astype(np.float64)
        cells = CellUnits.build(gid[present], self.units[present], n, self.keys)
        exact = cells.counts()
        noised = np.array(
            [int(d.value or 0) for d in self.counts.apply(CountsWithKeys(exact, cells.key_sums()))],
            dtype=np.int64,
        )
        # Judged on the perturbed count alone, never on the exact number of units: a group
        # of 9 known people and the target if diagnosed had a quartile iff diagnosed (red
        # team test_new_numbers_a, 8 of 8).
        keep = noised >= self.least
        # The units' perturbed count is what is registered or given (group_values.py);
        # the rows beyond one per unit are added to it.
        given = self.given.given("count", np.where(keep, noised, np.nan), count_sets(cells))
        return given + (rows - exact)

    def percent(self, present: np.ndarray) -> np.ndarray:
        """Each group's share of the rows with a value, in percent: its count as `count`
        gives it (perturbed, missing under the threshold) over the count of every group's
        rows with a value as `count` by one group of them all would give it (the perturbed
        count of all their units, or the count given before to a set a few units away,
        plus the rows beyond one per unit): a function of two counts as `count` gives
        them, never of an exact one. Why the total is given too: a fresh total over the
        group less one unit, beside the registered count of the group, was 100 iff the
        unit was not left out (red team test_new_numbers_a, 8 of 8 diagnoses)."""
        counts = self.count(present)
        everyone = np.zeros(len(self.gid), dtype=np.int64)
        total = float(self._given_counts(everyone, present, 1)[0])
        with np.errstate(invalid="ignore", divide="ignore"):
            return 100.0 * counts / total if total > 0 else np.full(self.n, np.nan)

    def supported(self, contributions: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Per group whether enough units contribute a non-zero value (magnitude-support,
        on their perturbed count): a total of nothing but 0s is exactly 0, which no noise
        scaled by the contributions hides."""
        nonzero = valid.copy()
        nonzero[valid] = contributions != 0
        _, noised = self._perturbed_units(nonzero)
        return np.array([self.support.supported(int(c)) for c in noised], dtype=bool)

    def of(self, statistic: str, values: np.ndarray) -> np.ndarray:
        valid = np.isfinite(values)
        gid, units, x = self.gid[valid], self.units[valid], values[valid]
        rows = np.bincount(gid, minlength=self.n).astype(np.float64)
        out = np.full(self.n, np.nan)
        supported = rows > 0
        told = Told.nothing()
        # A mean, sd or Gini divides by the group's rows with a value as `count` gives them
        # (perturbed, or given before to a near set), never by the exact number: sum over
        # mean was the group's exact row count (red team test_new_numbers_a, 8 of 8
        # diagnoses from a group of 25 known people and the target if diagnosed).
        counted = self.count(valid)
        if statistic in SMOOTHED:
            out, told = self._smoothed(statistic, gid, units, x, rows, np.isfinite(counted))
        elif statistic == "gini":
            supported = self.supported(x, valid)
            out, told = self._gini(gid, units, x, rows, counted)
        else:
            contributions = support = x
            if statistic == "sd":  # its total is of the squared deviations
                clipped = self._centred_clip(gid, units, x, rows)
                exact = np.bincount(gid, weights=clipped, minlength=self.n) / np.maximum(rows, 1)
                contributions = (clipped - exact[gid]) ** 2
                # Its support: the units off the group's most common value, as a
                # summary's sd (`winsorised-summary-spread`), neither its mean (one unit
                # off the rest puts every unit off it) nor its median (one unit moves it
                # across a tie): magnitude_support.off_the_mode says why.
                support = off_the_mode(gid, x, self.n).astype(np.float64)
            supported = self.supported(support, valid)
            # The noise of sum and mean is their total's; sd's, its sum of squares about
            # the exact mean's (stream 1): each capped as a table cell's (_capped).
            cells, base, caps, digests = self._capped(gid, units, contributions)
            stream = 1 if statistic == "sd" else 0

            def finish(total: np.ndarray, groups: np.ndarray | slice) -> np.ndarray:
                with np.errstate(invalid="ignore", divide="ignore"):
                    if statistic == "sum":
                        return total
                    if statistic == "mean":
                        return total / counted[groups]
                    return np.sqrt(np.maximum(total, 0.0) / (counted[groups] - 1))

            out = finish(base + self._noise(caps, digests, stream), slice(None))
            widened = self._widening(finish, base, caps, digests, stream)
            told = self._told(cells, caps, widened)
        # Whether a group has a value is decided on its perturbed count (and, but for the
        # smoothed windows, on the perturbed count of its non-zero contributors).
        keep = np.isfinite(counted) & (rows > 0 if statistic in SMOOTHED else supported)
        values = np.where(keep & np.isfinite(out), out, np.nan)
        pairs = CellUnits.build(gid, units, self.n, self.keys, x).pair_fingerprint_table()
        return self.given.given(statistic, values, pairs, told)

    def _centred_clip(
        self, gid: np.ndarray, units: np.ndarray, x: np.ndarray, rows: np.ndarray
    ) -> np.ndarray:
        """Each group's values clipped to the caps of their deviations from its median
        (each side a table cell's cap, read with the dominant ones at 0), as a summary's
        (one_variable.centred_clip): no unit then moves the group's mean, and with it
        every other unit's deviation, by more than about a cap over n. Why: 100 known
        people at p-4p and the target at 1 if diagnosed moved the mean by 1/101 and every
        known person's squared deviation a hundredfold, beyond its own capped term: the
        sd read 9-10 p or 1.1 p, 16 of 16 (red team test_spreads_and_reach)."""
        centre = _medians(gid, x, rows)[gid]
        deviations = x - centre
        set_ids = self.keys.keys(units).set_ids
        order = np.lexsort((set_ids, deviations, gid))
        upper, lower = undominated_signed_caps(
            self.parameters, gid, deviations, set_ids, self.n, order
        )
        return centre + np.clip(deviations, lower[gid], upper[gid])

    def _capped(
        self, gid: np.ndarray, units: np.ndarray, contributions: np.ndarray
    ) -> tuple[CellUnits, np.ndarray, np.ndarray, np.ndarray]:
        """Per group its (unit, contribution) pairs clipped at ±c, Σ clip(y, −c, c), its
        cap c and its value digest (of the exact pairs): a table cell's capped total
        (rules/magnitude_noise.py `caps`, magnitudes.capped_sums), whose noise is a
        count's at the cap (`_noise`). Why: a group's noise scaled by its own top
        contributions was set by a target at the top (100 known people at p and the target
        at 1 if diagnosed: sd 1.98 or 0.002 p; red team test_capped_paths)."""
        rule = self.noise.parameters
        cells = CellUnits.build(gid, units, self.n, self.keys, contributions)
        magnitudes = cells.magnitudes(rule.top_k)  # for the digests: the cap reads its own
        assert magnitudes.digests is not None
        # The cap is read without the values that dominate the group (dominated.py, the
        # function a table's cells are answered by), and clips them too: a value far above
        # its group set the cap through its own term y / 2²⁴ and showed (a group of 1,600
        # at p and the target at 10¹⁴ if diagnosed: 16 of 16; red team test_second_opinion).
        caps = undominated_caps(
            self.parameters, cells.cell, cells.values, cells.keys.set_ids[cells.unit], self.n
        )
        base = capped_sums(cells.cell, cells.values, cells.sums(), caps)
        bound = caps[cells.cell]
        clipped = replace(cells, values=np.clip(cells.values, -bound, bound))
        return clipped, base, caps, magnitudes.digests

    def _noise(self, scales: np.ndarray, digests: np.ndarray, stream: int = 0) -> np.ndarray:
        """Per group √V · scale · v: a count's noise at the cap (or at a window's reach)."""
        return self.noise.capped_noise(
            scales, digests, self.counts.parameters.variance, stream=stream
        )

    def _widening(
        self,
        finish: Callable[[np.ndarray, np.ndarray], np.ndarray],
        base: np.ndarray,
        caps: np.ndarray,
        digests: np.ndarray,
        stream: int,
    ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """The `widened` of `_told` for a statistic whose value is `finish`(its exact
        `base` plus noise) on noise `stream`: the groups' values again with each group's
        noise scale times its factor, drawn on the stream of that factor (`_exposed`)."""

        def widened(groups: np.ndarray, factors: np.ndarray) -> np.ndarray:
            found = np.empty(len(groups))
            for factor in np.unique(factors).tolist():
                at = np.flatnonzero(factors == factor)
                g = groups[at]
                noise = self._noise(caps[g] * factor, digests[g], _exposed(factor, stream))
                found[at] = finish(base[g] + noise, g)
            return found

        return widened

    def _told(
        self,
        cells: CellUnits,
        caps: np.ndarray,
        widened: Callable[[np.ndarray, np.ndarray], np.ndarray],
    ) -> Told:
        """What each group's total tells its units (exposure.py: (x/σ)² for every unit
        told at least the floor, whatever its rank, at most `exposure_units` per group),
        as a table cell's total would: x its contribution clipped at the cap, σ² = V·c²,
        so at most 1/V, a count's."""
        if self.budget is None:
            return Told.nothing()
        p = self.budget.parameters
        variance = self.counts.parameters.variance * caps * caps
        at = informed_pairs(cells, variance, variance > 0, p.exposure_floor, p.exposure_units, caps)
        group = np.asarray(cells.cell, dtype=np.int64)[at]
        x = np.asarray(cells.values, dtype=np.float64)[at]
        names = unit_names(cells.keys.set_ids[cells.unit[at]])
        return Told(group, names, x * x / variance[group], widened)

    def _smoothed(
        self,
        statistic: str,
        gid: np.ndarray,
        units: np.ndarray,
        x: np.ndarray,
        rows: np.ndarray,
        counted: np.ndarray,
    ) -> tuple[np.ndarray, Told]:
        """The mean of the `width` lowest, highest or middle values of each group whose
        perturbed count reaches the threshold (`counted`), all of its values when it has
        fewer (as rules/smoothed_percentile's window), plus the noise of that mean (keyed
        by the window's units and values), vectorised over groups; and what each window
        tells its units (its total's noise: (x/σ)² for each of the window's units told at
        least the floor)."""
        out = np.full(self.n, np.nan)
        chosen = np.flatnonzero(counted & (rows > 0))
        if not len(chosen):
            return out, Told.nothing()
        set_ids = self.keys.keys(units).set_ids
        order = np.lexsort((set_ids, x, gid))  # by group, value, then unit: no row order
        starts = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64)
        size = rows[chosen].astype(np.int64)
        span = np.minimum(size, self.width)  # the window's units: all of a small group's
        if statistic == "min":
            first = np.zeros(len(chosen), dtype=np.int64)
        elif statistic == "max":
            first = size - span
        else:  # the window of ranks nearest the quantile, as rules/smoothed_percentile's
            centre = QUANTILE[statistic] * (size - 1)
            first = np.floor(centre - (span - 1) / 2 + 0.5).astype(np.int64)
            first = np.clip(first, 0, size - span)
        # Each group's values clipped to its caps (the same function as a table cell's,
        # each side on its own), and each window's noise a count's at its reach: how far
        # one unit moves its sum (rules/magnitude_noise.py `window_reach`). Why: the noise
        # of the window's own top values was set by a target at the top (a smoothed
        # maximum of 100 known people at p and the target at 1 if diagnosed; red team
        # test_capped_paths).
        # Read without the values that dominate the group (dominated.py): a value far above
        # the rest set the cap by its own term (red team test_second_opinion).
        upper, lower = undominated_signed_caps(self.parameters, gid, x, set_ids, self.n, order)
        clipped = np.clip(x[order], lower[gid[order]], upper[gid[order]])
        reach = self.noise.window_reach(
            clipped, starts[chosen], size, first, span, upper[chosen], lower[chosen]
        )
        j = np.arange(self.width)[None, :]
        inside = j < span[:, None]
        ranked = (starts[chosen] + first)[:, None] + np.minimum(j, span[:, None] - 1)
        at = order[ranked]
        window = np.where(inside, clipped[ranked], 0.0)
        keys = np.where(inside, pair_keys(set_ids[at], x[at]), np.uint64(0))
        digests = np.asarray(np.sum(keys, axis=1, dtype=np.uint64))
        noise = self._noise(reach, digests) / span
        means = window.sum(axis=1) / span
        out[chosen] = means + noise
        if self.budget is None:
            return out, Told.nothing()
        compact = np.full(self.n, -1, dtype=np.int64)
        compact[chosen] = np.arange(len(chosen))

        def widened(groups: np.ndarray, factors: np.ndarray) -> np.ndarray:
            found = np.empty(len(groups))
            for factor in np.unique(factors).tolist():
                hit = np.flatnonzero(factors == factor)
                w = compact[groups[hit]]
                noise = self._noise(reach[w] * factor, digests[w], _exposed(factor, 0))
                found[hit] = means[w] + noise / span[w]
            return found

        # What the window tells each of its units: its move of the sum (at most the reach)
        # over the noise's sd, squared: at most 1/V, a count's.
        variance = self.counts.parameters.variance * reach * reach
        moved = np.minimum(window**2, (reach * reach)[:, None])
        amount = moved / np.where(variance > 0, variance, np.inf)[:, None]
        told = inside & (amount >= self.budget.parameters.exposure_floor)
        w, j = np.nonzero(told)
        names = unit_names(set_ids[at[w, j]])
        return out, Told(chosen[w], names, amount[w, j], widened)

    def _gini(
        self,
        gid: np.ndarray,
        units: np.ndarray,
        x: np.ndarray,
        rows: np.ndarray,
        counted: np.ndarray,
    ) -> tuple[np.ndarray, Told]:
        """Each group's Gini from its numerator Σ(2i − n − 1)·x_(i) (ranks within the group,
        ties by set id) and its total, each plus the noise of its own contributions (streams
        2 and 0: the total's draw is the group sum's); NaN for a group with a negative value
        or a total not above 0. What the numerator's noise tells its units is charged as a
        total's is."""
        set_ids = self.keys.keys(units).set_ids
        order = np.lexsort((set_ids, x, gid))
        starts = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64)
        rank = np.empty(len(x), dtype=np.float64)
        rank[order] = np.arange(len(x)) - starts[gid[order]] + 1
        weights = 2 * rank - rows[gid] - 1
        # Numerator and total each capped as a table cell's total (_capped), with a
        # count's noise at its cap.
        numerators, base, caps, digests = self._capped(gid, units, weights * x)
        _, totals, total_caps, total_digests = self._capped(gid, units, x)
        total = totals + self._noise(total_caps, total_digests, 0)
        negative = np.bincount(gid, weights=(x < 0).astype(np.float64), minlength=self.n) > 0

        def finish(numerator: np.ndarray, groups: np.ndarray | slice) -> np.ndarray:
            with np.errstate(invalid="ignore", divide="ignore"):
                found = numerator / (counted[groups] * total[groups])
            bad = negative[groups] | ~(total[groups] > 0)
            return np.where(bad, np.nan, found)

        out = finish(base + self._noise(caps, digests, 2), slice(None))
        return out, self._told(numerators, caps, self._widening(finish, base, caps, digests, 2))


def _medians(gid: np.ndarray, x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Per group (of `gid`, `rows` values each) the median of its values (0 for none)."""
    ordered = x[np.lexsort((x, gid))]
    starts = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64)
    size = rows.astype(np.int64)
    last = max(len(ordered) - 1, 0)
    low = np.clip(starts + (size - 1) // 2, 0, last)
    high = np.clip(starts + size // 2, 0, last)
    if not len(ordered):
        return np.zeros(len(rows))
    return np.where(size > 0, (ordered[low] + ordered[high]) / 2, 0.0)


def _exposed(factor: float, stream: int) -> int:
    """The noise stream of a group statistic whose noise the exposure ledger widened by
    `factor` (`stream`: 0 for a total, 1 for sd's sum of squares, 2 for gini's numerator):
    one per factor, so that a statistic given again under another factor gets a fresh draw,
    never the same draw scaled (two scalings of one draw give the exact value). Uncapped factors reach e^50:
    the stream is keyed by the factor's logarithm (below 2^30 in millionths)."""
    return (1 << 40) + (stream << 30) + round(math.log(factor) * 1e6)


def _value_sql(kind: Kind, column: str) -> str:
    """A computed number as the new variable's type (a date from its day number)."""
    if kind == Kind.DATE:
        return f"CAST({EPOCH} + CAST(round({column}) AS INTEGER) AS DATE)"
    return f"CAST({column} AS {kind.sql})"


def _with_groups(state: State, computed: Computed) -> MappingProxyType[str, FingerprintTable]:
    return MappingProxyType({**state.groups, computed.groups_id: computed.fingerprints})


def _aggregate(
    ctx: StepContext,
    state: State,
    table: str,
    by: Variable,
    planned: list[Any],
    computed: Computed,
) -> State:
    schema, parts = _statistic_variables(state.schema, by, planned, computed, "aggregate")
    new_table = ctx.create(
        f'SELECT w.*, {", ".join(parts)} FROM "{table}" AS w '
        f'LEFT JOIN {GROUP_VALUES} AS g ON g.value = w."{by.column}" '
        f"LEFT JOIN {GROUP_RESULTS} AS r ON r.gid = g.gid"
    )
    return replace(
        state,
        schema=schema,
        table=new_table,
        groups=_with_groups(state, computed),
        group_values=state.group_values + computed.values,
    )


def _statistic_variables(
    schema: Schema, by: Variable, planned: list[Any], computed: Computed, verb: str
) -> tuple[Schema, list[str]]:
    """The new variables of the group statistics, each carrying its groups, and the SQL
    selecting their values from the results (alias r)."""
    selected = []
    for k, (statistic, source, kind) in enumerate(planned):
        column, schema = schema.fresh_column()
        selected.append(f'{_value_sql(kind, f"r.r{k}")} AS "{column}"')
        origin = {verb: statistic.statistic, "of": statistic.variable, "by": by.name}
        # Its groups (registered by any release of it), its own id and the ids of the
        # group statistics its source was computed from: each an input of such a release
        # (group_values.statistic_inputs).
        carried = (
            computed.groups_id,
            statistic_id(computed.groups_id, column, count=statistic.statistic == "count"),
            *(g for g in source.groups if STATISTIC_MARK in g),
        )
        schema = schema.with_variable(
            Variable(statistic.name, column, kind, origin, groups=tuple(dict.fromkeys(carried)))
        )
    return schema, selected


def _collapse(
    ctx: StepContext,
    state: State,
    table: str,
    by: Variable,
    planned: list[Any],
    computed: Computed,
) -> State:
    schema = Schema()
    selected = []
    if by.kind == Kind.UNIT:
        assert by.unit_type is not None
        unit_type = by.unit_type
        group_key = "g.value"
    else:
        unit_type = f"GROUP:{by.source.get('dataset', by.name)}"
        ctx.con.register("regcat_groups", _group_ids(ctx, table, by, unit_type))
        group_key = "i.unit_id"
        column, schema = schema.fresh_column()
        selected.append(f'g.value AS "{column}"')
        schema = schema.with_variable(replace(by, column=column, panel=None, groups=()))
    schema, statistics = _statistic_variables(schema, by, planned, computed, "collapse")
    selected += statistics
    joined = f"{GROUP_VALUES} AS g JOIN {GROUP_RESULTS} AS r ON r.gid = g.gid"
    if by.kind != Kind.UNIT:
        joined += " JOIN regcat_groups AS i ON i.value = g.value"
    grouped = f"SELECT {group_key} AS unit_id, {', '.join(selected)} FROM {joined}"
    link = person_link(ctx.version, unit_type) if by.kind == Kind.UNIT else None
    if link is not None:
        protect = "COALESCE(person.value, p.unit_id)"
        join = f"LEFT JOIN {ctx.scan(link, None)} AS person ON person.unit_id = p.unit_id"
    else:
        protect, join = "p.unit_id", ""
    columns = ", ".join(f'p."{v.column}"' for v in schema)
    try:
        new_table = ctx.create(
            f'SELECT p.unit_id AS "{UNIT_COLUMN}", {protect} AS "{PROTECT_COLUMN}", {columns} '
            f"FROM ({grouped}) AS p {join}"
        )
    finally:
        if by.kind != Kind.UNIT:
            ctx.con.unregister("regcat_groups")
    schema = replace(schema, unit_type=unit_type)
    unique = True
    if unit_type != PERSON and link is not None:
        total, distinct = ctx.one(
            f'SELECT COUNT(*), COUNT(DISTINCT "{PROTECT_COLUMN}") FROM "{new_table}"'
        )
        unique = total == distinct
    return State(
        schema,
        new_table,
        unique_units=True,
        unique_protected=unique,
        groups=_with_groups(state, computed),
        group_values=state.group_values + computed.values,
        population_inputs=state.population_inputs,
    )


def _group_ids(ctx: StepContext, table: str, by: Variable, unit_type: str) -> pa.Table:
    """Each distinct value of `by` with its group's identifier: the first 8 bytes of a
    hash of the unit type and the value, as a signed integer."""
    values = db.arrow(
        ctx.con,
        f'SELECT DISTINCT w."{by.column}" AS value FROM "{table}" AS w '
        f'WHERE w."{by.column}" IS NOT NULL',
    )
    texts = [str(v) for v in values.column("value").to_pylist()]
    digests = b"".join(
        hashlib.blake2b(f"{unit_type}\x00{t}".encode(), digest_size=8).digest() for t in texts
    )
    ids = np.frombuffer(digests, dtype="<i8").astype(np.int64) if texts else np.zeros(0, np.int64)
    return pa.table({"value": values.column("value"), "unit_id": pa.array(ids, pa.int64())})
