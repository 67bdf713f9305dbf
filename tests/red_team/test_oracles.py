"""Oracles: any visible decision (a refusal, a withheld cell, a status code, a message, a
charge) that depends on whether a small set is empty. The attacker wants to know whether a
named person had a cancer diagnosis in 2015-2020 (`kreft`) and is judged by the share of
targets guessed right; half the targets have the diagnosis, so guessing gives 0.5."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from tests.red_team.conftest import Attacker, Person, Truth, report

# A decision rule that is right for 12 or more of 16 targets beats coin tossing at p < 0.04.
PROBES = 8  # with a diagnosis, and as many without


def _targets(truth: Truth) -> list[Person]:
    return truth.targets(PROBES, kreft=True) + truth.targets(PROBES, kreft=False)


def _cells(response: Any) -> dict[str, Any]:
    """What an attacker reads off a count table of kreft: each cell's value or, if not
    published, why not; or the refusal's code."""
    if response.status_code != 200:
        return {"refused": response.get_json()["error"]["code"]}
    rows = response.get_json()["results"][0]["result"]["rows"]
    return {
        str(r["labels"][0]): r["values"]["count"]
        if r["values"]["count"] is not None
        else tuple(sorted(r["reasons"]))
        for r in rows
    }


def _guard_probe(registrar: Attacker, prober: Attacker, truth: Truth) -> tuple[int, int]:
    """Register the kreft table over everyone, then ask it again without the target: the
    cell that holds the target changes (or is withheld), the other is a repeat."""
    everyone = registrar.workspace()
    first = _cells(registrar.ask(everyone, "tabulate", {"vars": ["kreft"]}))
    right = 0
    targets = _targets(truth)
    for person in targets:
        without = prober.workspace([{"drop_if": person.expr()}])
        second = _cells(prober.ask(without, "tabulate", {"vars": ["kreft"]}))
        true_changed = second.get("true") != first.get("true")
        false_changed = second.get("false") != first.get("false")
        guess = true_changed and not false_changed
        right += guess == person.kreft
    return right, len(targets)


def test_guard_refusal_tells_membership(alice: Attacker, truth: Truth) -> None:
    right, n = _guard_probe(alice, alice, truth)
    report("guard membership oracle (one project)", right=right, of=n, accuracy=right / n)
    assert right < 12


def test_guard_refusal_tells_membership_across_projects(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    right, n = _guard_probe(alice, bob, truth)
    report("guard membership oracle (two projects)", right=right, of=n, accuracy=right / n)
    assert right < 12


def cell_signature(responses: list[Any], labels: list[str]) -> str:
    """Everything the responses say about one cell, whatever its dimensions are called:
    its row in every table (values and reasons, or that it has none) and, for per-cell
    statistics, whether an item is about it and what that item holds."""
    said = []
    for response in responses:
        if response.status_code != 200:
            said.append(f"refused {response.get_json()['error']['code']}")
            continue
        for item in response.get_json()["results"]:
            cell = item["about"].get("cell")
            if cell is not None:
                if list(cell.values()) == labels:
                    rows = item["result"]["rows"]
                    said.append(json.dumps([[r["values"], r["reasons"]] for r in rows]))
                continue
            rows = [r for r in item["result"]["rows"] if r["labels"] == labels]
            said.append(json.dumps([[r["values"], r["reasons"]] for r in rows] or "no row"))
    return " | ".join(said)


def _two_cells(attacker: Attacker, handle: str, name: str, by: str = "kreft") -> list[Any]:
    """The questions about name × by: counts with row percentages, and the sum, mean,
    median and sd of wages per cell."""
    stats = ["sum", "mean", "median", "sd"]
    return [
        attacker.ask(handle, "tabulate", {"vars": [name, by], "percent": "row"}),
        attacker.ask(handle, "tabulate", {"vars": [name, by], "summarize": "lonn", "stats": stats}),
    ]


def test_zero_cell_versus_suppressed_cell(alice: Attacker, bob: Attacker, truth: Truth) -> None:
    """Tabulate target × kreft (counts and wages per cell): one of the two target cells
    holds the target, the other is empty. The attacker first learns what an empty cell
    looks like from a table whose cell is empty for sure (target × kreft-but-not-target), then
    reads which target cell looks like that; the other holds the target. Guesses "no" when
    neither or both do. Two projects share the 48 targets."""
    right = decided = sure = 0
    targets = truth.targets(24, kreft=True) + truth.targets(24, kreft=False)
    for attacker, mine in ((alice, targets[0::2]), (bob, targets[1::2])):
        handle = attacker.workspace()
        for i, person in enumerate(mine):
            attacker.steps(handle, [{"generate": f"t{i}", "expr": person.expr()}])
            if i == 0:  # (true, true) of t0 × (kreft and not t0) is empty for sure
                attacker.steps(handle, [{"generate": "ingen", "expr": "kreft and not t0"}])
                empty = cell_signature(
                    _two_cells(attacker, handle, "t0", "ingen"), ["true", "true"]
                )
            responses = _two_cells(attacker, handle, f"t{i}")
            yes = cell_signature(responses, ["true", "true"]) == empty
            no = cell_signature(responses, ["true", "false"]) == empty
            guess = no and not yes  # the diagnosed cell is not the empty one
            decided += yes != no
            sure += (yes != no) and guess == person.kreft
            right += guess == person.kreft
    report(
        "0 cell vs suppressed cell (counts, percentages, sums, means, medians, sds)",
        right=right,
        decided=decided,
        sure_right=sure,
        of=len(targets),
    )
    # Fails unless the attacker learns 4 or more diagnoses for sure (none wrong).
    assert sure < 4 or sure < decided


def _shape(response: Any) -> str:
    """A response with its ids and times blanked: what may differ between two workspaces."""
    body = response.get_json()
    if isinstance(body, dict) and "budget" in body:
        # The budget's figures follow the project's history (what it spent, which inputs it
        # used before), not the data: blanked like ids. Case 20 compares charges between
        # two projects with the same history (tests/test_output_control_conformance.py).
        body = {**body, "budget": {}}
    text = json.dumps(body, sort_keys=True)
    text = re.sub(r'"(workspace|audit_id|created_at|expires_at)": "[^"]*"', r'"\1": ""', text)
    return f"{response.status_code} {text}"


def test_dropping_the_target_if_diagnosed_looks_like_dropping_nobody(
    alice: Attacker, truth: Truth
) -> None:
    """Case 20: `drop_if target and kreft` removes one unit or none; the step's response,
    and then the population a summary shows, must look the same either way."""
    right = 0
    targets = truth.targets(6, kreft=True) + truth.targets(6, kreft=False)
    reference = alice.workspace([{"drop_if": "kreft and not kreft"}])
    baseline = _shape(alice.ask(reference, "summarize", {"vars": ["alle"], "minmax": False}))
    for person in targets:
        handle = alice.workspace()
        step = alice.post(f"/{handle}/steps", [{"drop_if": f"({person.expr()}) and kreft"}])
        assert step.status_code == 200
        summary = _shape(alice.ask(handle, "summarize", {"vars": ["alle"], "minmax": False}))
        guess = summary != baseline
        right += guess == person.kreft
    report("step oracle: drop 1 or none", right=right, of=len(targets))
    assert right <= 9  # of 12: a coin does as well 7 % of the time


def test_refusals_of_tiny_populations_say_nothing_of_their_size(
    alice: Attacker, truth: Truth
) -> None:
    """A workspace of the target alone (if diagnosed) or of nobody is refused: status,
    code, message and details must be the same either way and name no small number."""
    targets = truth.targets(4, kreft=True) + truth.targets(4, kreft=False)
    seen: dict[bool, set[str]] = {True: set(), False: set()}
    small_numbers = 0
    for person in targets:
        handle = alice.workspace([{"keep_if": f"({person.expr()}) and kreft"}])
        for statistic, body in (
            ("tabulate", {"vars": ["kjonn"]}),
            ("summarize", {"vars": ["lonn"]}),
            ("regress", {"y": "lonn", "x": ["alle"]}),
        ):
            response = alice.ask(handle, statistic, body)
            shape = _shape(response)
            seen[person.kreft].add(f"{statistic} {shape}")
            if response.status_code != 200:
                small_numbers += bool(re.search(r"\b[1-9]\b", json.dumps(response.get_json())))
    distinguishable = seen[True] != seen[False]
    report(
        "refusals of tiny populations",
        distinct_shapes=len(seen[True] | seen[False]),
        distinguishable=distinguishable,
        small_numbers_in_refusals=small_numbers,
    )
    assert not distinguishable
    assert small_numbers == 0


def _withheld_bin(
    attacker: Attacker, keep: str, person: Person, bins: int
) -> tuple[float, float] | None:
    """Histogram of wages over a population, then over the same without the target: the
    bin that the guard withholds the second time is the target's."""
    request = {"var": "lonn", "bins": bins}
    attacker.ask(attacker.workspace([{"keep_if": keep}]), "histogram", request)
    without = attacker.workspace([{"keep_if": keep}, {"drop_if": person.expr()}])
    response = attacker.ask(without, "histogram", request)
    if response.status_code != 200:
        return None
    for row in response.get_json()["results"][0]["result"]["rows"]:
        if "differencing" in row["reasons"]:
            start, end = row["values"]["start"], row["values"]["end"]
            return (start or 0.0, end if end is not None else math.inf)
    return None


def test_histogram_differencing_brackets_the_wage(alice: Attacker, truth: Truth) -> None:
    targets = truth.targets(2, min_wage=50_000)
    found = []
    for person in targets:
        bracket = _withheld_bin(alice, "alle == 1", person, 20)
        if bracket is not None and bracket[1] != math.inf:
            low, high = bracket
            narrow = f"(lonn >= {low} and lonn < {high}) or sysmiss(lonn)"
            bracket = _withheld_bin(alice, narrow, person, 50) or bracket
        wage = person.wage or 0
        hit = bracket is not None and bracket[0] <= wage < bracket[1]
        width = (bracket[1] - bracket[0]) / wage if bracket is not None and hit else math.inf
        found.append(round(width, 3))
    report("histogram differencing", targets=len(targets), bracket_width_over_wage=found)
    # The attack FAILS unless it puts a wage in a bracket narrower than 10 % of it.
    assert sum(w <= 0.10 for w in found) == 0
