"""Statistics of values answered by their (unit, value) pairs (OUTPUT_CONTROL.md §1.4): the
same question about the same units and values gets the same answer, and so does one about
a set of pairs a few pairs away from a registered one (rules/differencing.py).

Why pairs: the noise of a magnitude is keyed by its units and their exact values
(value_keys.py), so a copy of a variable with one unit's value changed got another answer
while the unchanged copy got the very same one; "equal or not" then told whether the
change changed anything (a target's diagnosis, or its wage below a cap, bisected). A pair
set is fingerprinted as a unit set is (fingerprint.py), with each pair's key standing for
a unit: one changed value is a difference of 2 pairs, one unit more or less of 1.

Only sets whose perturbed count reaches the threshold are answered by their pairs (and
registered): a smaller one is withheld whatever it holds, and its own perturbed count
decides it, as a count table would (§1.5)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .answers import Answer, answered, decode
from .fingerprint import SetFingerprint, fingerprint
from .release import ResultBuilder
from .result import ResultRow
from .rules.differencing import Differencing
from .rules.threshold import Threshold
from .value_keys import pair_keys


@dataclass(frozen=True, eq=False)
class PairAnswer:
    """One statistic's pair set and the answer registered for it (or a near one)."""

    statistic: str  # what is asked, with whatever fixes its rows (the quantiles asked)
    pairs: SetFingerprint | None  # None: too few units to be answered by its pairs
    registered: str | None  # None: answered afresh
    near: bool = False  # the registered answer is a near set's: this set is registered with it

    @classmethod
    def of(
        cls,
        out: ResultBuilder,
        statistic: str,
        pairs: SetFingerprint | None,
        perturbed_size: int,
    ) -> PairAnswer:
        if pairs is None or perturbed_size < out.rule(Threshold).parameters.min_count:
            return cls(statistic, None, None)
        found = out.rule(Differencing).registered_for(statistic, pairs, out.context.ledger)
        if found is None:
            return cls(statistic, pairs, None)
        return cls(statistic, pairs, found[0], near=found[1])

    @property
    def fresh(self) -> bool:
        """Whether the statistic's own answer is given (and its sets recorded)."""
        return self.registered is None

    @property
    def registered_answer(self) -> Answer | None:
        return None if self.registered is None else decode(self.registered)

    def given(
        self, out: ResultBuilder, rows: Sequence[ResultRow], at: int = 0, *, whole: bool = False
    ) -> list[ResultRow]:
        """The rows to publish: the registered answer's under these rows' labels, or these
        rows, whose answer is registered (at positions `at`… of the finished result).
        `whole`: the answer is the whole result but its labels (a model's): a registered
        one gives this result its summary, population, notes and rules too."""
        found = self.registered_answer
        if found is not None:
            if whole and found.whole is not None:
                out.replay(found.whole)
            given = answered([row.labels for row in rows], found)
            if self.near and self.pairs is not None:
                # Registered too, with the answer it got: a set near it then gets that
                # answer again rather than a coin of its own (rules/differencing.py).
                out.remember(self.statistic, self.pairs, range(at, at + len(given)), whole)
            return given
        if self.pairs is not None:
            out.remember(self.statistic, self.pairs, range(at, at + len(rows)), whole)
        return list(rows)


def pair_set(set_ids: np.ndarray, values: np.ndarray) -> SetFingerprint:
    """The fingerprint of one set of (unit, value) pairs."""
    return fingerprint(pair_keys(set_ids, values))
