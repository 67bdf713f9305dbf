"""A group statistic used as a model's regressor, attacked through the HTTP API.
Aggregation (`aggregate … by()`) makes group variables, and a release of anything computed
from one registers its groups' unit sets with the differencing guard (OUTPUT_CONTROL.md §7).
The attacker publishes a count of 12 known people (a cell, registered), then aggregates
the mean wage by a group of the 12 and the target (13 units, 1 from the cell): a table of
that group mean is withheld (`differencing`). The question: is the same group mean, as a
model's numeric regressor (or an instrument, or a multilevel or Oaxaca group, made here or
merged in), registered too? A model that skipped it would be released, computed from a
group 1 unit from a released set. It is registered for every family tried: withheld 12 of
12 (2026-12-07, merged: 10 of 12 and 2 refused by the budget), so nothing needed fixing:
a numeric regressor is one of the model's factors, and every family registers the groups
of its outcome and factors (statistics/shared/common.py `groups_of`). The group mean
itself is a label whatever the guard withholds (a step's group values are published, §7);
the last attack reads it so and differences it with the 12's published mean wage."""

from __future__ import annotations

from typing import Any

from tests.red_team.conftest import BASE_STEPS, Attacker, Score, Truth, report, value
from tests.red_team.support import born_on

TARGETS = 12
KNOWN = 12


def _why(response: Any) -> set[str]:
    """Every reason a response gives (its error code when refused)."""
    if response.status_code != 200:
        return {response.get_json()["error"]["code"]}
    found: set[str] = set()
    for item in response.get_json()["results"]:
        result = item["result"]
        found.update(result.get("reasons", []))
        for row in result.get("rows", []):
            found.update(row.get("reasons", []))
    return found


def _answered(response: Any) -> bool:
    """Whether a response shows any value (a coefficient, a mean)."""
    if response.status_code != 200:
        return False
    return any(
        v is not None
        for item in response.get_json()["results"]
        for row in item["result"].get("rows", [])
        for v in row["values"].values()
    )


def _models(x: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Per family: the model asked, the group mean `x` in it as a numeric regressor, an
    instrument or the group; each outcome a register variable, never the group statistic."""
    return {
        "regress": ("regress", {"y": "lonn", "x": [x]}),
        "logit": ("logit", {"y": "kreft", "x": [x]}),
        "poisson": ("poisson", {"y": "kreft", "x": [x]}),
        "regress_mml": ("regress_mml", {"y": "lonn", "x": ["alder"], "group": x}),
        "ivregress": (
            "ivregress",
            {"y": "lonn", "x": [], "endogenous": ["alder"], "instruments": [x]},
        ),
        "oaxaca": ("oaxaca", {"y": "lonn", "x": ["alder"], "group": x}),
    }


def _attack(alice: Attacker, bob: Attacker, truth: Truth, *, merged: bool) -> None:
    """The attack of the two tests below (`merged`: the group mean made in a merge's source
    dataset and merged in): reports per release the targets it was withheld for by
    `differencing`, refused for by the budget and released for (any value shown), and
    asserts each released for at most 3 and guarded (withheld by `differencing` or
    refused) for at least 9 of the 12."""
    targets = truth.targets(TARGETS)
    skip = {p.birth for p in targets}
    age = [{"generate": "alder", "expr": "2020 - year(fodselsdato)"}]
    handles = {alice.name: alice.workspace(age), bob.name: bob.workspace(age)}
    withheld = dict.fromkeys(("table", *_models("")), 0)
    released = dict.fromkeys(withheld, 0)
    refused = dict.fromkeys(withheld, 0)
    seen: set[str] = set()
    for i, person in enumerate(targets):
        attacker = alice if i < TARGETS // 2 else bob
        handle = handles[attacker.name]
        known = born_on(truth.by_birth(KNOWN, skip=skip, offset=KNOWN * i + 1500))
        group = f"cond(({person.expr()}) or {known}, 1, 2)"
        steps: list[dict[str, Any]] = [
            {"generate": f"c{i}", "expr": "1", "if": known},
            {"generate": f"g{i}", "expr": group},
        ]
        if merged:
            source = [
                *BASE_STEPS,
                {"generate": "g", "expr": group},
                {"aggregate": {f"m{i}": ["mean", "lonn"]}, "by": "g"},
            ]
            steps.append({"merge": [f"m{i}"], "source": source})
        else:
            steps.append({"aggregate": {f"m{i}": ["mean", "lonn"]}, "by": f"g{i}"})
        attacker.steps(handle, steps)
        attacker.count_of(handle, [f"c{i}"], ["1"])
        asked = {
            "table": attacker.ask(
                handle, "tabulate", {"vars": [f"g{i}"], "summarize": f"m{i}", "stats": ["mean"]}
            )
        }
        for name, (statistic, body) in _models(f"m{i}").items():
            asked[name] = attacker.ask(handle, statistic, body)
        for name, response in asked.items():
            why = _why(response)
            seen.update(why)
            withheld[name] += "differencing" in why
            released[name] += _answered(response)
            refused[name] += "budget-exhausted" in why
    report(
        f"a group mean{' merged in' if merged else ''} as a model's regressor, instrument or "
        "group (the group 1 unit from a cell)",
        targets=len(targets),
        **{f"withheld_{k}": v for k, v in withheld.items()},
        **{f"released_{k}": v for k, v in released.items()},
        refused_by_budget=sum(refused.values()),
        reasons=sorted(seen),
    )
    assert all(v <= 3 for v in released.values()), released
    assert all(withheld[k] + refused[k] >= TARGETS - 3 for k in withheld), withheld


def test_a_group_mean_as_a_model_regressor(alice: Attacker, bob: Attacker, truth: Truth) -> None:
    """Per target: c = 1 for 12 known people (a count of them, registered); g = 1 for them
    and the target, 2 for everyone else; m = the mean wage by g. Asked: a table of m by g,
    then six models with m as a numeric regressor (regress, logit, poisson), an instrument
    (ivregress) or the group (regress_mml, oaxaca). Withheld by `differencing` iff the
    release registered m's groups: group 1 is 13 units, 1 from the cell. Group 1 is
    registered unless its perturbed count of 13 falls under 10 (ptable D5 V3: 0.020 per
    target), so a release that registers m's groups is withheld for nearly every target;
    one that does not is released. Half the targets by a second researcher. Reported per
    release: withheld by `differencing`, refused by the budget, released (any value
    shown), of 12. Asserted: each released for at most 3 and withheld or refused for at
    least 9 of 12 (a release registering group 1 fails this in 7.5 · 10⁻⁵ of runs: 4 or
    more of 12 groups of 13 under 10; one skipping m's groups is withheld for none, and
    released unless another rule withholds it: with ols.py's groups cut to the outcome's,
    regress, logit and poisson were withheld by `differencing` for 0 of 12, regress
    released for 7 and ivregress's first stage for 7)."""
    _attack(alice, bob, truth, merged=False)


def test_a_merged_group_mean_as_a_model_regressor(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """The same with m made in a merge's source dataset (the same group there) and merged
    in: the releasing workspace never aggregated. The merged variable carries its groups;
    asserted as above."""
    _attack(alice, bob, truth, merged=True)


def _group_one_label(response: Any) -> float | None:
    """The value of m that a table of g by m names beside g = 1, if any."""
    if response.status_code != 200:
        return None
    for row in response.get_json()["results"][0]["result"]["rows"]:
        if row["labels"][0] == "1" and row["labels"][1] is not None:
            return float(row["labels"][1])
    return None


def test_a_group_mean_read_from_labels(alice: Attacker, bob: Attacker, truth: Truth) -> None:
    """The same group mean read where no guard withholds it: a table of g by m names the
    value of m beside g = 1 even when its cells are withheld (a step's group values are
    published as labels, §7; oaxaca's `about` lists the same two values as the groups).
    Per target (other known people): the published mean wage of the 12, the label of group
    1 (the 12 and the target), wage = 13 · label − 12 · mean. Judged by `Score` over 12
    targets: asserted at most 4 within 5 % and a median error of 25 % or more. What
    protects it is the group value's own noise (a group statistic's, 3.46 times a table
    cell's), not the guard: 2026-12-07, 0 or 1 of 12 within 5 %, median error 2.6 to
    19 (8 to 11 answered) over seven runs."""
    targets = truth.targets(TARGETS)
    skip = {p.birth for p in targets}
    handles = {alice.name: alice.workspace(), bob.name: bob.workspace()}
    score = Score("a group mean of 13 read from a label, the cell of 12 differenced")
    for i, person in enumerate(targets):
        attacker = alice if i < TARGETS // 2 else bob
        handle = handles[attacker.name]
        known = born_on(truth.by_birth(KNOWN, skip=skip, offset=KNOWN * i + 3000))
        attacker.steps(
            handle,
            [
                {"generate": f"c{i}", "expr": "1", "if": known},
                {"generate": f"g{i}", "expr": f"cond(({person.expr()}) or {known}, 1, 2)"},
                {"aggregate": {f"m{i}": ["mean", "lonn"]}, "by": f"g{i}"},
            ],
        )
        cell = attacker.table(handle, {"vars": [f"c{i}"], "summarize": "lonn", "stats": ["mean"]})
        known_mean = None if cell is None else value(cell[0], ["1"], "mean")
        label = _group_one_label(attacker.ask(handle, "tabulate", {"vars": [f"g{i}", f"m{i}"]}))
        score.add(
            None
            if label is None or known_mean is None
            else (KNOWN + 1) * label - KNOWN * known_mean,
            person.wage or 0,
        )
    assert score.failed()
