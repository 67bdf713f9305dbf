"""Simulate the red-team attacks on a table cell's cap (rules/magnitude_noise.py `caps`)
for a choice of its parameters, in seconds instead of a red-team run: both worlds of each
attack (the target's diagnosis moves its cell), the noise drawn from the real continuous
perturbation table at √V · c (V = 3), dominance drawn as dominance-nk draws its bound, and
the caps, side caps and window reach computed by the real MagnitudeNoise.

Per attack it prints the mean log-likelihood ratio a reading gives for the truth (a
count's is 1/6 = 0.167; the red-team bar is 0.2), twice: scored as the red-team test
scores it (its normal model of the two worlds, read from the design as the attacker
computes it) and by the attacker's best (the two worlds' true normal approximations), and
the 5th-95th percentile of the test's figure over a run of 256 readings (16 targets × 16).

    .venv/bin/python bench/cap_leak_simulation.py [--smoothing 1.1] [--rest-share 0.1] ...
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

import numpy as np

from catalogue.analysis.output_control.rules.dominance_nk import DominanceParameters
from catalogue.analysis.output_control.rules.magnitude_noise import (
    MagnitudeNoise,
    MagnitudeNoiseParameters,
    largest_of,
)

V = 3.0
DOMINANCE = DominanceParameters()
READINGS = 20_000  # per world, for the expectation
RUN = 256  # readings of one red-team run (16 targets × 16 tables)
BAR = 0.2  # the red-team tests' bound: 1.2 times a count's 1/6


def failing(share: float) -> float:
    """The chance a cell whose two largest hold `share` fails dominance-nk (the sine
    density on the log-odds between low and high)."""
    low = math.log(DOMINANCE.low / (1 - DOMINANCE.low))
    high = math.log(DOMINANCE.high / (1 - DOMINANCE.high))
    at = math.log(share / (1 - share)) if 0 < share < 1 else (-math.inf if share <= 0 else math.inf)
    if at <= low:
        return 0.0
    if at >= high:
        return 1.0
    return (1 - math.cos(math.pi * (at - low) / (high - low))) / 2


class Design:
    def __init__(self, parameters: MagnitudeNoiseParameters) -> None:
        self.p = parameters
        self.rule = MagnitudeNoise(parameters)
        self.table = self.rule.table()

    def cap(self, values: list[float] | np.ndarray) -> float:
        x = np.abs(np.asarray(values, dtype=np.float64))
        return float(self.rule.caps(largest_of(x, self.p.cap_rank)[:, None])[0])

    def total(self, values: list[float] | np.ndarray) -> tuple[float, float]:
        """(Σ clip(y, −c, c), c)."""
        x = np.asarray(values, dtype=np.float64)
        c = self.cap(x)
        return float(np.clip(x, -c, c).sum()), c

    def draws(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.table.values(rng.random(n))

    def reach(self, values: list[float], window: tuple[int, int]) -> float:
        """A group's window reach (ranks first … first + span − 1 of its values), its caps
        by signed_caps, the values clipped to them."""
        ordered = np.sort(np.asarray(values, dtype=np.float64))
        starts = np.zeros(1, dtype=np.int64)
        sizes = np.array([len(ordered)], dtype=np.int64)
        upper, lower = self.rule.signed_caps(ordered, starts, sizes)
        clipped = np.clip(ordered, lower[0], upper[0])
        first, span = window
        return float(
            self.rule.window_reach(
                clipped, starts, sizes, np.array([first]), np.array([span]), upper, lower
            )[0]
        )


World = list[tuple[float, float, float]]  # (chance, mean, sd) of a reading


def sample(
    world: World, n: int, draws: Callable[[int], np.ndarray], rng: np.random.Generator
) -> np.ndarray:
    chances = np.array([w[0] for w in world])
    which = rng.choice(len(world), size=n, p=chances / chances.sum())
    means = np.array([w[1] for w in world])[which]
    sds = np.array([w[2] for w in world])[which]
    return means + sds * draws(n)


def density(world: World, e: np.ndarray) -> np.ndarray:
    total = np.zeros_like(e)
    for chance, mean, sd in world:
        if sd > 0:
            total += chance * np.exp(-((e - mean) ** 2) / (2 * sd * sd)) / sd
        else:
            total += chance * (np.abs(e - mean) < 1e-12) * 1e12
    return np.maximum(total, 1e-300)


def judged(
    name: str,
    diagnosed: World,
    not_diagnosed: World,
    model: tuple[World, World],
    design: Design,
    rng: np.random.Generator,
    run: int = RUN,
) -> float:
    """Print the mean log-likelihood ratio for the truth, by the test's model and by the
    true worlds, the test's 5th-95th percentile over runs of `run` readings and how often
    such a run is above the bar."""
    one = sample(diagnosed, READINGS, lambda n: design.draws(n, rng), rng)
    zero = sample(not_diagnosed, READINGS, lambda n: design.draws(n, rng), rng)

    def llr(worlds: tuple[World, World]) -> tuple[np.ndarray, np.ndarray]:
        for_one = np.log(density(worlds[0], one)) - np.log(density(worlds[1], one))
        for_zero = np.log(density(worlds[1], zero)) - np.log(density(worlds[0], zero))
        return for_one, for_zero

    test_one, test_zero = llr(model)
    best_one, best_zero = llr((diagnosed, not_diagnosed))
    test = float((test_one.mean() + test_zero.mean()) / 2)
    best = float((best_one.mean() + best_zero.mean()) / 2)
    runs = []
    for _ in range(2000):
        a = rng.choice(test_one, run // 2)
        b = rng.choice(test_zero, run // 2)
        runs.append((a.sum() + b.sum()) / run)
    lo, hi = np.percentile(runs, [5, 95])
    above = float(np.mean(np.array(runs) > BAR))
    print(
        f"  {name:<58} test {test:6.3f} [{lo:6.3f}, {hi:6.3f}] > {BAR}: {above:5.1%} of runs "
        f"of {run}  best {best:6.3f}"
    )
    return max(test, best)


def capped_paths(design: Design, rng: np.random.Generator) -> float:
    """test_capped_paths::test_the_cap_moved_by_a_unit_entering_its_ranks: ONES known at 1
    (one short of a), 100 at p, the target at 1 or absent; reading the sum less the known
    part (ONES + 100 p)."""
    p = design.p
    ones = max(p.cap_min_rank, (p.cap_rank + 1) // 2) - 1
    found = []
    for q in (0.01, 0.015):
        known = [1.0] * ones + [q] * 100
        t1, c1 = design.total([*known, 1.0])
        t0, c0 = design.total(known)
        base = ones + 100 * q
        sd1, sd0 = math.sqrt(V) * c1, math.sqrt(V) * c0
        # The test's model: sd √3·cap_multiple and that over γ, means 1 and 0.
        m1 = math.sqrt(V) * p.cap_multiple
        m0 = m1 / p.cap_smoothing if p.cap_smoothing else m1
        found.append(
            judged(
                f"capped paths (p = {q}): caps {c1:.3g} / {c0:.3g}",
                [(1, t1 - base, sd1)],
                [(1, t0 - base, sd0)],
                ([(1, 1.0, m1)], [(1, 0.0, m0)]),
                design,
                rng,
                run=192,
            )
        )
        # The attacker's best level: the target at the cap, not at 1.
        t1b, c1b = design.total([*known, c1])
        judged(
            "  the same, the target at the diagnosed world's cap",
            [(1, t1b - base, math.sqrt(V) * c1b)],
            [(1, t0 - base, sd0)],
            ([(1, t1b - base, math.sqrt(V) * c1b)], [(1, t0 - base, sd0)]),
            design,
            rng,
        )
    return max(found)


def small_cell(
    design: Design, rng: np.random.Generator, known: int, target: float, group: bool = False
) -> float:
    """test_small_cell_caps: `known` known people at p, the target at `target` (in units of
    p) if diagnosed, absent (0) if not. Dominated, a table cell answers the target as 0 (the
    undiagnosed cell), a group statistic clips it to the rest's cap."""
    p = 1.0
    base = [p] * known
    t0, c0 = design.total(base)
    cell = [*base, target * p]
    t1, c1 = design.total(cell)
    ordered = sorted(cell, reverse=True)
    share = (ordered[0] + ordered[1]) / sum(cell)
    q = failing(share)
    sd0, sd1 = math.sqrt(V) * c0, math.sqrt(V) * c1
    kb = known * p
    dominated_mean = (t0 + c0 - kb) if group else (t0 - kb)
    diagnosed: World = [(1 - q, t1 - kb, sd1), (q, dominated_mean, sd0)]
    not_diagnosed: World = [(1, t0 - kb, sd0)]
    label = "group" if group else "table"
    return judged(
        f"small {label} cell: {known} at p, target {target:g}p (fails {q:.2f}): caps {c1:.3g} / {c0:.3g}",
        diagnosed,
        not_diagnosed,
        (diagnosed, not_diagnosed),  # the test computes the design as the attacker does
        design,
        rng,
    )


def median_window(size: int) -> tuple[int, int]:
    span = min(size, 10)
    return min(max(math.floor(0.5 * (size - 1) - (span - 1) / 2 + 0.5), 0), size - span), span


def median_entry(
    design: Design,
    rng: np.random.Generator,
    known: int | list[float],
    diagnosed: float,
    not_: float,
    rounds: int = 4,
) -> float:
    """test_second_opinion_spreads: `known` known people at p (or these values) and the
    target at `diagnosed` or `not_` (units of p), a group median (the window is p's either
    way): the noise √V · R over the window's size."""
    values = [1.0] * known if isinstance(known, int) else known
    label = (
        f"{known} at p"
        if isinstance(known, int)
        else f"{len(known)} known ({min(known):g}p-{max(known):g}p)"
    )
    window = median_window(len(values) + 1)
    r1 = design.reach([*values, diagnosed], window)
    r0 = design.reach([*values, not_], window)
    span = window[1]
    s1, s0 = math.sqrt(V) * r1 / span, math.sqrt(V) * r0 / span
    return judged(
        f"median, {label}, target {diagnosed:g}p or {not_:g}p: reach {r1:.3g} / {r0:.3g}",
        [(1, 0.0, s1)],
        [(1, 0.0, s0)],
        ([(1, 0.0, s1)], [(1, 0.0, s0)]),
        design,
        rng,
        run=rounds * 16,
    )


def search(design: Design) -> None:
    """The largest cap move by one unit (added at any value) over padded cells, weighted by
    the chance the cell passes dominance: max over cells and values of
    (1 − q) · (r² + r⁻² − 2)/4, r the cap's ratio (the scale's share of a reading)."""
    worst: tuple[float, str] = (0.0, "")
    profiles: dict[str, list[float]] = {}
    for n in (9, 10, 11, 12, 15, 20, 24, 25, 26, 30, 50, 100, 400):
        profiles[f"{n} equal"] = [1.0] * n
        for rate in (1.05, 1.1, 1.2, 1.5, 2.0):
            profiles[f"{n} geometric {rate}"] = [rate**-j for j in range(n)]
        for big in (3.0, 10.0, 30.0, 100.0):
            profiles[f"{n} equal + one at {big}"] = [big] + [1.0] * (n - 1)
            profiles[f"{n} equal + two at {big}"] = [big, big] + [1.0] * (n - 2)
    values = np.concatenate([np.geomspace(1e-3, 1e4, 90), [1.0]])
    for name, base in profiles.items():
        c0 = design.cap(base)
        for y in values:
            cell = [*base, float(y)]
            c1 = design.cap(cell)
            if c0 <= 0 or c1 <= 0:
                continue
            ordered = sorted(cell, reverse=True)
            q = failing((ordered[0] + ordered[1]) / sum(cell))
            r = c1 / c0
            score = (1 - q) * (r * r + 1 / (r * r) - 2) / 4
            if score > worst[0]:
                worst = (score, f"{name}, y = {y:.3g}: caps {c1:.3g} / {c0:.3g}, fails {q:.2f}")
    print(f"  worst scale move by one unit: {worst[0]:.3f} ({worst[1]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    defaults = MagnitudeNoiseParameters()
    parser.add_argument("--smoothing", type=float, default=defaults.cap_smoothing)
    parser.add_argument("--rest-share", type=float, default=defaults.cap_rest_share)
    parser.add_argument("--rank", type=int, default=defaults.cap_rank)
    parser.add_argument("--min-rank", type=int, default=defaults.cap_min_rank)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    design = Design(
        MagnitudeNoiseParameters(
            cap_smoothing=args.smoothing,
            cap_rest_share=args.rest_share,
            cap_rank=args.rank,
            cap_min_rank=args.min_rank,
        )
    )
    rng = np.random.default_rng(args.seed)
    print(
        f"γ = {args.smoothing}, rest share λ = {args.rest_share}, cap_rank {args.rank}, "
        f"cap_min_rank {args.min_rank}: mean log-likelihood ratio a reading for the truth"
    )
    capped_paths(design, rng)
    small_cell(design, rng, 11, 1 / 8)
    for known in (9, 10, 15, 20, 24):
        small_cell(design, rng, known, 1 / 8)
    small_cell(design, rng, 11, 40.0)
    for target in (3.0, 8.0, 20.0, 100.0):
        small_cell(design, rng, 11, target)
        small_cell(design, rng, 11, target, group=True)
    for known in (9, 15, 24):
        small_cell(design, rng, known, 10.0)
    median_entry(design, rng, 24, 0.125, 0.0)
    median_entry(design, rng, 24, 0.125, 0.0, rounds=8)
    median_entry(design, rng, 24, 1.0, 0.0)
    median_entry(design, rng, 15, 0.125, 0.0)
    median_entry(design, rng, 24, -4.0, 1.0)
    # test_lone_sides' designs (the sides' own caps, signed_caps).
    median_entry(design, rng, [-4.0] * 2 + [1.0] * 22, -4.0, 1.0)
    median_entry(design, rng, [-1.0] * 24, 4.0, -1.0)
    median_entry(design, rng, [-4.0] * 3 + [1.0] * 21, -4.0, 1.0)
    search(design)


if __name__ == "__main__":
    main()
