"""The budget as an attacker sees it: its charge must not be an oracle (the same request
costs the same whether a small set is empty or not), and a restart must not refill it."""

from __future__ import annotations

import json
from typing import Any

from tests.red_team.conftest import Attacker, Truth, report, restarted
from tests.test_accounts_support import World


def _seen(response: Any) -> str:
    """What the response shows, apart from ids and the budget: status and results."""
    body = response.get_json()
    if response.status_code != 200:
        return f"{response.status_code} {body['error']['code']}"
    shown = [
        (
            item["result"]["population"],
            [(r["values"], r["reasons"]) for r in item["result"]["rows"]],
        )
        for item in body["results"]
    ]
    return json.dumps(shown, sort_keys=True)


def _cost(response: Any) -> int | None:
    budget = response.get_json().get("budget")
    return None if budget is None else int(budget["cost"])


def test_the_charge_says_nothing_the_response_does_not(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """Alice and Bob make the same requests in the same order about a target who is
    diagnosed (Alice's) and one who is not (Bob's): target × kreft, a sum over the target
    and the diagnosed, a model. Where both see the same thing (and it is new to both, or
    a repeat for both: a repeat is free), both must pay the same."""
    pairs = list(zip(truth.targets(5, kreft=True), truth.targets(5, kreft=False), strict=True))
    handles = {alice.name: alice.workspace(), bob.name: bob.workspace()}
    history: dict[str, set[str]] = {alice.name: set(), bob.name: set()}
    compared = differ = 0
    for i, (sick, healthy) in enumerate(pairs):
        answers = []
        for who, person in ((alice, sick), (bob, healthy)):
            handle = handles[who.name]
            who.steps(
                handle,
                [
                    {"generate": f"t{i}", "expr": person.expr()},
                    {"generate": f"x{i}", "expr": "0"},
                    {"replace": f"x{i}", "expr": "lonn", "if": f"t{i} and kreft"},
                ],
            )
            mine = []
            for statistic, body in (
                ("tabulate", {"vars": [f"t{i}", "kreft"]}),
                ("tabulate", {"vars": [f"t{i}"], "summarize": f"x{i}", "stats": ["sum"]}),
                ("regress", {"y": "lonn", "x": [f"x{i}"]}),
            ):
                response = who.ask(handle, statistic, body)
                seen = _seen(response)
                mine.append((seen, seen in history[who.name], _cost(response)))
                history[who.name].add(seen)
            answers.append(mine)
        for (seen_a, repeat_a, cost_a), (seen_b, repeat_b, cost_b) in zip(*answers, strict=True):
            if seen_a == seen_b and repeat_a == repeat_b:
                compared += 1
                differ += cost_a != cost_b
    report(
        "budget charge beyond the response",
        pairs=len(pairs),
        answers_compared=compared,
        charged_differently=differ,
    )
    assert compared >= 3  # the comparison has something to compare
    assert differ == 0


def test_a_restart_does_not_refill_the_budget(world: World) -> None:
    """Spend the budget on sums of new derived variables until refused; a fresh service on
    the same HOME must refuse the next new question too, and report the same spending."""
    token = world.token("forsker@uio", "analysis")
    alice = Attacker(world.app, token, "alice")
    handle = alice.workspace([{"generate": f"c{k}", "expr": f"lonn * {k + 2}"} for k in range(80)])
    spent = None
    asked = 0
    for k in range(80):
        response = alice.ask(
            handle, "tabulate", {"vars": ["alle"], "summarize": f"c{k}", "stats": ["sum"]}
        )
        asked += 1
        if response.status_code != 200:
            refusal = response.get_json()["error"]["code"]
            break
        spent = response.get_json()["budget"]["spent"]
    else:
        refusal = None
    ctx, app = restarted(world.ctx.config.home)
    try:
        again = Attacker(app, token, "alice after a restart")
        fresh = again.workspace([{"generate": "ny", "expr": "lonn * 1000"}])
        after = again.ask(
            fresh, "tabulate", {"vars": ["alle"], "summarize": "ny", "stats": ["sum"]}
        )
        repeat = again.ask(
            fresh, "tabulate", {"vars": ["alle"], "summarize": "lonn", "stats": ["sum"]}
        )
    finally:
        ctx.close()
    report(
        "budget across a restart",
        answered_before=asked - 1,
        refusal=refusal,
        spent=spent,
        after_restart=after.status_code,
        code=after.get_json().get("error", {}).get("code"),
        old_input_after_restart=repeat.status_code,
    )
    assert refusal is not None, "80 new derived variables fit in one budget"
    assert after.status_code != 200
