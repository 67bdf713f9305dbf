"""The budget priced derivations and tables, not cells about one person: one derived
variable that carries a target's wage (and a known constant for many known people),
crossed with a dozen grouping variables the attacker makes, gives hundreds of fresh cells
that hold the target, each with a noise draw of its own, for a few points each. Their
published sums, less the known people's part, average the magnitude noise away."""

from __future__ import annotations

import itertools
import math

import numpy as np

from tests.red_team.conftest import Attacker, Person, Truth, report, value

KNOWN = 160  # known people (each alone with their birth date), value C each
C = 200_000.0  # what the attacker gives each known person: below the dominance bound
GROUPS = 16  # grouping variables: every pair and triple of them is a table
MAX_TABLES = 400


def _dates(people: list[Person]) -> str:
    return "inlist(fodselsdato, " + ", ".join(f'date("{p.birth}")' for p in people) + ")"


def cells_about_one_target(
    attacker: Attacker, person: Person, truth: Truth, spent: list[int]
) -> list[float]:
    """v = wage for the target, C for KNOWN known people, 0 for everyone else. g_i = 1 for
    the target, a random half of the known people and half of everyone else (by birth
    date), so every table of two or three g's has one cell holding the target, ~20-40 known
    people and thousands of others (a size that costs a price of 1), and the cells of
    different tables hold different known people: a fresh noise draw each. Each cell gives
    sum − C·(its known people) = the wage + noise. Returns these estimates, one per
    distinct answer, until the service refuses."""
    known = truth.by_birth(KNOWN, skip={person.birth}, offset=400)
    rng = np.random.default_rng(2026)
    members = [rng.random(KNOWN) < 0.5 for _ in range(GROUPS)]
    steps: list[dict[str, object]] = [
        {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
        {"generate": "v", "expr": "0"},
    ]
    for chunk in range(0, KNOWN, 40):
        steps.append({"replace": "v", "expr": f"{C:.0f}", "if": _dates(known[chunk : chunk + 40])})
    steps.append({"replace": "v", "expr": "lonn", "if": person.expr()})
    for i, inside in enumerate(members):
        p = 2 * i + 5
        ins = [k for k, m in zip(known, inside, strict=True) if m]
        outs = [k for k, m in zip(known, inside, strict=True) if not m]
        steps += [
            {"generate": f"g{i}", "expr": "0"},
            {"replace": f"g{i}", "expr": "1", "if": f"d - int(d / {p}) * {p} < {p} / 2"},
            {"replace": f"g{i}", "expr": "1", "if": person.expr()},
        ]
        for part, to in ((outs, "0"), (ins, "1")):  # an expression holds ~50 dates
            for chunk in range(0, len(part), 40):
                steps.append(
                    {"replace": f"g{i}", "expr": to, "if": _dates(part[chunk : chunk + 40])}
                )
    handle = attacker.workspace(steps)
    combos = list(itertools.combinations(range(GROUPS), 2)) + list(
        itertools.combinations(range(GROUPS), 3)
    )
    seen: set[float] = set()
    estimates: list[float] = []
    for combo in combos[:MAX_TABLES]:
        names = [f"g{i}" for i in combo]
        response = attacker.ask(
            handle, "tabulate", {"vars": names, "summarize": "v", "stats": ["sum"]}
        )
        if response.status_code != 200:
            break  # refused (the budget): a careful attacker stops paying
        body = response.get_json()
        spent[0] = int(body["budget"]["spent"])
        total = value(body["results"][0], ["1"] * len(combo), "sum")
        if total is None or total in seen:
            continue  # withheld, or a registered answer given again: nothing new
        seen.add(total)
        in_cell = int(np.logical_and.reduce([members[i] for i in combo]).sum())
        estimates.append(total - C * in_cell)
    return estimates


def judge_cells(title: str, person: Person, estimates: list[float], points: int) -> bool:
    """One target: the attack FAILS when the attacker's own standard error (the spread of
    their estimates over √n) is still 5 % of the estimate or more, or the estimate is 5 %
    or more off (the README's bound for one-target attacks)."""
    wage = person.wage or 1.0
    n = len(estimates)
    estimate = float(np.mean(estimates)) if n else None
    spread = float(np.std(estimates, ddof=1)) if n > 1 else math.inf
    standard_error = spread / math.sqrt(n) / wage if n > 1 else math.inf
    error = math.inf if estimate is None else abs(estimate - wage) / wage
    report(
        title,
        cells=n,
        standard_error=round(standard_error, 3),
        rel_error=round(error, 3),
        per_cell_sd=round(spread / wage, 3) if n > 1 else None,
        points=points,
    )
    return standard_error >= 0.05 or error >= 0.05


def test_averaging_sums_of_many_cells_that_hold_one_target(alice: Attacker, truth: Truth) -> None:
    person = truth.targets(1, min_wage=300_000)[0]
    spent = [0]
    estimates = cells_about_one_target(alice, person, truth, spent)
    assert judge_cells(
        "many cells about one target, their sums averaged", person, estimates, points=spent[0]
    )
    assert alice.statuses.get(200, 0) > 0
