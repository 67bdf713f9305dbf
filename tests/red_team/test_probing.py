"""Probing decisions that rest on exact values: the dominance rules (a cell is withheld
when its largest contributions make up too much of it), the `too-many-categories` limit
(a refusal that depends on how many distinct values a variable has), and labels read from
the data. Each decision is a yes/no answer about the data; asked often enough, it is a
value or a membership."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from tests.red_team.conftest import Attacker, Person, Truth, reasons, report, value
from tests.red_team.support import both_kinds, replaced, wage_error

SETS = 5  # different groups of 20 padding people, each with a bound of its own
PROBES = 8


def _dates(people: list[Person]) -> str:
    return "inlist(fodselsdato, " + ", ".join(f'date("{p.birth}")' for p in people) + ")"


def _group(
    attacker: Attacker, handle: str, person: Person, others: list[Person], group: str
) -> None:
    """The 0/1 variable `group`: the target and the padding `others`."""
    attacker.steps(handle, [{"generate": group, "expr": f"({person.expr()}) or {_dates(others)}"}])


def _cell_sum(
    attacker: Attacker,
    handle: str,
    person: Person,
    others: list[Person],
    group: str,
    name: str,
    c: float,
) -> Any:
    """One probe: the sum by `group` (_group) of a new variable `name` that is c for each of
    `others`, the wage for the target and 0 for everyone else (the cell `true` holds the
    target and its padding, its verdict the dominance rules' on the target's wage against
    c)."""
    attacker.steps(
        handle,
        [
            *replaced(name, "0", f"{c:.4f}", _dates(others)),
            {"replace": name, "expr": "lonn", "if": person.expr()},
        ],
    )
    return attacker.ask(handle, "tabulate", {"vars": [group], "summarize": name, "stats": ["sum"]})


# A dominated cell is answered as the cell with its dominant values at 0 (docs §3
# `dominance-nk`): the cell of the target and 20 people at c then publishes the 20 c's
# alone, a count in disguise whose noise is at most D·Σm_j·c·3.02 = 7.9·c. The verdict is
# read from the answer: withheld, or a sum within that of 20·c (the target answered as 0).
ALONE = 8.0


def _read_dominated(response: Any, c: float) -> bool:
    """The verdict as the answer shows it: withheld, or the sum of the padding alone."""
    total = value(response.get_json()["results"][0], ["true"], "sum")
    return total is None or total - 20 * c < ALONE * c


def _flip_points(attacker: Attacker, person: Person, groups: list[list[Person]]) -> list[float]:
    """For each padding group, bisect the c at which the cell of the target and the group
    stops being withheld. Stops at the first refusal (the budget): what it has is kept."""
    handle = attacker.workspace()
    flips: list[float] = []
    for s, others in enumerate(groups):
        _group(attacker, handle, person, others, f"g{s}")
        low, high = math.log(300.0), math.log(100_000.0)  # withheld at low, shown at high
        for k in range(PROBES):
            c = math.exp((low + high) / 2)
            response = _cell_sum(attacker, handle, person, others, f"g{s}", f"z{s}_{k}", c)
            if response.status_code != 200:
                return flips  # refused: this group's bisection is unfinished
            if not _read_dominated(response, c):
                high = math.log(c)
            else:
                low = math.log(c)
        flips.append(math.exp((low + high) / 2))
    return flips


def _bound(k: float) -> float:
    """Where NK(2, k) flips for a cell of y and 20 units of c: c* = y·f(k)."""
    return (1 - k) / (20 * k - 1)


# What the service publishes of dominance-nk (its documented parameters): the bound a cell
# meets is drawn per question between LOW and HIGH, with the sine density on the log-odds.
LOW, HIGH = 0.2, 0.9
WIDTH = math.log(HIGH / (1 - HIGH)) - math.log(LOW / (1 - LOW))  # on the log-odds: 3.58


def judge_verdicts(title: str, person: Person, estimate: float | None, n: int, **seen: Any) -> bool:
    """However an attacker uses n verdicts, each tells at most π²/w² of Fisher information
    about the log of the wage (rules/dominance_nk.py), so no estimate from them has a
    standard error under w/(π√n) (Cramér–Rao): deterministic given n, as the averaging
    attacks' standard error is. The attack FAILS when the service stops it while that is
    still 10 % or more (n ≤ 130 with the defaults), or its estimate is 10 % or more off.
    (One estimate alone lands within 10 % by luck in a share of runs, about half for an
    efficient attacker at the bound: judged on it alone, the test would be a game of
    chance.)"""
    standard_error = WIDTH / (math.pi * math.sqrt(n)) if n else math.inf
    error = wage_error(estimate, person)
    report(
        title,
        verdicts=n,
        standard_error_at_best=round(standard_error, 3),
        true=person.wage,
        estimate=None if estimate is None else round(estimate),
        rel_error=round(error, 3),
        **seen,
    )
    return standard_error >= 0.10 or error >= 0.10


def test_dominance_bound_probed_by_bisection(alice: Attacker, bob: Attacker, truth: Truth) -> None:
    """z = wage for the target, c for 20 known people, 0 for everyone else. NK(2, k)
    withholds the cell of the 21 while (y + c)/(y + 20c) ≥ k, so it flips at
    c* = y·f(k), f(k) = (1 − k)/(20k − 1). Every group's flip point bounds y to
    [c*/f(LOW), c*/f(HIGH)]; the attacker intersects the bounds and takes the geometric
    middle. (Before the bound was drawn per question, k jittered in [0.80, 0.85] by the unit
    set: the ten brackets put the wage within 0.3-3.2 %.)"""
    person = truth.targets(1, min_wage=100_000)[0]  # a project's budget pays for one
    groups = [truth.by_birth(20, skip={person.birth}, offset=20 * g) for g in range(2 * SETS)]
    flips = _flip_points(alice, person, groups[:SETS]) + _flip_points(bob, person, groups[SETS:])
    low = max(c / _bound(LOW) for c in flips) if flips else 0.0
    high = min(c / _bound(HIGH) for c in flips) if flips else math.inf
    estimate = math.sqrt(low * high) if flips else None
    assert judge_verdicts(
        "dominance bound probed by bisection (two projects)",
        person,
        estimate,
        len(flips) * PROBES,
        groups_finished=len(flips),
        interval=(round(low), round(high) if high != math.inf else None),
    )


def _withheld_probability(wages: np.ndarray, c: float) -> np.ndarray:
    """P(withheld) for the cell of y and 20 units of c, per candidate wage y: the share's
    log-odds against the sine distribution of the drawn bound's."""
    odds = np.log((wages + c) / (19 * c))
    placed = np.clip((odds - math.log(LOW / (1 - LOW))) / WIDTH, 0.0, 1.0)
    return np.asarray((1 - np.cos(np.pi * placed)) / 2)


def _read_probability(wages: np.ndarray, c: float) -> np.ndarray:
    """P(read as dominated) per candidate wage: dominated, or shown with the wage's noise
    (sd half the wage, cut at three) taking the sum under the padding's reading."""
    failed = _withheld_probability(wages, c)
    z = (ALONE * c - wages) / (0.5 * wages * math.sqrt(2))
    low = np.vectorize(math.erf)(z)
    return np.asarray(failed + (1 - failed) * 0.5 * (1 + low))


def _adaptive_verdicts(
    attacker: Attacker, person: Person, others: list[Person], loglik: np.ndarray, tag: str
) -> int:
    """Probes until the budget refuses: each probe puts the share, at the current maximum
    of the likelihood, somewhere in the middle of the bound's band (where a verdict is
    nearly as likely either way); each verdict updates the likelihood over WAGES."""
    handle = attacker.workspace()
    _group(attacker, handle, person, others, "g")
    middle = math.log(LOW / (1 - LOW)) + WIDTH / 2
    n = 0
    while True:
        guess = float(WAGES[int(np.argmax(loglik))])
        odds = middle + 0.8 * math.sin(1.7 * n)  # spread over the band's middle
        c = guess / (19 * math.exp(odds) - 1)  # (y + c)/(19c) = e^odds at y = guess
        response = _cell_sum(attacker, handle, person, others, "g", f"z{tag}{n}", c)
        if response.status_code != 200:
            return n  # refused: the budget
        withheld = _read_dominated(response, c)
        p = np.clip(_read_probability(WAGES, c), 1e-12, 1 - 1e-12)
        loglik += np.log(p if withheld else 1 - p)
        n += 1


WAGES = np.exp(np.linspace(math.log(10_000.0), math.log(10_000_000.0), 4001))


def test_dominance_bound_fitted_by_likelihood(alice: Attacker, bob: Attacker, truth: Truth) -> None:
    """The adaptive attacker: the same cells of the target and 20 known people at c, but
    each c chosen where the current likelihood fit puts the verdict near even odds, and
    every verdict read into the likelihood of the wage (the drawn bound's distribution is
    published with the rule). Both projects' budgets, one probe per fresh input until the
    budget refuses. In simulation (numpy, the same rule): 80 verdicts put the wage within
    10 % in 53 % of draws, 94 in 62 %, 600 in 95 %."""
    person = truth.targets(1, min_wage=100_000)[0]
    loglik = np.zeros_like(WAGES)
    n = 0
    for a, attacker in enumerate([alice, bob]):
        others = truth.by_birth(20, skip={person.birth}, offset=20 * a)
        n += _adaptive_verdicts(attacker, person, others, loglik, f"p{a}_")
    estimate = float(WAGES[int(np.argmax(loglik))]) if n else None
    posterior = np.exp(loglik - loglik.max())
    posterior /= posterior.sum()
    mean = float(np.sum(posterior * np.log(WAGES)))
    spread = math.sqrt(float(np.sum(posterior * (np.log(WAGES) - mean) ** 2)))
    assert judge_verdicts(
        "dominance bound fitted by likelihood (two projects)",
        person,
        estimate,
        n,
        posterior_sd=round(spread, 3),
    )


def test_p_percent_verdict_read_behind_dominance(alice: Attacker, truth: Truth) -> None:
    """The same cells as above, but the attacker reads the reasons: p % withholds while the
    rest 19c is below p·y, p in [10, 11] % by the group, a bracket of 10 % from one group
    (against 42 % for dominance-nk's). When every rule that fails is listed, p-percent's
    verdict shows behind dominance-nk's: two groups of 12 probes, in one project, put the
    wage within 1 %."""
    person = truth.targets(1, min_wage=100_000)[0]
    handle = alice.workspace()
    brackets: list[tuple[float, float]] = []
    named = 0
    for s in range(3):
        others = truth.by_birth(20, skip={person.birth}, offset=20 * s)
        _group(alice, handle, person, others, f"g{s}")
        low, high = math.log(10.0), math.log(100_000.0)  # p % fails at low, passes at high
        for k in range(12):
            c = math.exp((low + high) / 2)
            response = _cell_sum(alice, handle, person, others, f"g{s}", f"z{s}_{k}", c)
            if response.status_code != 200:
                break
            why = reasons(response.get_json()["results"][0], ["true"])
            named += "p-percent" in why
            if "p-percent" in why:
                low = math.log(c)
            else:
                high = math.log(c)
        flip = math.exp((low + high) / 2)  # rest 19·c* = p·y
        brackets.append((19 * flip / 0.11, 19 * flip / 0.10))
    lowest = max(b[0] for b in brackets)
    highest = min(b[1] for b in brackets)
    estimate = (lowest + highest) / 2
    error = abs(estimate - (person.wage or 0)) / (person.wage or 1)
    report(
        "p % verdict behind dominance, bisected (one project)",
        groups=len(brackets),
        responses_naming_p_percent=named,
        interval=(round(lowest), round(highest)),
        true=person.wage,
        rel_error=round(error, 3),
    )
    assert error >= 0.10


def test_a_sum_tells_a_zero_from_one_contribution(alice: Attacker, truth: Truth) -> None:
    """One question per target: Σ w over everyone with w = 10^6 for the target if
    diagnosed, 0 for everyone else. Guess "diagnosed" when the sum is not an exact 0."""
    targets = both_kinds(truth, 4)
    handle = alice.workspace()
    right = 0
    for i, person in enumerate(targets):
        alice.steps(handle, replaced(f"w{i}", "0", "1000000", f"({person.expr()}) and kreft"))
        total = alice.sum_of(handle, f"w{i}")
        right += (total != 0.0) == person.kreft
    report("a zero sum against one contribution", right=right, of=len(targets))
    assert right <= 6  # of 8


def test_category_limit_tells_a_diagnosis(
    alice: Attacker, truth: Truth, bob: Attacker | None = None
) -> None:
    """v = days since 1900 mod 500 has all 500 values; `replace v = -1 if target and
    kreft` adds a 501st only for a diagnosed target, and a bar chart (or a table) of v is
    refused then. 12 targets, each asked by a bar chart or a table; with a second
    researcher (another project, another budget) they share the targets."""
    targets = both_kinds(truth, 6)
    attackers = [alice] if bob is None else [alice, bob]
    right = 0
    codes: dict[int, int] = {}
    for a, attacker in enumerate(attackers):
        handle = attacker.workspace(
            [
                {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
                {"generate": "v", "expr": "d - int(d / 500) * 500"},
            ]
        )
        for i, person in enumerate(targets[a :: len(attackers)]):
            attacker.steps(handle, replaced(f"v{i}", "v", "-1", f"({person.expr()}) and kreft"))
            response = (
                attacker.ask(handle, "barchart", {"var": f"v{i}"})
                if i % 2 == 0
                else attacker.ask(handle, "tabulate", {"vars": [f"v{i}"]})
            )
            codes[response.status_code] = codes.get(response.status_code, 0) + 1
            guess = response.status_code != 200
            right += guess == person.kreft
    report("category limit as an oracle", right=right, of=len(targets), statuses=codes)
    assert right <= 9  # of 12: a coin does as well 7 % of the time


def test_category_limit_across_two_projects(alice: Attacker, bob: Attacker, truth: Truth) -> None:
    """The same attack with the targets shared by two researchers."""
    test_category_limit_tells_a_diagnosis(alice, truth, bob)


def test_labels_read_from_the_data_stay_hidden(alice: Attacker, truth: Truth) -> None:
    """A string variable that is the target's wage for the target and "andre" for
    everyone else, used as a dimension, a bar chart, a factor: the wage must appear in no
    response, nor in the workspace's description."""
    targets = truth.targets(4)
    leaks = 0
    handle = alice.workspace()
    for i, person in enumerate(targets):
        alice.steps(handle, replaced(f"s{i}", '"andre"', "string(lonn)", person.expr()))
        wage = str(int(person.wage or 0))
        responses = [
            alice.get(f"/{handle}"),
            alice.ask(handle, "barchart", {"var": f"s{i}"}),
            alice.ask(handle, "tabulate", {"vars": [f"s{i}"], "percent": "cell"}),
            alice.ask(
                handle,
                "tabulate",
                {"vars": [f"s{i}", "kjonn"], "summarize": "lonn", "stats": ["mean", "median"]},
            ),
            alice.ask(handle, "regress", {"y": "lonn", "x": [f"i.s{i}"]}),
        ]
        leaks += sum(wage in json.dumps(r.get_json()) for r in responses)
    report("labels from the data", targets=len(targets), responses_naming_the_wage=leaks)
    assert leaks == 0
