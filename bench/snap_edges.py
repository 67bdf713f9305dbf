"""Simulation: how many probes certify a diagnosis at the edge of the snap, for the snap as
it is (keyed weights over the ramp) and for the alternatives weighed in issue 13
(docs/OUTPUT_CONTROL.md §3 `differencing`, §12; red team `test_snap_edges`).

    python bench/snap_edges.py [--trials 4000] [--seed 1]

The attack: a registered pair set R (Σ of a 0/1 diagnosis over everyone); a probe is a copy
of R with known people's values changed (2 pairs each) or made missing (1 pair), and the
target's value set to 1 (no change if diagnosed, 2 pairs more if not). A probe answered
with R's answer while the undiagnosed distance could never be certifies the diagnosis.
Sets are real fingerprints of random 64-bit pair keys (fingerprint.py), the rule is the
real one with the service's default parameters (`Differencing`, `DifferencingParameters()`:
blocked below `min_difference` = 10 pairs, the ramp to `min_difference` + `ramp` − 1 = 19,
taken there iff the keyed weights of the differing pairs sum below `weight` = 7), and the
registered set that answers is chosen by the real `registered_for` over a small ledger.
A pair's key, and so its weight, is fixed by the pair: R and each target's pairs are kept
across that target's probes, only the known people are new in each probe (a known person
used twice would make the same set, a repeat).

Mechanisms:
- weights (today): as above;
- radius: one radius per registered set, drawn from {10, …, 20} (the same reach), a set d
  pairs away snapped iff d < radius;
- wall: every set within reach snapped (no ramp).

Attackers:
- far edge: the red-team probe, nine known people changed (18 pairs, 20 if undiagnosed:
  beyond the index's reach, never snapped), as many probes as the budget gives;
- likelihood: six known people changed and a seventh missing (13 pairs, 15 if not
  diagnosed), three probes per target and a majority of registered answers;
- twice: the same padding asked without the target's change and then with it (and in the
  other order): a diagnosed target's probe is the padding again (a repeat), so any other
  answer certifies "not diagnosed";
- calibrating (radius only): probes with known people alone (no target) at chosen
  distances first, to read a registered set's radius (bisection), then one probe per
  target just inside it.

Prints the snap's chance at each distance of the ramp (simulated and the Irwin-Hall
chance for a sum of d uniform weights), the chance that one probe certifies a target, the
expected number of the red team's 4 diagnosed targets certified with its 24 probes (two
projects, 10 + 2 probes per diagnosed target in each, as the test spends them) and with the
same 24 probes spread evenly (6 per target), the majority's accuracy, and the twice
attack's rate. Not part of the test suite."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalogue.analysis.output_control.fingerprint import SetFingerprint, fingerprint
from catalogue.analysis.output_control.ledger import PAIRS_MEASURE, ReleasedSet
from catalogue.analysis.output_control.rules.differencing import (
    Differencing,
    DifferencingParameters,
)

UNITS = 2000
PARAMETERS = DifferencingParameters()  # the service's defaults
LIMIT = PARAMETERS.min_difference
REACH = PARAMETERS.min_difference + PARAMETERS.ramp  # sets this many pairs away: never
SPENT = (10, 2, 10, 2)  # probes per diagnosed target as the red-team test spends 24
EVEN = (6, 6, 6, 6)
STATISTIC = "sum"


def expected(rate: float, spent: tuple[int, ...]) -> float:
    return sum(1 - (1 - rate) ** n for n in spent)


def irwin_hall(d: int, below: float) -> float:
    """P(the sum of d independent uniform [0, 1) weights < below)."""
    return sum(
        (-1) ** k * math.comb(d, k) * (below - k) ** d for k in range(math.floor(below) + 1)
    ) / math.factorial(d)


class Population:
    """R's pair keys (unit 0 the target, with its key for the value 1 fixed too) and a draw
    of fresh known people for each probe."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.keys = rng.integers(1, 2**63, UNITS, dtype=np.uint64)
        self.target_changed = rng.integers(1, 2**63, dtype=np.uint64)

    def padding(self, changed: int, missing: int) -> np.ndarray:
        """R with `changed` fresh known people's values changed and `missing` made missing."""
        known = self.rng.choice(np.arange(1, UNITS), changed + missing, replace=False)
        keys = self.keys.copy()
        keys[known[:changed]] = self.rng.integers(1, 2**63, changed, dtype=np.uint64)
        return np.delete(keys, known[changed:])

    def with_target(self, keys: np.ndarray, changed: bool) -> np.ndarray:
        """`keys` with the target's value set to 1: changed (2 pairs) if undiagnosed."""
        if not changed:
            return keys
        out = keys.copy()
        out[0] = self.target_changed
        return out


class Ledger:
    """Registered pair sets and their answers: the `near` that `registered_for` asks."""

    def __init__(self) -> None:
        self.sets: list[ReleasedSet] = []

    def near(
        self, fingerprint: SetFingerprint, within: int, pairs_of: str | None = None
    ) -> Sequence[ReleasedSet]:
        return self.sets

    def ask(self, rule: Differencing, keys: np.ndarray, fresh: str) -> str:
        """The answer the service gives the pair set `keys`: a registered one's (the same
        set, or the one that takes it whose difference weighs least), registered for this
        set too if it was a near set's; else `fresh`, registered."""
        new = fingerprint(keys)
        found = rule.registered_for(STATISTIC, new, self)  # type: ignore[arg-type]
        if found is not None and not found[1]:
            return found[0]  # the same set: a repeat
        answer = fresh if found is None else found[0]
        self.sets.append(ReleasedSet(PAIRS_MEASURE, STATISTIC, new, answer=answer))
        return answer


def distance(changed: int, missing: int) -> int:
    return 2 * changed + missing


def split(pairs: int) -> tuple[int, int]:
    """Known people changed and made missing for a padding `pairs` from R."""
    return pairs // 2, pairs % 2


def snap_curve(rule: Differencing, trials: int, rng: np.random.Generator) -> dict[int, float]:
    """The chance that R takes a padding d pairs away, d over the ramp."""
    rates = {}
    for d in range(LIMIT, REACH + 1):
        hits = 0
        for _ in range(trials):
            population = Population(rng)
            registered = fingerprint(population.keys)
            hits += rule.takes(fingerprint(population.padding(*split(d))), registered, REACH)
        rates[d] = hits / trials
    return rates


def probes_per_target(
    rule: Differencing,
    targets: int,
    probes: int,
    pairs: int,
    rng: np.random.Generator,
) -> dict[bool, np.ndarray]:
    """Per target (diagnosed or not), how many of `probes` paddings `pairs` from R plus the
    target's change were answered with R's answer; R and the target's pairs fixed per
    target, fresh known people per probe."""
    out = {}
    for diagnosed in (True, False):
        snapped = np.zeros(targets, dtype=int)
        for t in range(targets):
            population = Population(rng)
            registered = fingerprint(population.keys)
            for _ in range(probes):
                keys = population.with_target(population.padding(*split(pairs)), not diagnosed)
                snapped[t] += rule.takes(fingerprint(keys), registered, REACH)
        out[diagnosed] = snapped
    return out


def twice(
    rule: Differencing, trials: int, rng: np.random.Generator, pairs: int, *, reverse: bool
) -> float:
    """The same padding (`pairs` from R) asked without and with an undiagnosed target's
    change (`reverse`: with it first): the chance that the two answers differ (diagnosed:
    the same set twice, never)."""
    differ = 0
    for _ in range(trials):
        population = Population(rng)
        ledger = Ledger()
        ledger.ask(rule, population.keys, "R")
        padding = population.padding(*split(pairs))
        asked = [padding, population.with_target(padding, True)]
        if reverse:
            asked.reverse()
        answers = [ledger.ask(rule, keys, f"fresh {k}") for k, keys in enumerate(asked)]
        differ += answers[0] != answers[1]
    return differ / trials


def radius_calibrating(rng: np.random.Generator, trials: int) -> float:
    """One radius per registered set: probes per registered set to read it by bisection
    with known people (then one target probe just inside it is certain)."""
    spent = []
    for _ in range(trials):
        radius = LIMIT + int(rng.integers(0, REACH - LIMIT + 1))  # snapped iff d < radius
        low, high, probes = LIMIT, REACH, 0  # radius in [low, high]
        while low < high:
            middle = (low + high + 1) // 2
            probes += 1
            if middle - 1 < radius:  # a probe at middle − 1 pairs snapped
                low = middle
            else:
                high = middle - 1
        spent.append(probes)
    return float(np.mean(spent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    rule = Differencing(PARAMETERS)
    print(
        f"the rule: blocked below {LIMIT} pairs, the ramp {LIMIT}..{REACH - 1} (taken iff the "
        f"differing pairs' keyed weights sum below {PARAMETERS.weight:g}), never at {REACH}+"
    )

    curve = snap_curve(rule, max(args.trials // 4, 100), rng)
    print("\nsnap chance by distance (simulated / Irwin-Hall):")
    print(
        "  "
        + "  ".join(
            f"{d}: {rate:.3f}/{irwin_hall(d, PARAMETERS.weight) if d < REACH else 0:.3f}"
            for d, rate in curve.items()
        )
    )

    targets = max(args.trials // 20, 20)
    far = probes_per_target(rule, targets, 10, REACH - 2, rng)
    rate = float(far[True].mean() / 10)
    print(
        f"\nfar edge, {REACH - 2} pairs against {REACH}: snapped {rate:.3f} a probe if "
        f"diagnosed, {far[False].mean() / 10:.3f} if not ({targets} targets × 10 probes)"
    )
    print(
        f"  expected certified of 4 diagnosed with 24 probes: as spent {expected(rate, SPENT):.2f}"
        f", even {expected(rate, EVEN):.2f}; targets certified within 10 probes: "
        f"{(far[True] > 0).mean():.3f} (their rate varies with the target's pairs' weights)"
    )

    middle = probes_per_target(rule, targets, 3, 13, rng)
    right = ((middle[True] >= 2).mean() + (middle[False] <= 1).mean()) / 2
    print(
        f"\nlikelihood, 13 pairs against 15: snapped {middle[True].mean() / 3:.3f} a probe if "
        f"diagnosed, {middle[False].mean() / 3:.3f} if not; a majority of 3 probes right "
        f"{right:.3f} of the time (of 8 targets: {8 * right:.1f})"
    )

    print()
    for pairs in (10, 11, 12, 14, 17):
        rates = [twice(rule, args.trials // 10, rng, pairs, reverse=r) for r in (False, True)]
        print(
            f"twice at {pairs} pairs: answers differ {rates[0]:.3f} (padding first), "
            f"{rates[1]:.3f} (the change first) if undiagnosed, never if diagnosed"
        )

    probes = radius_calibrating(rng, args.trials)
    print(
        f"\nradius per registered set ({LIMIT}..{REACH}): {probes:.2f} calibration probes, then "
        f"each target certain: 24 probes certify {min(24 - probes, 8):.0f} targets"
    )
    print(f"wall at {REACH}: one probe at {REACH - 2} pairs certifies each target: 8 of 8")


if __name__ == "__main__":
    main()
