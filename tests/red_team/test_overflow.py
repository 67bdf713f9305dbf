"""Overflow as an oracle, and the zeros of an out-of-range scale, attacked through the HTTP API.

A derived number beyond ±10¹⁵ (steps/generate.py, LARGEST_NUMBER) is missing for its unit,
so a generate of K·lonn is missing for the target exactly when the target's wage is above
10¹⁵/K: a threshold the attacker picks. Whatever a release does differently when one unit
is missing (its count, its sum, a model's population, a refusal, a non-finite number)
then answers "is the wage above t?", and a dozen thresholds bisect the wage. The attacker
does not need to know which answer means "missing": the answer at K = 1 (nobody's wage
reaches 10¹⁵) is the "present" one, and a threshold whose answer differs from it is read
as "missing". Asserted: the bisected wages are no better than a guess (Score), no 5xx,
nothing non-finite.

The zeros: `lonn * 1e250` (4·10²⁵⁵ for a wage of 400,000, a finite double) was missing for
every unit with a wage and 0 for those without, so its sum and mean were published as 0
for a variable whose values are astronomically large: a wrong number, silently. Asserted:
an expression whose constant factor alone is beyond ±10¹⁵ is refused when the step is
applied (400 expression-range, in both languages), before anything reads the data, so
the refusal cannot depend on anyone's value."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.red_team.conftest import API, Attacker, Person, Score, Truth, report, value
from tests.red_team.test_non_finite import non_finite

TARGETS = 4
BISECTIONS = 11  # 3 decades of wages (1,000 to 1,000,000) to within 0.2 %
LOW, HIGH = 3.0, 6.0  # log10 of the wages bisected
LIMIT = 1e15


def _answer(response: Any) -> str:
    """What the attacker compares: every released row (labels, values, reasons) or the
    refusal's code. Audit ids and charges are left out (they differ for every request)."""
    if response.status_code != 200:
        return "refused " + response.get_json()["error"]["code"]
    body = response.get_json()
    assert not non_finite(body), non_finite(body)
    return json.dumps(
        [[row for row in item["result"]["rows"]] for item in body["results"]], sort_keys=True
    )


Ask = Callable[[Attacker, str, str], Any]


def _bisect(alice: Attacker, person: Person, ask: Ask, tag: str) -> float:
    """The wage read off the threshold where the answer stops looking like K = 1's."""
    handle = alice.workspace([{"generate": "t", "expr": person.expr()}])

    def answer(i: int, log_k: float) -> str:
        name = f"z{tag}{i}"
        alice.steps(handle, [{"generate": name, "expr": f"cond(t, lonn * {10**log_k!r}, 1)"}])
        return _answer(ask(alice, handle, name))

    present = answer(0, 0.0)
    low, high = LOW, HIGH  # log10 of the wage
    for i in range(1, BISECTIONS + 1):
        mid = (low + high) / 2
        # missing iff wage * K > 10^15, i.e. iff log10(wage) > 15 - log10(K) = mid
        if answer(i, 15.0 - mid) == present:
            low = mid  # the target is still there: the wage is at most 10^mid
        else:
            high = mid
    return float(10 ** ((low + high) / 2))


def _run(alice: Attacker, truth: Truth, ask: Ask, title: str, tag: str) -> None:
    score = Score(title)
    for person in truth.targets(TARGETS, min_wage=2000):
        assert person.wage is not None
        score.add(_bisect(alice, person, ask, tag), person.wage)
    report(title, requests=alice.requests, statuses=alice.statuses)
    assert score.failed()


def test_overflow_threshold_read_from_a_count_of_non_missing(alice: Attacker, truth: Truth) -> None:
    """summarize's n of cond(t, K·lonn, 1): everyone, less the target iff K·wage > 10¹⁵."""
    _run(
        alice,
        truth,
        lambda a, h, z: a.ask(h, "summarize", {"vars": [z]}),
        "overflow threshold: count of non-missing",
        "n",
    )


def test_overflow_threshold_read_from_a_sum_of_the_missing(alice: Attacker, truth: Truth) -> None:
    """Σ over everyone of 1000·sysmiss(cond(t, K·lonn, 1)): 1000 iff the target's value
    overflowed, 0 otherwise (a table sum, so its noise is the cap's)."""

    def ask(a: Attacker, h: str, z: str) -> Any:
        a.steps(h, [{"generate": f"m{z}", "expr": f"cond(sysmiss({z}), 1000, 0)"}])
        return a.ask(h, "tabulate", {"vars": ["alle"], "summarize": f"m{z}", "stats": ["sum"]})

    _run(alice, truth, ask, "overflow threshold: sum of a missing indicator", "s")


def test_overflow_threshold_read_from_a_model_population(alice: Attacker, truth: Truth) -> None:
    """regress lonn on month of birth, if cond(t, K·lonn, 1) is not missing: the model's
    population and every coefficient change with the target in it or not."""

    def ask(a: Attacker, h: str, z: str) -> Any:
        a.steps(
            h,
            [
                {"generate": f"x{z}", "expr": f"month(fodselsdato) + 0 * {z}"},
            ],
        )
        return a.ask(h, "regress", {"y": "lonn", "x": [f"x{z}"]})

    _run(alice, truth, ask, "overflow threshold: a model's population", "r")


def test_a_scale_beyond_the_limit_is_refused_not_zero(alice: Attacker) -> None:
    """lonn·1e250 and its kin: before, the step applied, and the sum and mean of lonn·1e250
    over everyone were published as 0 (only the units whose wage is 0 kept a value). Now a
    constant factor beyond ±10¹⁵ (one literal, a product of literals, or a constant
    expression) is refused when the step is applied, with the same answer whatever the
    data hold (asked in two workspaces whose wages differ)."""
    handle = alice.workspace()
    other = alice.workspace([{"replace": "lonn", "expr": "lonn * 0"}])
    refused: dict[str, Any] = {}
    published: dict[str, Any] = {}
    for i, expr in enumerate(
        (
            "lonn * 1e250",
            "lonn * 1e15 * 1e15",
            "lonn / 1e-20",
            "lonn * (10 ^ 20)",
            "lonn * -(1e300)",
            "2e15",
        )
    ):
        answers = []
        for h in (handle, other):
            response = alice.post(f"/{h}/steps", [{"generate": f"z{i}", "expr": expr}])
            answers.append((response.status_code, response.get_json().get("error", {}).get("code")))
            if response.status_code == 422:
                error = response.get_json()["error"]
                # bokmål by default; the English text is asked for separately below
                assert "10^15" in error["message"], error
        if answers[0][0] == 200:  # what was published for it (before: sums of 0)
            table = alice.table(
                handle, {"vars": ["alle"], "summarize": f"z{i}", "stats": ["sum", "mean"]}
            )
            published[expr] = (
                None
                if table is None
                else [table[0]["result"]["rows"], value(table[0], ["1"], "sum")]
            )
        refused[expr] = answers
    english = alice.client.post(
        f"{API}/{handle}/steps?lang=en",
        json=[{"generate": "z", "expr": "lonn * 1e250"}],
        headers=alice.headers,
    )
    report(
        "a scale beyond the limit",
        refused=refused,
        published=published,
        english=english.get_json().get("error"),
    )
    assert all(a == [(422, "expression-range")] * 2 for a in refused.values()), refused
    assert "beyond" in english.get_json()["error"]["message"]
    # Scales within the limit compute as before: every wage kept, none turned into 0.
    alice.steps(handle, [{"generate": "ok", "expr": "lonn * 1e6"}])
    n_lonn = alice.ask(handle, "summarize", {"vars": ["lonn"]}).get_json()
    n_ok = alice.ask(handle, "summarize", {"vars": ["ok"]}).get_json()
    rows = [
        [
            row["values"]["count"]
            for item in r["results"]
            for row in item["result"]["rows"]
            if "count" in row["values"]
        ][:1]
        for r in (n_lonn, n_ok)
    ]
    report("a scale within the limit", n_lonn=rows[0], n_scaled=rows[1])
    assert rows[0] and rows[0] == rows[1], rows
