"""Simulation: how many probes certify a diagnosis at the edge of the snap, for the snap as
it is and for the alternatives weighed in issue 13 (docs/OUTPUT_CONTROL.md §3
`differencing`, §12; red team `test_snap_edges`).

    python bench/snap_edges.py [--trials 4000] [--seed 1]

The attack: a registered pair set R (Σ of a 0/1 diagnosis over everyone); a probe is a copy
of R with known people's values changed (2 pairs each) or made missing (1 pair), and the
target's value set to 1 (no change if diagnosed, 2 pairs more if not). A probe answered
with R's answer while the undiagnosed distance could never be certifies the diagnosis.
Sets are real fingerprints of random 64-bit pair keys (fingerprint.py) and the current
snap is the real rule (`Differencing.takes`), so its coins are the ones the service draws.

Mechanisms:
- ramp (today): a set 10 to 14 pairs from R gets R's answer by a coin of the two sets with
  probability (15 − d)/6; every new padding draws a new coin;
- radius: one radius per registered set, drawn from {10, …, 15} (the same marginal
  probability as the ramp), a set d pairs away snapped iff d < radius;
- wall: every set within 15 pairs snapped (no ramp).

Attackers:
- fixed: the red-team attack, one probe per padding at the ramp's steepest point (13 pairs,
  15 if undiagnosed), as many probes as the budget gives;
- calibrating: probes with known people alone (no target) at chosen distances first, to
  read a registered set's radius (bisection), then one probe per target just inside it;
- twice: the same padding asked without the target's change and then with it (ramp
  only): a diagnosed target's probe is the calibration set again (a repeat), so any other
  answer certifies "not diagnosed". Both sets draw their own coin against R, and a fresh
  calibration set is registered and takes the probe 2 pairs from it.

Prints, per mechanism and attacker, the chance that one probe certifies a target and the
expected number of the red team's 4 diagnosed targets certified with its 24 probes (two
projects, 10 + 2 probes per diagnosed target in each, as the test spends them), and with
the same 24 probes spread evenly (6 per target). Not part of the test suite."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalogue.analysis.output_control.fingerprint import fingerprint
from catalogue.analysis.output_control.rules.differencing import (
    Differencing,
    DifferencingParameters,
)

UNITS = 2000
LIMIT, RAMP = 10, 5
REACH = LIMIT + RAMP
SPENT = (10, 2, 10, 2)  # probes per diagnosed target as the red-team test spends 24
EVEN = (6, 6, 6, 6)


def expected(rate: float, spent: tuple[int, ...]) -> float:
    return sum(1 - (1 - rate) ** n for n in spent)


class Population:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.keys = rng.integers(1, 2**63, UNITS, dtype=np.uint64)

    def probe(self, changed: int, missing: int, target_changed: bool) -> np.ndarray:
        """Pair keys of R with `changed` fresh known units' values changed, `missing` made
        missing, and the target's (unit 0) changed too if `target_changed`."""
        known = self.rng.choice(np.arange(1, UNITS), changed + missing, replace=False)
        keys = self.keys.copy()
        touched = list(known[:changed]) + ([0] if target_changed else [])
        keys[touched] = self.rng.integers(1, 2**63, len(touched), dtype=np.uint64)
        return np.delete(keys, known[changed:])


def ramp_fixed(rule: Differencing, trials: int, rng: np.random.Generator) -> tuple[float, float]:
    """The red-team probe at 13 pairs (six changed, one missing) against 15: snap rates."""
    rates = []
    for diagnosed in (True, False):
        hits = 0
        for _ in range(trials):
            population = Population(rng)
            registered = fingerprint(population.keys)
            new = fingerprint(population.probe(6, 1, not diagnosed))
            hits += rule.takes(new, registered, REACH)
        rates.append(hits / trials)
    return rates[0], rates[1]


def ramp_edge(ramp: int, trials: int, rng: np.random.Generator) -> tuple[float, float]:
    """A ramp of `ramp` + 1 steps from LIMIT: the probe at its steepest point (reach − 2
    pairs if diagnosed, reach if not, where nothing snaps): snap rates."""
    rule = Differencing(DifferencingParameters(min_difference=LIMIT, ramp=ramp))
    reach = LIMIT + ramp
    rates = []
    for diagnosed in (True, False):
        hits = 0
        pairs = reach - 2
        changed = (pairs - 1) // 2
        for _ in range(trials):
            population = Population(rng)
            registered = fingerprint(population.keys)
            new = fingerprint(population.probe(changed, pairs - 2 * changed, not diagnosed))
            hits += rule.takes(new, registered, reach)
        rates.append(hits / trials)
    return rates[0], rates[1]


def ramp_twice(
    rule: Differencing, trials: int, rng: np.random.Generator, pairs: int, *, alias: bool = False
) -> float:
    """The same padding (`pairs` from R) asked without and with the target's change, an
    undiagnosed target: the chance the two answers differ (diagnosed: never, a repeat).
    `alias`: were a snapped set registered too, with the answer it got (R's), a probe that R
    does not take would get R's answer from it."""
    differ = 0
    for _ in range(trials):
        population = Population(rng)
        registered = fingerprint(population.keys)
        known = rng.choice(np.arange(1, UNITS), pairs // 2 + pairs % 2, replace=False)
        keys = population.keys.copy()
        keys[known[: pairs // 2]] = rng.integers(1, 2**63, pairs // 2, dtype=np.uint64)
        calibration = np.delete(keys, known[pairs // 2 :])
        first = fingerprint(calibration)
        snapped_first = rule.takes(first, registered, REACH)
        probe = calibration.copy()
        probe[0] = rng.integers(1, 2**63, dtype=np.uint64)  # the target's value changed
        second = fingerprint(probe)
        # The earliest registered set that takes the probe: R by its coin, else the
        # calibration set (registered if answered afresh; 2 pairs away, so for certain).
        if rule.takes(second, registered, REACH):
            differ += not snapped_first
        else:
            differ += snapped_first and not alias
    return differ / trials


def radius_calibrating(rng: np.random.Generator, trials: int) -> tuple[float, float]:
    """One radius per registered set: probes per registered set to read it by bisection with
    known people, and the certainty of one target probe after that."""
    spent = []
    for _ in range(trials):
        radius = LIMIT + int(rng.integers(0, RAMP + 1))  # snapped iff d < radius
        low, high, probes = LIMIT, REACH, 0  # radius in [low, high]
        while low < high:
            middle = (low + high + 1) // 2
            probes += 1
            if middle - 1 < radius:  # a probe at middle − 1 pairs snapped
                low = middle
            else:
                high = middle - 1
        spent.append(probes)
    return float(np.mean(spent)), 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    rule = Differencing(DifferencingParameters(min_difference=LIMIT, ramp=RAMP))

    diagnosed, undiagnosed = ramp_fixed(rule, args.trials, rng)
    print(f"ramp, fixed probe at 13 pairs: snapped {diagnosed:.3f} if diagnosed, ", end="")
    print(f"{undiagnosed:.3f} if not (analytic 2/6 = 0.333 and 0)")
    print(
        f"  per probe {diagnosed:.3f}: expected certified of 4 diagnosed, as spent "
        f"{expected(diagnosed, SPENT):.2f}, even {expected(diagnosed, EVEN):.2f}"
    )
    for ramp in (5, 10):
        hit, never = ramp_edge(ramp, args.trials, rng)
        print(
            f"ramp {LIMIT}..{LIMIT + ramp}, probe at {LIMIT + ramp - 2} pairs: snapped "
            f"{hit:.3f} if diagnosed (analytic {2 / (ramp + 1):.3f}), {never:.3f} if not; "
            f"expected certified of 4 diagnosed, as spent {expected(hit, SPENT):.2f}, "
            f"even {expected(hit, EVEN):.2f}"
        )
    for pairs in (10, 11, 12):
        rate = ramp_twice(rule, args.trials, rng, pairs)
        print(
            f"ramp, twice at {pairs} pairs: answers differ {rate:.3f} if undiagnosed, never "
            f"if diagnosed; expected certified of 4 undiagnosed, one padding serving all, "
            f"in 3 rounds: {expected(rate, (3, 3, 3, 3)):.2f}"
        )
    for pairs in (10, 11, 12):
        rate = ramp_twice(rule, args.trials, rng, pairs, alias=True)
        print(f"ramp, twice at {pairs} pairs, snapped sets registered as aliases: {rate:.3f}")
    probes, certainty = radius_calibrating(rng, args.trials)
    print(
        f"radius per registered set: {probes:.2f} calibration probes, then each target "
        f"certain ({certainty:.0%}): 24 probes certify {min(24 - probes, 8):.0f} targets"
    )
    print(
        "  (the red-team probe unchanged: snapped at 13 pairs iff the radius is 14 or 15, "
        f"{2 / (RAMP + 1):.3f} of registered sets, and then for every target)"
    )
    print(f"wall at {REACH}: one probe at {REACH - 2} pairs certifies each target: 8 of 8")


if __name__ == "__main__":
    main()
