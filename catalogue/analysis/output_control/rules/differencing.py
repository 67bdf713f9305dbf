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
- Within one request, cells of a count table are not compared with each other (their
  margins are protected by their own noise); all other statistics are, in output order.
- Only published, non-zero values are checked and recorded: a 0 is published alike for
  empty and noised-to-zero cells, and checking it would tell the two apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..fingerprint import SetFingerprint, differs_by_few
from ..ledger import ReleaseLedger
from ..rule import Decision, Message, Rule, frozen_reasons

Novelty = Literal["new", "repeat", "unchecked"]


@dataclass(frozen=True)
class DifferencingParameters:
    min_difference: int = 10  # sets differing by 1..min_difference − 1 units are blocked

    def __post_init__(self) -> None:
        if self.min_difference < 1:
            raise ValueError("differencing needs min_difference ≥ 1")


@dataclass(frozen=True, eq=False)
class DifferencingSubject:
    measure: str
    statistic: str
    fingerprints: Sequence[SetFingerprint | None]  # None: not published, nothing to check
    ledger: ReleaseLedger
    compare_within: bool


class Differencing(Rule[DifferencingParameters, DifferencingSubject, Novelty]):
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

    def apply(self, subject: DifferencingSubject) -> Sequence[Decision[Novelty]]:
        limit = self.parameters.min_difference
        accepted: list[SetFingerprint] = []
        decisions: list[Decision[Novelty]] = []
        for new in subject.fingerprints:
            if new is None:
                decisions.append(Decision("unchecked"))
                continue
            released = subject.ledger.near(new, limit)
            if any(
                r.measure == subject.measure
                and r.statistic == subject.statistic
                and r.fingerprint.same_set(new)
                for r in released
            ):
                decisions.append(Decision("repeat"))
                continue
            earlier = [r.fingerprint for r in released] + accepted
            if differs_by_few(new, earlier, limit):
                decisions.append(self.withhold("differencing"))
                continue
            if subject.compare_within:
                accepted.append(new)
            decisions.append(Decision("new"))
        return decisions
