"""Around the exposure ledger (rules/budget.py, exposure.py): a published sum tells about
every unit in it whose value the noise does not drown, not only about its largest few; a
dominance verdict tells about the values it is decided on, whatever the noise on the sum.
Each attack here averages many answers about one target that the ledger, as first built,
never put down to the target."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest

from tests.red_team.conftest import Attacker, Person, Truth, reasons, report, value
from tests.red_team.test_budget_cells import judge_cells

GROUPS = 16  # grouping variables: every pair and triple of them is a table


def _dates(people: list[Person]) -> str:
    return "inlist(fodselsdato, " + ", ".join(f'date("{p.birth}")' for p in people) + ")"


def _group_steps(i: int, person: Person, members: list[Person]) -> list[dict[str, object]]:
    """The steps making grouping variable g_i: 1 for the target, for the known `members`
    and for half of the unknown (by birth date, a period of 2i + 5 days)."""
    p = 2 * i + 5
    steps: list[dict[str, object]] = [
        {"generate": f"g{i}", "expr": "0"},
        {"replace": f"g{i}", "expr": "1", "if": f"known == 0 and d - int(d / {p}) * {p} < {p} / 2"},
        {"replace": f"g{i}", "expr": "1", "if": person.expr()},
    ]
    for chunk in range(0, len(members), 40):
        steps.append({"replace": f"g{i}", "expr": "1", "if": _dates(members[chunk : chunk + 40])})
    return steps


def _padded_workspace(
    attacker: Attacker,
    person: Person,
    known: list[Person],
    share: float,
    values: dict[str, str],
    seed: int,
) -> tuple[str, list[np.ndarray]]:
    """A workspace with `known` marked (`known` = 1), the derived variables `values`
    (name: expression over `known` and the target), and GROUPS grouping variables g_i:
    1 for the target, for a random `share` of the known people and for half of everyone
    else (by birth date). A table of two or three g's has one cell of the target with
    share² or share³ of the known people (and thousands of others), whose members the
    attacker knows. Returns the handle and each g's known members."""
    rng = np.random.default_rng(seed)
    members = [rng.random(len(known)) < share for _ in range(GROUPS)]
    steps: list[dict[str, object]] = [
        {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
        {"generate": "known", "expr": "0"},
    ]
    for chunk in range(0, len(known), 40):
        steps.append({"replace": "known", "expr": "1", "if": _dates(known[chunk : chunk + 40])})
    for name, expr in values.items():
        steps.append({"generate": name, "expr": expr})
    for i, inside in enumerate(members):
        steps += _group_steps(i, person, [k for k, m in zip(known, inside, strict=True) if m])
    return attacker.workspace(steps), members


def _combos() -> list[tuple[int, ...]]:
    return list(itertools.combinations(range(GROUPS), 2)) + list(
        itertools.combinations(range(GROUPS), 3)
    )


# --- (a) the target just below the cell's top three ------------------------------------------

PADDED_KNOWN = 1000
PADDED_SHARE = 0.2  # a pair's cell holds ~40 known people, a triple's ~8
ABOVE = 500_000.0  # the attacker's bound on the target's wage (a public tax list's bracket)


def _cell_estimates(
    alice: Attacker,
    handle: str,
    person: Person,
    known_part: Callable[[tuple[int, ...]], float | None],
    title: str,
    **figures: object,
) -> tuple[list[float], int]:
    """Asks the sum of v in the cell of each combination of groups (_combos) that holds
    the target, until the budget refuses: each new released sum less the known part of
    the cell (`known_part`; None: a cell the attack passes over) is an estimate of the
    wage. The estimates and the points spent; reports the noise over the run."""
    seen: set[float] = set()
    estimates: list[float] = []
    spent = 0
    for combo in _combos():
        known = known_part(combo)
        if known is None:
            continue
        response = alice.ask(
            handle,
            "tabulate",
            {"vars": [f"g{i}" for i in combo], "summarize": "v", "stats": ["sum"]},
        )
        if response.status_code != 200:
            break  # the budget: a careful attacker stops paying
        body = response.get_json()
        spent = int(body["budget"]["spent"])
        total = value(body["results"][0], ["1"] * len(combo), "sum")
        if total is None or total in seen:
            continue
        seen.add(total)
        estimates.append(total - known)
    wage = person.wage or 1.0
    report(
        f"{title}: the noise over the run",
        first_sd=round(float(np.std(estimates[:60])) / wage, 3) if estimates else None,
        last_sd=round(float(np.std(estimates[-60:])) / wage, 3) if estimates else None,
        **figures,
    )
    return estimates, spent


def test_target_padded_below_the_top_three(alice: Attacker, truth: Truth) -> None:
    """(a) v = wage for the target, ABOVE (more than the target earns) for 1,000 known
    people, 0 for everyone else. Every cell of the target holds at least three known people
    with larger values, so its top three contributions (the only ones the noise is drawn
    from, and, as first built, the only units charged with exposure) are known people's;
    the target is fourth or lower, and each cell's sum less the known part is the wage plus
    noise of sd ~0.57·ABOVE. Each known person is in ~9 of the 680 cells, so none of them
    nears the allowance either. Cells with fewer than three known people are left out (the
    target would be among the top three there)."""
    person = truth.targets(1, min_wage=300_000)[0]
    assert (person.wage or 0) < ABOVE  # the attacker's bracket holds
    known = truth.by_birth(PADDED_KNOWN, skip={person.birth}, offset=400)
    handle, members = _padded_workspace(
        alice,
        person,
        known,
        PADDED_SHARE,
        {"v": f"known * {ABOVE:.0f}"},
        seed=2027,
    )
    alice.steps(handle, [{"replace": "v", "expr": "lonn", "if": person.expr()}])

    def known_part(combo: tuple[int, ...]) -> float | None:
        in_cell = int(np.logical_and.reduce([members[i] for i in combo]).sum())
        # Fewer than three: the target would be among the top three, not this attack's cell.
        return None if in_cell < 3 else ABOVE * in_cell

    estimates, spent = _cell_estimates(
        alice, handle, person, known_part, "target padded below the top three"
    )
    assert judge_cells(
        "target padded below the top three (one project)", person, estimates, points=spent
    )
    assert alice.statuses.get(200, 0) > 0


DECOY = 5_000_000.0  # on top of every cell that is not the target's
PAIR_VALUE, TRIPLE_VALUE = 500_000.0, 460_000.0  # above the target's wage, by the bracket
FILLER = 1_000.0


def test_target_below_padders_that_are_never_charged_elsewhere(
    alice: Attacker, truth: Truth
) -> None:
    """(a), with the padders kept unexposed. In the form above every known person is in one
    cell of every table, and the first three in pair order of each mixed cell are charged,
    so the target's padders wear out elsewhere (the attack failed from its first run). Here
    membership is designed: 3 decoys in no g and 3 in each single g (value DECOY: the top
    three of every cell that is not the target's), 3 padders for each pair {i, j} (member of
    exactly g_i and g_j, PAIR_VALUE), 4 for each triple (TRIPLE_VALUE), and 10 fillers in
    every g (FILLER, so that a triple's cell has ten contributors). The target's cell of
    (i, j) holds the pair's padders on top and the triples' below them; of (i, j, k), the
    triple's four; a pair's padders are on top of only 15 cells (their pair's and its 14
    triples' (1, 1, 0) cells), a triple's of one: none nears the allowance, and the target,
    fourth or lower everywhere, was never charged. Each cell's sum less the known part is
    the wage plus noise of sd ~0.57 of the padders' value: 680 fresh measurements."""
    person = truth.targets(1, min_wage=300_000)[0]
    assert (person.wage or 0) < TRIPLE_VALUE  # the attacker's bracket holds
    groups = range(GROUPS)
    plan: list[tuple[frozenset[int], float, int]] = [(frozenset(), DECOY, 3)]
    plan += [(frozenset({i}), DECOY, 3) for i in groups]
    plan += [(frozenset(c), PAIR_VALUE, 3) for c in itertools.combinations(groups, 2)]
    plan += [(frozenset(c), TRIPLE_VALUE, 4) for c in itertools.combinations(groups, 3)]
    plan.append((frozenset(groups), FILLER, 10))
    known = truth.by_birth(sum(n for _, _, n in plan), skip={person.birth}, offset=400)
    people: list[tuple[Person, frozenset[int], float]] = []
    for membership, amount, n in plan:
        for _ in range(n):
            people.append((known[len(people)], membership, amount))
    steps: list[dict[str, object]] = [
        {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
        {"generate": "known", "expr": "0"},
        {"generate": "v", "expr": "0"},
    ]
    everyone = [p for p, _, _ in people]
    for chunk in range(0, len(everyone), 40):
        steps.append({"replace": "known", "expr": "1", "if": _dates(everyone[chunk : chunk + 40])})
    for amount in (DECOY, PAIR_VALUE, TRIPLE_VALUE, FILLER):
        holders = [p for p, _, a in people if a == amount]
        for chunk in range(0, len(holders), 40):
            steps.append(
                {"replace": "v", "expr": f"{amount:.0f}", "if": _dates(holders[chunk : chunk + 40])}
            )
    steps.append({"replace": "v", "expr": "lonn", "if": person.expr()})
    for i in groups:
        steps += _group_steps(i, person, [k for k, m, _ in people if i in m])
    handle = alice.workspace(steps)
    estimates, spent = _cell_estimates(
        alice,
        handle,
        person,
        lambda combo: sum(a for _, m, a in people if m >= set(combo)),
        "target below padders never charged elsewhere",
        known=len(people),
    )
    assert judge_cells(
        "target below padders never charged elsewhere (one project)",
        person,
        estimates,
        points=spent,
    )
    assert alice.statuses.get(200, 0) > 0


# --- (b) dominance verdicts, many cells of one target -----------------------------------------

VERDICT_KNOWN = 600
VERDICT_SHARE = 0.3  # a pair's cell holds ~54 known people, a triple's ~16
GUESS = 450_000.0  # the attacker's first guess: where the known values are set around
LOW, HIGH = 0.2, 0.9  # dominance-nk's published band
WIDTH = math.log(HIGH / (1 - HIGH)) - math.log(LOW / (1 - LOW))  # on the log-odds: 3.58
WAGES = np.exp(np.linspace(math.log(30_000.0), math.log(10_000_000.0), 4001))


def _withheld_probability(wages: np.ndarray, c: float, m: int) -> np.ndarray:
    """P(withheld) for a cell of y (on top) and m known people at c: the share of the two
    largest, (y + c)/(y + m·c), on the log-odds against the drawn bound's sine distribution."""
    odds = np.log((wages + c) / ((m - 1) * c))
    placed = np.clip((odds - math.log(LOW / (1 - LOW))) / WIDTH, 0.0, 1.0)
    return np.asarray((1 - np.cos(np.pi * placed)) / 2)


def _read_probability(wages: np.ndarray, c: float, m: int) -> np.ndarray:
    """P(read as dominated): withheld or answered with the wage at 0, or shown with the wage
    under GUESS/2 after its noise (sd half the wage)."""
    failed = _withheld_probability(wages, c, m)
    z = (GUESS / 2 - wages) / (0.5 * wages * math.sqrt(2))
    return np.asarray(failed + (1 - failed) * 0.5 * (1 + np.vectorize(math.erf)(z)))


def test_dominance_verdicts_of_many_cells_of_one_target(alice: Attacker, truth: Truth) -> None:
    """(b) The verdicts, not the sums: v2 and v3 = wage for the target, a small known c
    for 600 known people (c chosen so that a cell of the target and its pair's or triple's
    known people has a share of the two largest in the middle of dominance-nk's band for a
    wage near GUESS), 0 for everyone else. Each two-/three-way table of the g's has a fresh
    cell of the target whose verdict (withheld by dominance-nk or shown) is drawn against a
    bound of its own: one yes/no about the wage per cell, ~680 for one derived variable
    per table size, where test_probing paid a fresh input for each. Every verdict is read
    into the likelihood of the wage (the band is published with the rule). The published
    sums are not used: the exposure ledger already throttles their noise; verdicts it did
    not. FAILS when the posterior sd of the log wage is 0.10 or more, or the estimate is
    10 % or more off (test_probing's bound)."""
    person = truth.targets(1, min_wage=300_000)[0]
    known = truth.by_birth(VERDICT_KNOWN, skip={person.birth}, offset=400)
    middle = math.exp(math.log(LOW / (1 - LOW)) + WIDTH / 2)  # share odds at the band's middle
    pairs, triples = VERDICT_SHARE**2 * VERDICT_KNOWN, VERDICT_SHARE**3 * VERDICT_KNOWN
    c2, c3 = GUESS / (middle * (pairs - 1)), GUESS / (middle * (triples - 1))
    handle, members = _padded_workspace(
        alice,
        person,
        known,
        VERDICT_SHARE,
        {"v2": f"known * {c2:.2f}", "v3": f"known * {c3:.2f}"},
        seed=2028,
    )
    alice.steps(
        handle,
        [
            {"replace": "v2", "expr": "lonn", "if": person.expr()},
            {"replace": "v3", "expr": "lonn", "if": person.expr()},
        ],
    )
    loglik = np.zeros_like(WAGES)
    verdicts = withheld = 0
    spent = 0
    for combo in _combos():
        m = int(np.logical_and.reduce([members[i] for i in combo]).sum())
        if m < 12:
            continue  # too few contributors: magnitude-support would decide, not dominance
        name, c = ("v2", c2) if len(combo) == 2 else ("v3", c3)
        labels = ["1"] * len(combo)
        response = alice.ask(
            handle,
            "tabulate",
            {"vars": [f"g{i}" for i in combo], "summarize": name, "stats": ["sum"]},
        )
        if response.status_code != 200:
            break  # the budget
        body = response.get_json()
        spent = int(body["budget"]["spent"])
        item = body["results"][0]
        why = reasons(item, labels)
        total = value(item, labels, "sum")
        if total is None and "dominance-nk" not in why:
            continue  # withheld by something else: no verdict
        # A dominated cell is answered with the target's wage at 0 (docs/OUTPUT_CONTROL.md
        # §3 `dominance-nk`): its sum is the m known c's alone. Read as a verdict: withheld,
        # or a sum under m·c + GUESS/2 (the wage's noise, sd half of it, may put a shown one
        # there too: in the likelihood).
        shown = total is not None and total - m * c >= GUESS / 2
        p = np.clip(_read_probability(WAGES, c, m), 1e-12, 1 - 1e-12)
        loglik += np.log(1 - p if shown else p)
        verdicts += 1
        withheld += not shown
    estimate = float(WAGES[int(np.argmax(loglik))]) if verdicts else None
    posterior = np.exp(loglik - loglik.max())
    posterior /= posterior.sum()
    mean = float(np.sum(posterior * np.log(WAGES)))
    spread = math.sqrt(float(np.sum(posterior * (np.log(WAGES) - mean) ** 2)))
    wage = person.wage or 1.0
    error = math.inf if estimate is None else abs(estimate - wage) / wage
    report(
        "dominance verdicts of many cells of one target (one project)",
        verdicts=verdicts,
        withheld=withheld,
        true=wage,
        estimate=None if estimate is None else round(estimate),
        rel_error=round(error, 3),
        posterior_sd=round(spread, 3),
        points=spent,
    )
    assert spread >= 0.10 or error >= 0.10
    assert alice.statuses.get(200, 0) > 0


# --- (c) group values made at step time -----------------------------------------------------

SUMS = 140  # padded statistics of the target's wage in one aggregation (a workspace holds
WORKSPACES = 6  # 300 variables), in each of six workspaces
PADDING = 20  # known people beside the target in each sum or mean
PLURAL = {"mean": "means", "max": "maxima"}
WINDOW = 10  # a smoothed maximum's window (extreme-values' units): the target and 9 known


def _step_time_workspace(
    person: Person, known: list[Person], statistic: str, ws: int
) -> list[dict[str, object]]:
    """The steps of one workspace: v_k = wage for the target, c_k for the known people;
    one `aggregate … by(alle)` of `statistic` of each v_k; one derived w averaging the
    SUMS measurements of the wage each statistic gives (in one label): w is the estimate
    itself.
    - sum: 0 for everyone else; s_k − 20·c_k;
    - mean: missing for everyone else, so the mean is over 21 units: 21·s_k − 20·c_k;
    - max: 0 for everyone else, 9 known people: the window of the 10 largest is the target
      and them (a smoothed maximum), 10·s_k − 9·c_k."""
    steps: list[dict[str, object]] = [
        {"generate": "known", "expr": "0"},
        {"replace": "known", "expr": "1", "if": _dates(known)},
    ]
    padding = [1000 * (ws + 1) + k for k in range(SUMS)]
    n = len(known)
    stats: dict[str, list[str]] = {}
    for k, c in enumerate(padding):
        if statistic == "mean":
            steps.append({"generate": f"v{k}", "expr": str(c), "if": "known == 1"})
        else:
            steps.append({"generate": f"v{k}", "expr": f"{c} * known"})
        steps.append({"replace": f"v{k}", "expr": "lonn", "if": person.expr()})
        stats[f"s{k}"] = [statistic, f"v{k}"]
    steps.append({"aggregate": stats, "by": "alle"})
    scale = {"sum": 1, "mean": n + 1, "max": WINDOW}[statistic]
    parts = []  # an expression holds ~2,000 characters: partial sums of 35
    for j, start in enumerate(range(0, SUMS, 35)):
        chunk = enumerate(padding[start : start + 35], start=start)
        terms = " + ".join(f"({scale} * s{k} - {n * c})" for k, c in chunk)
        steps.append({"generate": f"t{j}", "expr": terms})
        parts.append(f"t{j}")
    steps.append({"generate": "w", "expr": f"({' + '.join(parts)}) / {SUMS}"})
    return steps


def _step_time_attack(
    title: str, attackers: list[Attacker], person: Person, known: list[Person], statistic: str
) -> bool:
    """WORKSPACES workspaces, taken in turn by the attackers, each one label; the labels
    averaged. FAILS when the attacker's own standard error (the labels' spread over √n)
    is 5 % or more, or the estimate is 5 % or more off (judge_cells' bound). Without the
    exposure ledger each label averages 140 measurements of sd ~half the wage (the
    standard error over six labels ~1.7 %: off by 5 % in under 1 % of runs, so the attack
    succeeded for sure)."""
    labels: list[float] = []
    for ws in range(WORKSPACES):
        attacker = attackers[ws % len(attackers)]
        steps = _step_time_workspace(person, known, statistic, ws)
        handle = attacker.workspace(steps)
        label = attacker.label(handle, "w")
        if label is not None:
            labels.append(float(label))
    wage = person.wage or 1.0
    n = len(labels)
    estimate = float(np.mean(labels)) if n else None
    spread = float(np.std(labels, ddof=1)) if n > 1 else math.inf
    standard_error = spread / math.sqrt(n) / wage if n > 1 else math.inf
    error = math.inf if estimate is None else abs(estimate - wage) / wage
    report(
        title,
        statistics=SUMS * n,
        labels=[f"{x:.4g}" for x in labels],
        true=wage,
        estimate=None if estimate is None else f"{estimate:.4g}",
        rel_error=f"{error:.3g}",
        standard_error=f"{standard_error:.3g}",
        requests=sum(a.requests for a in attackers),
    )
    for attacker in attackers:
        assert attacker.statuses.get(200, 0) > 0
    return standard_error >= 0.05 or error >= 0.05


def test_group_sums_made_at_step_time_averaged_in_one_variable(
    alice: Attacker, truth: Truth
) -> None:
    """(c) v_k = wage for the target, c_k for 20 known people, 0 for everyone else, for
    k < 140; one `aggregate … by(alle)` makes each one's sum over everyone, each perturbed
    when the step computes it by the keys of its (unit, value) pairs (v_k and v_j differ in
    the 20 known people's values: 40 pairs apart, a fresh draw each). One derived variable
    averages s_k − 20·c_k, and one frequency table reads it as its label; six workspaces
    (other c_k), six labels averaged: 840 measurements of the wage for six tables. Until
    the group statistics were charged to the exposure ledger (grouping.py, group_values.py)
    the wage came out within 2.5 % (0.04 % in another run)."""
    person = truth.targets(1, min_wage=300_000)[0]
    known = truth.by_birth(PADDING, skip={person.birth}, offset=400)
    assert _step_time_attack(
        "group sums made at step time, averaged in one variable", [alice], person, known, "sum"
    )


@pytest.mark.parametrize("statistic", ["mean", "max"])
def test_group_means_or_maxima_made_at_step_time_by_two_projects(
    alice: Attacker, bob: Attacker, truth: Truth, statistic: str
) -> None:
    """(c) by other statistics and two projects: the same six workspaces, taken in turn by
    alice and bob (two projects, two budgets), with a group mean (v_k missing for everyone
    but the target and the 20 known people: a mean over 21 units, 21·s_k − 20·c_k) or a
    smoothed group maximum (the target and 9 known people on top of zeros: the window of
    the 10 largest, 10·s_k − 9·c_k). A mean is its total's noise over the group's size, a
    maximum its window's; both must be charged to the target as a sum is, in every
    project."""
    person = truth.targets(1, min_wage=300_000)[0]
    n = PADDING if statistic == "mean" else WINDOW - 1
    known = truth.by_birth(n, skip={person.birth}, offset=400)
    assert _step_time_attack(
        f"group {PLURAL[statistic]} made at step time by two projects, averaged in one variable",
        [alice, bob],
        person,
        known,
        statistic,
    )
