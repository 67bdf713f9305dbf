"""Presence oracles: whether a small set is empty, read off what a table shows rather than
off a number in it. Is there a row for a category, a left-out count, a bin, a cell limit
passed? Each attack makes a set that holds the target if diagnosed and nobody otherwise,
and compares what it sees with what a set known to be empty looks like. The attacker is
judged by the share of targets guessed right (half have a diagnosis: a coin gets half)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.red_team.conftest import Attacker, Person, Truth, report
from tests.red_team.support import both_kinds, replaced

PROBES = 8  # with a diagnosis, and as many without
# Right for 12 or more of 16 beats coin tossing at p < 0.04.
BOUND = 11


def _targets(truth: Truth) -> list[Person]:
    return both_kinds(truth, PROBES)


def _rows(response: Any, label: str) -> str:
    """What a one-way table or bar chart says about one category: its rows (values and
    reasons, percentages included) or that it has none; a refusal by its code."""
    if response.status_code != 200:
        return f"refused {response.get_json()['error']['code']}"
    found = [
        [row["values"], row["reasons"]]
        for item in response.get_json()["results"]
        for row in item["result"]["rows"]
        if row["labels"] == [label]
    ]
    return json.dumps(found or "no row")


def test_a_category_row_for_a_diagnosed_target(alice: Attacker, truth: Truth) -> None:
    """p = target and kreft is true for the target if diagnosed, for nobody otherwise. A
    table and a bar chart of p: is there a row `true`, and how does it look, beside the
    same of a variable that is false for everyone?"""
    handle = alice.workspace([{"generate": "ingen", "expr": "kreft and not kreft"}])
    empty = [
        _rows(alice.ask(handle, "tabulate", {"vars": ["ingen"], "percent": "cell"}), "true"),
        _rows(alice.ask(handle, "barchart", {"var": "ingen"}), "true"),
    ]
    right = 0
    for i, person in enumerate(_targets(truth)):
        alice.steps(handle, [{"generate": f"p{i}", "expr": f"({person.expr()}) and kreft"}])
        seen = [
            _rows(alice.ask(handle, "tabulate", {"vars": [f"p{i}"], "percent": "cell"}), "true"),
            _rows(alice.ask(handle, "barchart", {"var": f"p{i}"}), "true"),
        ]
        guess = seen != empty
        right += guess == person.kreft
    report("a category row for a diagnosed target (table, bar chart)", right=right, of=16)
    assert right <= BOUND


def _judge_sure_diagnoses(title: str, guesses: list[tuple[bool, bool]]) -> None:
    """(guess "diagnosed", truth) per target: reports the figures and fails unless the
    attacker learns 4 or more diagnoses for sure (none wrong)."""
    right = sum(guess == truth for guess, truth in guesses)
    decided = sum(guess for guess, _ in guesses)
    sure = sum(guess and truth for guess, truth in guesses)
    report(title, right=right, decided=decided, sure_right=sure, of=len(guesses))
    assert sure < 4 or sure < decided


def _left_out(response: Any) -> str:
    if response.status_code != 200:
        return f"refused {response.get_json()['error']['code']}"
    return json.dumps(response.get_json()["results"][0]["result"]["summary"].get("left_out"))


def test_a_left_out_count_for_a_diagnosed_target(alice: Attacker, truth: Truth) -> None:
    """x = 1 for everyone, missing for the target if diagnosed (`replace x = 1/0`): a table
    of x says how many units it left out; is that the same as for a variable missing for
    nobody?"""
    handle = alice.workspace()
    empty = _left_out(alice.ask(handle, "tabulate", {"vars": ["alle"]}))
    guesses: list[tuple[bool, bool]] = []
    # More targets than the others: a target's own noise makes its left-out count 0 now
    # and then (five times in eight), and only the other ones tell, but for sure.
    targets = both_kinds(truth, 12)
    for i, person in enumerate(targets):
        alice.steps(handle, replaced(f"x{i}", "1", "1/0", f"({person.expr()}) and kreft"))
        guess = _left_out(alice.ask(handle, "tabulate", {"vars": [f"x{i}"]})) != empty
        guesses.append((guess, person.kreft))
    _judge_sure_diagnoses("a left-out count for a diagnosed target", guesses)


def _bin(response: Any, at: float) -> str:
    """The histogram's bar that holds `at`: its count and reasons."""
    if response.status_code != 200:
        return f"refused {response.get_json()['error']['code']}"
    for row in response.get_json()["results"][0]["result"]["rows"]:
        start, end = row["values"]["start"], row["values"]["end"]
        if (start is None or start <= at) and (end is None or at < end):
            return json.dumps([row["values"]["count"], row["reasons"]])
    return "no bar"


def test_a_histogram_bar_for_a_diagnosed_target(alice: Attacker, truth: Truth) -> None:
    """z spreads everyone over 0–99 but for two gaps, 30–39 and 50–59, which nobody holds;
    the target is put at 55 if diagnosed. A histogram of z: does the bar at 55 look like
    the bar at 35 (empty for sure)?"""
    handle = alice.workspace(
        [
            {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
            *replaced("z", "d - int(d / 100) * 100", "z - 20", "z >= 30 and z < 40"),
            {"replace": "z", "expr": "z + 20", "if": "z >= 50 and z < 60"},
        ]
    )
    guesses: list[tuple[bool, bool]] = []
    # As many targets as for the left-out count: a bar of one unit is 0 now and then.
    targets = both_kinds(truth, 12)
    for i, person in enumerate(targets):
        alice.steps(handle, replaced(f"z{i}", "z", "55", f"({person.expr()}) and kreft"))
        response = alice.ask(handle, "histogram", {"var": f"z{i}", "bins": 20})
        guess = _bin(response, 55) != _bin(response, 35)
        guesses.append((guess, person.kreft))
    _judge_sure_diagnoses("a histogram bar for a diagnosed target", guesses)


def _refusals_as_answers(
    alice: Attacker,
    truth: Truth,
    handle: str,
    ask: Callable[[str], tuple[str, dict[str, Any]]],
) -> tuple[int, dict[int, int]]:
    """Per target, a copy of v with one more value (-1) iff the target is diagnosed, asked
    as `ask(copy)` says; a refusal is read as "diagnosed". How many guesses were right, and
    the statuses seen."""
    right = 0
    statuses: dict[int, int] = {}
    for i, person in enumerate(_targets(truth)):
        alice.steps(handle, replaced(f"v{i}", "v", "-1", f"({person.expr()}) and kreft"))
        response = alice.ask(handle, *ask(f"v{i}"))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        right += (response.status_code != 200) == person.kreft
    return right, statuses


def test_the_cell_limit_tells_a_diagnosis(alice: Attacker, truth: Truth) -> None:
    """v and w each have 141 values (141 × 141 = 19,881 cells, under the limit of 20,000);
    `replace v = -1 if target and kreft` gives v a 142nd value (20,022 cells) only for a
    diagnosed target: is the table of v × w refused then?"""
    handle = alice.workspace(
        [
            {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
            {"generate": "v", "expr": "d - int(d / 141) * 141"},
            {"generate": "w", "expr": "int(d / 141) - int(d / 19881) * 141"},
        ]
    )
    right, statuses = _refusals_as_answers(
        alice, truth, handle, lambda name: ("tabulate", {"vars": [name, "w"]})
    )
    report("the cell limit as an oracle", right=right, of=16, statuses=statuses)
    assert right <= BOUND


def test_the_level_limit_of_a_model_tells_a_diagnosis(alice: Attacker, truth: Truth) -> None:
    """The category-limit probe of test_probing.py, asked of a model: OLS of the wage on
    i.v, where v has 500 values and a 501st for the target if diagnosed."""
    handle = alice.workspace(
        [
            {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
            {"generate": "v", "expr": "d - int(d / 500) * 500"},
        ]
    )
    right, statuses = _refusals_as_answers(
        alice, truth, handle, lambda name: ("regress", {"y": "lonn", "x": [f"i.{name}"]})
    )
    report("the level limit of a model as an oracle", right=right, of=16, statuses=statuses)
    assert right <= BOUND


def _one_per_year(truth: Truth) -> list[Person]:
    """PROBES targets with a diagnosis and as many without, no two born in the same year:
    each target's birth cohort is a population of its own, so no two models' unit sets are
    a few units apart (the differencing guard between targets would blur the level). Each
    undiagnosed target is born as near a diagnosed one's year as can be, so that the
    cohorts' sizes (old ones are small) do not tell the two groups apart."""
    pool = [p for p in truth.unique if p.wage]
    sick = [p for p in pool if p.kreft]
    chosen: list[Person] = []
    years: set[int] = set()
    for person in sick[:: max(1, len(sick) // (2 * PROBES))] + sick:
        if len(chosen) < PROBES and int(person.birth[:4]) not in years:
            chosen.append(person)
            years.add(int(person.birth[:4]))
    for person in list(chosen):
        year = int(person.birth[:4])
        healthy = min(
            (p for p in pool if not p.kreft and int(p.birth[:4]) not in years),
            key=lambda p: abs(int(p.birth[:4]) - year),
        )
        chosen.append(healthy)
        years.add(int(healthy.birth[:4]))
    assert len(chosen) == 2 * PROBES
    return chosen


def _values(response: Any) -> Any:
    """What a model says that does not hang on its standard errors: its coefficients in
    order, N and fit statistics (None: withheld or refused)."""
    if response.status_code != 200:
        return None
    result = response.get_json()["results"][0]["result"]
    coefficients = [r["values"].get("coefficient") for r in result["rows"]]
    if all(c is None for c in coefficients):
        return None
    return coefficients, result.get("summary")


def _cohort_levels(
    alice: Attacker,
    truth: Truth,
    *,
    without_first: bool,
    first: dict[str, Any] | None = None,
    by_values: bool = False,
) -> tuple[int, int]:
    """Per target: y = the wage over the target's birth cohort (missing elsewhere), g the
    sex but "x" for the target if diagnosed; OLS of y on i.g has a third level, of one
    unit, only then. `without_first`: ask OLS of y on i.kjonn first (the same model
    without a level for the target). `by_values`: guess "diagnosed" when the second
    model's coefficients, N or fit statistics are not the first one's (or it is
    withheld), rather than by whether it is released. (right, released)"""
    handle = alice.workspace([{"generate": "aar", "expr": "year(fodselsdato)"}])
    right = released = 0
    for i, person in enumerate(_one_per_year(truth)):
        alice.steps(
            handle,
            [
                *replaced(f"y{i}", "lonn", "1/0", f"aar != {int(person.birth[:4])}"),
                *replaced(f"g{i}", "kjonn", '"x"', f"({person.expr()}) and kreft"),
            ],
        )
        before = None
        if without_first:
            before = _values(
                alice.ask(handle, "regress", {"y": f"y{i}", "x": ["i.kjonn"], **(first or {})})
            )
        response = alice.ask(handle, "regress", {"y": f"y{i}", "x": [f"i.g{i}"]})
        rows = response.get_json()["results"][0]["result"]["rows"]
        shown = response.status_code == 200 and any(
            r["values"].get("coefficient") is not None for r in rows
        )
        released += shown
        if by_values:
            after = _values(response)
            right += (after is None or after != before) == person.kreft
        else:
            right += (not shown) == person.kreft
    return right, released


def test_a_model_level_for_a_diagnosed_target(alice: Attacker, truth: Truth) -> None:
    """g is the sex, but "x" for the target if diagnosed: OLS of the wage on i.g over the
    target's birth cohort has a third level (of one unit) only then. Is the model
    released? (A level of one unit withheld it, a level of nobody was no level.)"""
    right, released = _cohort_levels(alice, truth, without_first=False)
    report("a model level for a diagnosed target", right=right, of=16, released=released)
    assert right <= BOUND


def test_a_model_level_beside_the_model_without_it(alice: Attacker, truth: Truth) -> None:
    """The same, with OLS of the cohort's wage on i.kjonn asked first: the model on i.g is
    then the same set (released) if not diagnosed, a set one unit smaller if diagnosed."""
    right, released = _cohort_levels(alice, truth, without_first=True)
    report("a model level beside the model without it", right=right, of=16, released=released)
    assert right <= BOUND


def test_a_model_level_beside_the_model_without_it_of_another_kind(
    alice: Attacker, truth: Truth
) -> None:
    """The same, with the model on i.kjonn asked first with robust standard errors: the
    model on i.g (classical) is another question, so it is not answered with the first."""
    right, released = _cohort_levels(alice, truth, without_first=True, first={"robust": True})
    report("a model level beside a model of another kind", right=right, of=16, released=released)
    assert right <= BOUND


def test_a_model_of_another_kind_beside_the_model_without_it_by_its_values(
    alice: Attacker, truth: Truth
) -> None:
    """The same two models, read as a determined attacker would once the classical model
    is answered afresh: its coefficients, N and fit statistics against the robust one's.
    The coefficients' noise is keyed by the values alone (the same whatever the standard
    errors), and N is the model's perturbed count: both equal the robust model's iff the
    target was not left out."""
    right, released = _cohort_levels(
        alice, truth, without_first=True, first={"robust": True}, by_values=True
    )
    report(
        "a model of another kind beside the model without it, by its values",
        right=right,
        of=16,
        released=released,
    )
    assert right <= BOUND
