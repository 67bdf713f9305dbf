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

What is compared: the group statistics of one workspace, in the order they were computed
(kept with its state, which a failed request leaves as it was). A step is computed before
any release, and the ledger is consulted only at release time; the groups themselves are
registered with the guard when anything computed from them is released (counting.finish)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .fingerprint import FingerprintTable
from .guard_index import SetIndex
from .ledger import ReleasedSet
from .rules.differencing import Differencing

GROUP_MEASURE = "group-values"


class GroupValues:
    """The group statistics of one workspace, by statistic, indexed by their sets when a
    look-up needs it (a step over 36,000 groups of birth dates looks up only the groups
    whose size is within reach of an earlier set's of the same statistic)."""

    def __init__(self, differencing: Differencing, earlier: Sequence[ReleasedSet]) -> None:
        self.differencing = differencing
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
        takes its set; the new ones are kept for later statistics."""
        out = np.array(values, dtype=np.float64)
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
