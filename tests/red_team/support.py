"""What several attacks share beyond the fixtures and the attacker (conftest.py): readers
of API responses and the steps of a recurring set-up. A reader says None for what an
attacker cannot read: a refused request, a withheld row, a missing value; an attack counts
None as nothing learnt, so a reader that guessed instead would make an attack look
stronger than it is."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tests.red_team.conftest import Attacker, Person, Truth, report


def coefficient(response: Any, term: str) -> float | None:
    """The released coefficient of `term` in the first result of a model's response; None
    when the request was refused, the term is not there, or its coefficient is withheld."""
    if response.status_code != 200:
        return None
    for row in response.get_json()["results"][0]["result"]["rows"]:
        if row["labels"] and row["labels"][0] == term:
            found = row["values"].get("coefficient")
            return None if found is None else float(found)
    return None


def coefficient_rows(item: dict[str, Any]) -> dict[str, tuple[float, float]] | None:
    """One released model result's (coefficient, standard error) by term label; None when
    any row is withheld (no coefficient) or unlabelled, as an attacker reads nothing then."""
    rows = {}
    for row in item["result"]["rows"]:
        values = row["values"]
        if not row["labels"] or values.get("coefficient") is None:
            return None
        rows[str(row["labels"][0])] = (float(values["coefficient"]), float(values["std_error"]))
    return rows


def reasons(response: Any) -> list[str]:
    """The reason codes an answer gives: the error's code for a refusal, else every row's
    reasons, sorted and each once."""
    if response.status_code != 200:
        return [response.get_json()["error"]["code"]]
    return sorted(
        {
            r
            for item in response.get_json()["results"]
            for row in item["result"]["rows"]
            for r in row["reasons"]
        }
    )


def replaced(name: str, expr: str, value: str, condition: str) -> list[dict[str, Any]]:
    """The steps of `name`: `expr`, and `value` where `condition` holds. Most often a copy of
    a variable with the target's value changed, which is how nearly every attack here sets
    two requests apart that differ in one unit only."""
    return [{"generate": name, "expr": expr}, {"replace": name, "expr": value, "if": condition}]


def indicator(name: str, condition: str) -> list[dict[str, Any]]:
    """The steps of a numeric 0/1 variable: 1 where `condition` holds (the language does not
    multiply truth values)."""
    return replaced(name, "0", "1", condition)


def both_kinds(truth: Truth, n: int) -> list[Person]:
    """n diagnosed targets, then n undiagnosed: a guess of each one's diagnosis is then
    judged against a coin, which is right about half of them."""
    return truth.targets(n, kreft=True) + truth.targets(n, kreft=False)


def born_on(people: Sequence[Person]) -> str:
    """A condition that holds for these people and (the register being what it is) for no
    one else: their birth dates."""
    return " or ".join(f'fodselsdato == date("{p.birth}")' for p in people)


def target_groups(
    attacker: Attacker,
    handle: str,
    person: Person,
    known: Sequence[Person],
    i: int,
    prefix: str = "",
) -> tuple[str, str, str]:
    """Three two-group variables (1 and 2) for a model of two groups (oaxaca), named
    {prefix}a{i}, {prefix}b{i}, {prefix}c{i}: group 1 the target alone, the target and the
    `known` people, the known people alone ({prefix}t{i} marks the target). With k known
    people, (k+1)·(b's group 1 mean) − k·(c's) is the target's value: a small group
    differenced."""
    named = born_on(known)
    t, a, b, c = (f"{prefix}{letter}{i}" for letter in "tabc")
    attacker.steps(
        handle,
        [
            {"generate": t, "expr": person.expr()},
            {"generate": a, "expr": f"cond({t}, 1, 2)"},
            {"generate": b, "expr": f"cond({t} or {named}, 1, 2)"},
            {"generate": c, "expr": f"cond({named}, 1, 2)"},
        ],
    )
    return a, b, c


class PopulationRefusals:
    """A refusal oracle's tally: each target's workspace tabulates its whole population
    (`alle`), and the attacker guesses "diagnosed" when the table is refused at all, and
    again when it is refused by min-population (the refusal's code). `report` prints the
    tally; the attack asserts on `right` and `right_by_code`."""

    def __init__(self) -> None:
        self.codes: list[str | None] = []
        self.answered = self.right = self.right_by_code = 0

    def ask(self, attacker: Attacker, handle: str, person: Person) -> None:
        response = attacker.ask(handle, "tabulate", {"vars": ["alle"]})
        code = None if response.status_code == 200 else response.get_json()["error"]["code"]
        self.codes.append(code)
        self.answered += code is None
        self.right += (code is not None) == person.kreft
        self.right_by_code += (code == "min-population") == person.kreft

    def report(self, title: str, attacker: Attacker) -> None:
        report(
            title,
            right=self.right,
            right_by_code=self.right_by_code,
            codes=self.codes,
            answered=self.answered,
            of=len(self.codes),
            requests=attacker.requests,
        )


def judge_membership(title: str, targets: Sequence[Person], right: int, **figures: Any) -> None:
    """A membership attack's guesses (is each target diagnosed?) reported, `figures` between
    the number of targets and the right guesses; it FAILS unless the attacker is right about
    more than three quarters of the targets (half diagnosed: a coin is right about half)."""
    report(title, targets=len(targets), **figures, right=right)
    assert right <= len(targets) * 3 // 4


def wage_error(estimate: float | None, person: Person) -> float:
    """How far an estimate of the person's wage is off, relative to the wage; infinite when
    the attacker has no estimate."""
    return math.inf if estimate is None else abs(estimate - (person.wage or 0)) / (person.wage or 1)


def judge_signs(title: str, attacker: Attacker, asked: int, published: int, right: int) -> None:
    """A one-unit dummy's sign read as the target's diagnosis, `asked` models: reported, and
    it FAILS when the published signs are right about more than three quarters of them."""
    report(
        title,
        models=asked,
        published=published,
        sign_right=right,
        statuses=attacker.statuses,
    )
    assert published == 0 or right <= published * 3 // 4


def wage_month_design(truth: Truth) -> tuple[np.ndarray, np.ndarray]:
    """The design of the class-indicator models several attacks refit exactly from the
    source files: over the people with a wage, the regressors (wage in 100,000s, birth
    month, a constant) and the indicator 1{birth day mod 3 = 1}, which the attacks generate
    as `h = cond(mod(dag, 3) == 1, 1, 0)`."""
    people = [p for p in truth.people if p.wage is not None]
    x = np.column_stack(
        [
            [p.wage / 100000 for p in people],  # type: ignore[operator]
            [float(int(p.birth[5:7])) for p in people],
            np.ones(len(people)),
        ]
    )
    h = np.array([float(int(p.birth[8:10]) % 3 == 1) for p in people])
    return x, h
