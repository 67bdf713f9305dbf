"""differencing: a new statistic whose unit set differs from any already released set, of
any measure, by 1–9 units is blocked (OUTPUT_CONTROL.md §3).

What counts as "released" and why the measure does not matter:
- The ledger spans every project of a datastore: released outputs end up in papers, so a
  differencing attack across projects needs no collusion.
- A statistic's unit set is the set its value depends on: a cell's units, a percentile's
  smoothing window, the 10 units behind a smoothed minimum, a model's units.
- Sets are compared whatever was measured on them: a renamed variable, a scaled copy or a
  copy with one unit's value replaced has another measure (value digest) but the same
  units, so comparing within one measure let those walk around the guard. The ledger's
  index (guard_index.py) finds near sets of every measure at a cost that does not grow
  with the ledger.
- A set identical to one already released with the same measure and statistic is a
  repeat: it gets the same value (consistent noise), so it adds nothing and is neither
  blocked nor charged.
- Not an oracle (counts): a count cell a few units away from a registered count set is not
  withheld but answered with the count published for that set. A withheld cell beside a
  repeated one told whether a target was in the set (drop the target if diagnosed, count
  the diagnosed: withheld if they were, a repeat if not); answered alike, the two look the
  same. At the edge the same question would come back (9 units away: the old count; 10:
  a fresh one), so sets `min_difference` to `min_difference` + `ramp` − 1 units away may
  get the old count too (the ramp, below). The old count is what was published before, so
  giving it again reveals nothing; it costs accuracy (at most `min_difference` + `ramp` − 1
  units) only for sets that close to a registered one.
- The ramp: a set `min_difference` to `min_difference` + `ramp` − 1 units (pairs) from a
  registered one gets its answer iff the keyed weights of the units it differs by, each
  in [0, 1) and fixed by the unit's (pair's) keyed id, sum below `weight` (7): about 0.98
  at 10 apart, 0.5 at 14, 0.06 at 18 and 0.03 at 19 (a sum of uniform draws, so the
  chance falls smoothly and has thin tails: a probe certifies anything only where the
  chance is 1 on one side or 0 on the other, at most 0.06 per probe here against 1/3 with
  the linear coin this replaces). A weight per unit rather than a coin per pair of sets
  makes the decision monotone: a set that differs from R by everything another differs by
  and more weighs at least as much, so if R did not take a padding it does not take the
  padding with the target's value changed either. With two more rules the same padding
  asked alone and with the change gets one answer, in either order: a set answered with a
  near set's answer is registered with it (pair_sets.py, ResultBuilder.guard), and of the
  registered sets that take a set, the one whose difference weighs least answers it (the
  padding, 2 pairs from the copy, rather than R, 11 or 13 away).
- Not an oracle (values): consistent noise gives the same units and values the same
  answer and a change in any one value another, so "the same number or not" told whether
  a change changed anything (Σ of a diagnosis and of a copy with the target's value set
  to 1; a wage bisected by capped copies). So a statistic of values is also taken as a
  set of (unit, value) pairs (pair_sets.py): a pair set the same as, or 1 to
  `min_difference` + `ramp` − 1 pairs from, a registered one of the same statistic (by
  the same rule and coin as counts) is answered with the answer registered for it, every
  row's values and reasons, withheld ones included (`registered_answer`); the unit guard
  then records nothing for it. One changed value is 2 pairs, one unit more or less 1.
- Models too (models.py): a model's pairs are its rows (unit, outcome and regressor
  pattern), registered under its family, kind of standard errors and kinds of terms (no
  variable name), with its whole answer (N, fit statistics, notes, rules). A model over
  P − t, asked beside the same model over P (a rare level of the target's left out, or a
  copy with the target's outcome changed), gets that answer, withheld or not, instead of
  being withheld by the unit guard, which told the two apart. With clustered standard
  errors each row's pair holds its cluster too.
- Another measure: a statistic of values (magnitude cells, summaries, smoothed windows,
  models) near a registered set of another measure has no registered answer of its own
  to give; withheld, it told the near set from the same one (Σ c·y over P − t beside
  Σ y over P: 12/12 in the red team). So it is answered afresh (`across_measures`
  False): dropping a unit is what zeroing its value over the same units is, which was
  always answered afresh, and the noise (magnitude-noise, model-noise's DFBETA floor)
  defends both. What a fresh answer would carry exactly is taken from the ledger: its
  count (ResultBuilder.counted) and a model's coefficients (models.py). Near sets of its
  own measure (cells of the same request) are still withheld, and so are the groups of
  an aggregated variable near any registered set (counting.finish).
- Which registered set answers: the same set if registered; else, of those that take the
  new one, the one whose differing units or pairs weigh least (keyed weights, the earliest
  of equal weights). Not the nearest by count: a new set between two registered ones would
  then tell which is nearer, and so whether the target's pair moved it one way or the
  other; the target's pairs add the same weight to both differences, so they do not move
  the comparison of weights (the red team's set between two registered answers: at chance).
  Not the earliest either: the earliest let R take a padding after declining a copy of it
  2 pairs away (the same padding twice in the other order). A first version kept R from
  taking a set by the weights when a registered set with another answer lay within
  `min_difference` (a rival); that made the set between two registered answers certain (R1
  certain at 8 pairs if diagnosed, the rival R2 at 8 if not) and was replaced. Values
  shown whatever the guard says and not registered when given a registered value (a
  population, a group statistic at step time: `registered_value`) still get the earliest
  set's, so that asking again finds the same one.
- Left open (docs/OUTPUT_CONTROL.md §12): the ramp is a rate, not a wall. No rule for the
  snap avoids a step: certain at 0 (a repeat) and below `min_difference`, never beyond the
  index's reach, so some 2 pairs move the chance by 2/(`ramp` + 1) or more (0.37 at 13
  against 15 pairs here), which an attacker reads by likelihood over new paddings (three
  probes per target: right about 0.77 of the time), and the tails still certify (at most
  0.06 a probe). The budget bounds the probes.
- Within one request, cells of a count table are not compared with each other (their
  margins are protected by their own noise); all other statistics are, in output order.
- Only published, non-zero values are checked and recorded: a 0 is published alike for
  empty and noised-to-zero cells, and checking it would tell the two apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from ..fingerprint import (
    SetFingerprint,
    difference,
    difference_weight,
    differs_by_few,
    screened,
)
from ..guard_index import MAX_WITHIN
from ..ledger import PAIRS_MEASURE, ReleasedSet, ReleaseLedger
from ..rule import Decision, Message, Rule, frozen_reasons

Novelty = Literal["new", "repeat", "unchecked"]
Answered = str | float  # a registered pair answer (encoded) or a registered count


class NearSets(Protocol):
    """Registered sets found by nearness: the ledger, or a workspace's own (grouping.py)."""

    def near(self, fingerprint: SetFingerprint, within: int) -> Sequence[ReleasedSet]: ...


@dataclass(frozen=True)
class Snapped:
    """Answered with the count published for a registered set a few units away, or
    (`repeat`) for this very set: a set snapped once is registered with the count it got,
    not its own, so asked again it must get that count, not its own noise (a crosstab's
    margin came back with its own count in a second workspace: test_scripts_api)."""

    published: float
    repeat: bool = False


@dataclass(frozen=True)
class DifferencingParameters:
    min_difference: int = 10  # sets differing by 1..min_difference − 1 units are blocked
    ramp: int = 10  # sets this many units (pairs) further may still get the registered answer
    weight: float = 7.0  # …if their differing units' keyed weights (each in [0, 1)) sum below

    def __post_init__(self) -> None:
        if self.min_difference < 1:
            raise ValueError("differencing needs min_difference ≥ 1")
        if self.weight <= 0:
            raise ValueError("differencing needs weight > 0")
        if self.ramp < 0 or self.min_difference + self.ramp > MAX_WITHIN:
            raise ValueError(f"differencing needs 0 ≤ ramp ≤ {MAX_WITHIN} − min_difference")


@dataclass(frozen=True, eq=False)
class DifferencingSubject:
    measure: str
    statistic: str
    fingerprints: Sequence[SetFingerprint | None]  # None: not published, nothing to check
    ledger: ReleaseLedger
    compare_within: bool
    snap: bool = False  # counts: answer a near set with its registered count (see above)
    # False (statistics of values): registered sets of another measure do not withhold
    # it; it is answered afresh (see "Another measure" above). Sets of its own measure
    # (earlier cells of the same request) still do.
    across_measures: bool = True


class Differencing(Rule[DifferencingParameters, DifferencingSubject, Novelty | Snapped]):
    code = "differencing"
    parameters_type = DifferencingParameters
    title = Message("Vern mot differanseangrep", "Differencing guard")
    docs = Message(
        "Et tall holdes tilbake hvis enhetene bak det skiller seg fra enhetene bak et "
        "allerede utlevert tall, om hvilken som helst størrelse, med 1 til {min_difference} − 1 "
        "enheter.",
        "A statistic is withheld if its units differ from the units of an already released "
        "statistic, on any measure, by 1 to {min_difference} − 1 units.",
    )
    reasons = frozen_reasons(
        {
            "differencing": Message(
                "Enhetene bak tallet skiller seg fra et allerede utlevert tall med færre enn "
                "{min_difference} enheter; tallet vises ikke.",
                "The units behind this value differ from an already released value by fewer than "
                "{min_difference} units; it is not shown.",
            ),
        }
    )

    def apply(self, subject: DifferencingSubject) -> Sequence[Decision[Novelty | Snapped]]:
        limit = self.parameters.min_difference
        reach = limit + self.parameters.ramp if subject.snap else limit
        accepted: list[SetFingerprint] = []
        decisions: list[Decision[Novelty | Snapped]] = []
        for new in subject.fingerprints:
            if new is None:
                decisions.append(Decision("unchecked"))
                continue
            released = subject.ledger.near(new, reach)
            same = next(
                (
                    r
                    for r in released
                    if r.measure == subject.measure
                    and r.statistic == subject.statistic
                    and r.fingerprint.same_set(new)
                ),
                None,
            )
            if same is not None:
                if subject.snap and same.published is not None:
                    decisions.append(Decision(Snapped(same.published, repeat=True)))
                else:
                    decisions.append(Decision("repeat"))
                continue
            snapped = self._snapped(subject, new, released, reach) if subject.snap else None
            if snapped is not None:
                decisions.append(Decision(snapped))
                continue
            earlier = [
                r.fingerprint
                for r in released
                if subject.across_measures or r.measure == subject.measure
            ] + accepted
            if differs_by_few(new, earlier, limit):
                decisions.append(self.withhold("differencing"))
                continue
            if subject.compare_within:
                accepted.append(new)
            decisions.append(Decision("new"))
        return decisions

    def _snapped(
        self,
        subject: DifferencingSubject,
        new: SetFingerprint,
        released: Sequence[ReleasedSet],
        reach: int,
    ) -> Snapped | None:
        """The registered count the new set is answered with, if any: that of the earliest
        registered count set that takes it (`takes`)."""
        found = self._answering(
            new,
            [
                (r.fingerprint, r.published)
                for r in released
                if r.published is not None
                and (r.measure, r.statistic) == (subject.measure, subject.statistic)
            ],
            reach,
        )
        return None if found is None or not found[1] else Snapped(float(found[0]))

    def registered_value(
        self, measure: str, statistic: str, new: SetFingerprint, sets: NearSets
    ) -> float | None:
        """The value published for the earliest registered set of this measure and
        statistic that is the new set or takes it (`takes`), or None. For a value that is
        shown whatever the guard says (a result's population, a group statistic computed
        by a step): it is never withheld, only given the registered value. The earliest,
        not the least weight: a set given a registered value here is not registered itself,
        so asking again (a workspace rebuilt) must find the same set, whatever was
        registered since."""
        reach = self.parameters.min_difference + self.parameters.ramp
        found = self._answering(
            new,
            [
                (r.fingerprint, r.published)
                for r in sets.near(new, reach)
                if r.published is not None and (r.measure, r.statistic) == (measure, statistic)
            ],
            reach,
            least=False,
        )
        return None if found is None else float(found[0])

    def registered_answer(
        self, statistic: str, new: SetFingerprint, ledger: ReleaseLedger
    ) -> str | None:
        """The answer registered for the earliest pair set of this statistic that takes the
        new pair set (the same set, or one near it: `takes`), or None: then the new set is
        answered afresh, and its answer registered."""
        found = self.registered_for(statistic, new, ledger)
        return None if found is None else found[0]

    def registered_for(
        self, statistic: str, new: SetFingerprint, ledger: ReleaseLedger
    ) -> tuple[str, bool] | None:
        """`registered_answer`, and whether it was registered for another (near) set: the
        new set is then registered too, with that answer (see "The ramp" above)."""
        reach = self.parameters.min_difference + self.parameters.ramp
        found = self._answering(
            new,
            [
                (r.fingerprint, r.answer)
                for r in ledger.near(new, reach, pairs_of=statistic)
                if r.answer is not None and (r.measure, r.statistic) == (PAIRS_MEASURE, statistic)
            ],
            reach,
        )
        return None if found is None else (str(found[0]), found[1])

    def _answering(
        self,
        new: SetFingerprint,
        registered: Sequence[tuple[SetFingerprint, Answered]],
        reach: int,
        *,
        least: bool = True,
    ) -> tuple[Answered, bool] | None:
        """The answer of the registered set that is the new set, else of the registered set
        that takes it (`takes`) whose differing units or pairs weigh least (the earliest of
        equal weights), and whether it took it (a near set) rather than being the same set.
        See "Which registered set answers" above."""
        same, near = screened(new, [fingerprint for fingerprint, _ in registered], reach)
        if same is not None:
            return registered[same][1], False
        best: tuple[float, Answered] | None = None
        for fingerprint, answer in (registered[i] for i in near):
            weight = self._weight_if_taken(new, fingerprint, reach)
            if weight is not None and (best is None or weight < best[0]):
                best = (weight, answer)
                if not least:
                    break  # the earliest that takes it (`registered_value`)
        return None if best is None else (best[1], True)

    def _weight_if_taken(
        self, new: SetFingerprint, registered: SetFingerprint, reach: int
    ) -> float | None:
        """The weight of the difference if the registered set takes the new one, else None."""
        apart = difference(new, registered, reach)
        if not apart:
            return None
        weight = difference_weight(apart)
        if len(apart) < self.parameters.min_difference or weight < self.parameters.weight:
            return weight
        return None

    def takes(self, new: SetFingerprint, registered: SetFingerprint, reach: int) -> bool:
        """Whether a set 1 to `reach` − 1 units (or pairs) from a registered one may get its
        published value: for certain below min_difference; beyond it iff the keyed weights
        of the units (pairs) the two differ by sum below `weight` (see "The ramp" above)."""
        return self._weight_if_taken(new, registered, reach) is not None
