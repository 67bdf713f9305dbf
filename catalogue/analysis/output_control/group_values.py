"""Group statistics a step computes (aggregate, collapse: grouping.py) get the value given
before to a set a few units or pairs away (OUTPUT_CONTROL.md §1.4, §7).

Why: a group statistic is perturbed as its published version would be, by keys of the
group's units (a count) or its (unit, value) pairs (a sum, a mean, a smoothed extreme), so
the same set always gets the same value. That sameness was an oracle: counts by `alle` of
two variables that differ only in whether the target's value is missing are equal iff the
target's value was missing (16/16 diagnoses, 4/4 wages bit by bit in the red team). As the
differencing guard answers a near count set with its registered count, a group statistic
whose set is 1 to `min_difference` − 1 units or pairs from one the workspace computed
before (and up to `min_difference` + `ramp` − 1, by the guard's keyed coin) gets that
value: the two counts come out equal either way.

What is compared: where the workspace runs beside a datastore's shared ledger (the
service's workspaces), the group statistics registered anywhere in it: a group count is
looked up and registered as the set of its units with a value (`count_sets`: as pairs
with a mark, so that the guard, which compares unit sets, never sees it), any other group
statistic as its set of (unit, value) pairs, each under its statistic. A fresh value is registered when the step computes it (a step shows its values
as labels, so they are published then). Why: a step saw only its own workspace's values,
so the counts by `alle` of everyone but the target, and of the same plus the target if
diagnosed, each computed in a workspace of its own and read as a label, were equal iff
not diagnosed (red team: test_snap_edges, 10-12/12). A rebuild of the workspace (another
worker, a restart) asks the same questions in the same order and gets the same answers:
the earliest registered set that takes a group is the one it got the first time, or the
group itself.

Without a shared ledger (a workspace made directly, as in tests) the group statistics of
one workspace are compared, in the order they were computed (kept with its state, which
a failed request leaves as it was); the groups themselves are registered with the guard
when anything computed from them is released (counting.finish)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .fingerprint import FingerprintTable, fingerprint_table
from .guard_index import SetIndex
from .ledger import ReleasedSet
from .rules.differencing import Differencing, NearSets
from .unit_sets import CellUnits
from .value_keys import keyed_bits

GROUP_MEASURE = "group-values"

# The bits a group count's units are paired with: a NaN's, which no value of a pair set is.
COUNT_BITS = np.uint64(0x7FF8_0000_C0C0_C0C0)

# Runs `work` with the datastore's shared ledger (bound, in one locked transaction) and
# records the sets it returns, as a release of no cells and no charge.
SharedValues = Callable[[Callable[[NearSets], list[ReleasedSet]]], None]


def count_sets(cells: CellUnits) -> FingerprintTable:
    """Each group's units with a value, fingerprinted as pairs of the unit and a mark that
    no statistic's value is: one unit more or less is 1 pair, as in a unit set, but the
    set is no unit set the differencing guard compares (a group count registered at step
    time over the group less a unit, near the group's own unit set, withheld every table
    of the group: an oracle of whether its count's set is the group)."""
    ids = keyed_bits(
        cells.keys.set_ids[cells.unit], np.full(len(cells.unit), COUNT_BITS, dtype=np.uint64)
    )
    return fingerprint_table(cells.cell, ids, cells.n_cells)


class GroupValues:
    """The group statistics of one workspace, by statistic, indexed by their sets when a
    look-up needs it (a step over 36,000 groups of birth dates looks up only the groups
    whose size is within reach of an earlier set's of the same statistic)."""

    def __init__(
        self,
        differencing: Differencing,
        earlier: Sequence[ReleasedSet],
        shared: SharedValues | None = None,
    ) -> None:
        self.differencing = differencing
        self.shared = shared
        self.reach = differencing.parameters.min_difference + differencing.parameters.ramp
        self._sets: dict[str, list[ReleasedSet]] = {}
        self._indexed: dict[str, tuple[SetIndex, int]] = {}  # index, sets added to it
        for given in earlier:
            self._sets.setdefault(given.statistic, []).append(given)
        self.added: list[ReleasedSet] = []

    def _index(self, statistic: str) -> SetIndex:
        index, done = self._indexed.get(statistic, (SetIndex(), 0))
        kept = self._sets.get(statistic, [])
        for given in kept[done:]:
            index.add(given)
        self._indexed[statistic] = (index, len(kept))
        return index

    def given(self, statistic: str, values: np.ndarray, sets: FingerprintTable) -> np.ndarray:
        """Per group (NaN: no value) its value, or the value given before to a set that
        takes its set; the new ones are kept for later statistics. A count's values are
        the perturbed counts of the groups' units."""
        out = np.array(values, dtype=np.float64)
        if self.shared is not None:
            self._given_shared(statistic, out, sets, self.shared)
            return out
        kept = self._sets.setdefault(statistic, [])
        # Groups of one statistic are disjoint sets of 10 or more: never near each other.
        sizes = np.sort(np.array([k.size for k in kept], dtype=np.int64))
        for g in np.flatnonzero(np.isfinite(out)):
            found = sets[int(g)]
            at = np.searchsorted(sizes, found.size - self.reach + 1)
            if at < len(sizes) and sizes[at] < found.size + self.reach:
                before = self.differencing.registered_value(
                    GROUP_MEASURE, statistic, found, self._index(statistic)
                )
                if before is not None:
                    out[g] = before
                    continue
            given = ReleasedSet(GROUP_MEASURE, statistic, found, float(out[g]))
            kept.append(given)
            self.added.append(given)
        return out

    def _given_shared(
        self, statistic: str, out: np.ndarray, sets: FingerprintTable, shared: SharedValues
    ) -> None:

        def work(ledger: NearSets) -> list[ReleasedSet]:
            # The groups of one statistic are disjoint sets of 10 or more: a group is never
            # near another of the same step, only near registered ones.
            new: list[ReleasedSet] = []
            for g in np.flatnonzero(np.isfinite(out)):
                found = sets[int(g)]
                before = self.differencing.registered_value(GROUP_MEASURE, statistic, found, ledger)
                if before is not None:
                    out[g] = before
                else:
                    new.append(ReleasedSet(GROUP_MEASURE, statistic, found, float(out[g])))
            return new

        shared(work)
