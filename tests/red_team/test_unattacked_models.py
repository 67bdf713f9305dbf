"""Model outputs no other red-team test attacks: Cox's events, multinomial logit's outcome
classes, instrumental variables, marginal effects over a small group, between, random- and
fixed-effects panel estimators, event-time difference in differences and the coefficient
plot, anova's cells, a confidence interval over a small group, and the flows of a Sankey
diagram and the slices of a pie chart. Each is written as an attacker would: a variable
that singles out the target where that output puts it (an event, an outcome class, an
instrument, a lead or lag, a flow), then the figure read off what is published."""

from __future__ import annotations

from typing import Any

from tests.red_team.conftest import Attacker, Score, Truth, report
from tests.red_team.support import both_kinds, judge_membership, replaced

TARGETS = 6
YEARS = ["2020-12-31", "2021-12-31", "2022-12-31"]


def _terms(response: Any, index: int = 0) -> dict[str, float] | None:
    """A released model's coefficients by term (result `index`), or None if withheld."""
    if response.status_code != 200:
        return None
    results = response.get_json()["results"]
    if index >= len(results):
        return None
    found = {}
    for row in results[index]["result"]["rows"]:
        b = row["values"].get("coefficient")
        if b is None or not row["labels"] or row["labels"][0] is None:
            return None
        found[str(row["labels"][0])] = float(b)
    return found or None


def _published(response: Any) -> Any:
    """Every result of a response, with what it publishes (to compare two answers)."""
    if response.status_code != 200:
        return response.status_code
    # The values only: a term's label names the variable asked, which differs anyway.
    return [
        (
            item["result"].get("population"),
            [(row["values"], row["reasons"]) for row in item["result"]["rows"]],
            item["result"].get("summary"),
        )
        for item in response.get_json()["results"]
    ]


def test_cox_with_one_event_tells_a_diagnosis(alice: Attacker, truth: Truth) -> None:
    """Cox of age with the event `target and kreft` (one event if the target is diagnosed,
    none if not) and the wage as regressor: with no event the model cannot be estimated; with
    one inside the risk set's range of wages it can (the partial likelihood has a finite
    maximum). The time is shifted by a constant per target (only the order of times counts),
    so no two models share their pairs and each is answered afresh. Guess: diagnosed iff the
    model is released. A coin gets half right."""
    handle = alice.workspace(
        [{"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "lonn > 0"}]
    )
    targets = both_kinds(truth, TARGETS)
    right = released = 0
    for i, person in enumerate(targets):
        alice.steps(
            handle,
            [
                {"generate": f"e{i}", "expr": f"({person.expr()}) and kreft"},
                {"generate": f"t{i}", "expr": f"alder + {i}"},
            ],
        )
        body = {"time": f"t{i}", "event": f"e{i}", "x": ["lonn"]}
        found = _terms(alice.ask(handle, "cox", body))
        released += found is not None
        right += (found is not None) == person.kreft
    judge_membership(
        "Cox with one event: released iff diagnosed", targets, right, released=released
    )


def test_mlogit_outcome_class_of_one_unit(alice: Attacker, truth: Truth) -> None:
    """Multinomial logit of a class variable (sex, and a third class for the target if
    diagnosed) on the wage, against the same model with two classes asked first: a class of
    one unit is not a level (its row is left out), so the model differs from the reference
    iff the target is diagnosed, unless it is answered as the reference. Guess: diagnosed
    iff the two answers differ."""
    handle = alice.workspace(replaced("m", "1", "2", 'kjonn == "2"'))
    reference = _published(alice.ask(handle, "mlogit", {"y": "m", "x": ["lonn"]}))
    targets = both_kinds(truth, TARGETS)
    right = differ = 0
    for i, person in enumerate(targets):
        alice.steps(handle, replaced(f"m{i}", "m", "3", f"({person.expr()}) and kreft"))
        answer = _published(alice.ask(handle, "mlogit", {"y": f"m{i}", "x": ["lonn"]}))
        differ += answer != reference
        right += (answer != reference) == person.kreft
    judge_membership("mlogit: an outcome class of one unit", targets, right, differ=differ)


def test_ivregress_instrument_of_one_unit(alice: Attacker, truth: Truth) -> None:
    """2SLS of the wage on age, instrumented by a 0/1 instrument that is 1 for the target
    only and a weak one (birth month) that makes the first-stage fit many-valued: the
    one-unit instrument fits the target's age exactly, so the slope is about the Wald
    estimate (y_t − ȳ)/(a_t − ā), and the fitted line at the target's age is its wage.
    Also asked without the weak instrument (the exactly identified Wald form). Judged by
    wages recovered (`Score`)."""
    handle = alice.workspace(
        [
            {"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "lonn > 0"},
            {"generate": "mnd", "expr": "month(fodselsdato)"},
        ]
    )
    score = Score("ivregress: an instrument that is 1 for the target only")
    for i, person in enumerate(truth.targets(4)):
        alice.steps(handle, [{"generate": f"z{i}", "expr": person.expr()}])
        age = 2020 - int(person.birth[:4])
        for instruments in ([f"z{i}"], ["mnd", f"z{i}"]):
            body = {"y": "lonn", "endogenous": ["alder"], "instruments": instruments}
            found = _terms(alice.ask(handle, "ivregress", body))
            estimate = None if found is None else found["_cons"] + found["alder"] * age
            score.add(estimate, person.wage or 0.0)
    assert score.failed()


def test_margins_over_a_small_group_with_the_target(alice: Attacker, truth: Truth) -> None:
    """Average marginal effects (probit) of a 0/1 regressor for a group of eleven known
    people (a birth date each) and the target, on the diagnosis and on a copy of it with the
    target's set to false: the group's effect moves by about a twelfth iff the target is
    diagnosed. Guess: diagnosed iff the two effects differ."""
    known = truth.by_birth(11)
    group = " or ".join(f'fodselsdato == date("{p.birth}")' for p in known)
    handle = alice.workspace()
    targets = both_kinds(truth, 4)
    right = differ = answered = 0
    for i, person in enumerate(targets):
        alice.steps(
            handle,
            [
                {"generate": f"g{i}", "expr": f"({group}) or ({person.expr()})"},
                *replaced(f"k{i}", "kreft", "false", person.expr()),
            ],
        )
        effects = []
        for y in ("kreft", f"k{i}"):
            body = {"y": y, "x": [f"g{i}", "lonn"], "model": "probit"}
            effects.append(_terms(alice.ask(handle, "margins", body), 1))
        if effects[0] is None or effects[1] is None:
            continue
        answered += 1
        differ += effects[0] != effects[1]
        right += (effects[0] != effects[1]) == person.kreft
    judge_membership(
        "margins over eleven known people and the target",
        targets,
        right,
        answered=answered,
        differ=differ,
    )


def test_between_random_and_fixed_effects_with_a_dummy_on_one_row(
    alice: Attacker, truth: Truth
) -> None:
    """Panel form (wages 2020-22): a 0/1 regressor that is 1 on the target's 2020 row only,
    in the between (unit means: 1/3 for the target), random-effects (quasi-demeaned) and
    fixed-effects (demeaned) estimators. Read: between, _cons + b/3 (the target's mean
    wage, near its 2020 wage); random and fixed effects, _cons + b. Judged by `Score`."""
    handle = alice.workspace(
        [
            {"import": "INNTEKT_WLONN", "dates": YEARS, "as": "l"},
            {"reshape_to_panel": ["l"], "date_as": "aar"},
        ]
    )
    score = Score("between / random / fixed effects: a dummy on one row of the target")
    for i, person in enumerate(truth.targets(3)):
        alice.steps(
            handle, [{"generate": f"d{i}", "expr": f"{person.expr()} and year(aar) == 2020"}]
        )
        for method, share in (("be", 1 / 3), ("re", 1.0), ("fe", 1.0)):
            body = {"y": "l", "x": [f"d{i}", "i.aar"], "method": method}
            found = _terms(alice.ask(handle, "regress_panel", body))
            estimate = None if found is None else found["_cons"] + share * found[f"d{i}"]
            score.add(estimate, person.wage or 0.0)
    assert score.failed()


def test_fixed_effects_by_an_entity_of_one_unit(alice: Attacker, truth: Truth) -> None:
    """Fixed effects by an entity that holds the target alone (the target's own entity,
    everyone else in one of two by sex): is anything per entity published (an effect, a
    mean, a count of one)? The wage on age; then every number in the response is read as
    the target's wage. Judged by `Score` (the closest published number to the wage)."""
    handle = alice.workspace(
        [{"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "lonn > 0"}]
    )
    score = Score("fixed effects by an entity of one unit: any number near the wage")
    for i, person in enumerate(truth.targets(3)):
        alice.steps(handle, replaced(f"ent{i}", "kjonn", '"t"', person.expr()))
        for method in ("fe", "re"):
            body = {"y": "lonn", "x": ["alder"], "method": method, "entity": f"ent{i}"}
            response = alice.ask(handle, "regress_panel", body)
            numbers = _numbers(response.get_json()) if response.status_code == 200 else []
            wage = person.wage or 0.0
            best = min(numbers, key=lambda v: abs(v - wage), default=None)
            score.add(best, wage)
    assert score.failed()


def _numbers(found: Any) -> list[float]:
    if isinstance(found, bool):
        return []
    if isinstance(found, int | float):
        return [float(found)]
    if isinstance(found, dict):
        return [v for item in found.values() for v in _numbers(item)]
    if isinstance(found, list):
        return [v for item in found for v in _numbers(item)]
    return []


def test_did_event_time_lag_carried_by_the_target(alice: Attacker, truth: Truth) -> None:
    """Event-time DiD on the panel of wages, treated = diagnosed, treatment in 2020 or 2021
    by birth month (event times −1 to 2, every cell common: the study's own model is
    released), but for the target, whose event time is year − 2019: lag 3 is the target's
    2022 row alone. Its δ₃ is the target's own change, and _cons + γ + λ₃ + δ₃ its 2022
    wage (in the coefficient plot beside the table too). Judged by `Score`."""
    handle = alice.workspace(
        [
            {"import": "INNTEKT_WLONN", "dates": YEARS, "as": "l"},
            {"reshape_to_panel": ["l"], "date_as": "aar"},
            *replaced("shift", "2021", "2020", "month(fodselsdato) <= 6"),
            {"generate": "et", "expr": "year(aar) - shift"},
        ]
    )
    baseline = _terms(
        alice.ask(
            handle, "did", {"y": "l", "treated": "kreft", "time": "et", "leads": 1, "lags": 3}
        )
    )
    score = Score("did event time: a lag the target alone carries")
    released = 0
    for i, person in enumerate(truth.targets(4, kreft=True)):
        alice.steps(handle, replaced(f"et{i}", "et", "year(aar) - 2019", person.expr()))
        body = {"y": "l", "treated": "kreft", "time": f"et{i}", "leads": 1, "lags": 3}
        found = _terms(alice.ask(handle, "did", body))
        released += found is not None
        estimate = None
        lag = [k for k in (found or {}) if f"#3.et{i}" in k]
        period = [k for k in (found or {}) if k == f"3.et{i}"]
        if found is not None and lag and period:
            treated = [k for k in found if "kreft" in k and "#" not in k]
            estimate = found["_cons"] + found[lag[0]] + found[period[0]]
            estimate += found[treated[0]] if treated else 0.0
        score.add(estimate, person.wage or 0.0)
    report(
        "did event time: models",
        study_released=baseline is not None,
        released=released,
        terms=list(found or {}),
    )
    assert baseline is not None and score.failed()


def test_coefplot_of_a_one_unit_dummy_draws_nothing(alice: Attacker, truth: Truth) -> None:
    """A coefficient plot of OLS, logit and Poisson with a 0/1 regressor for the target
    only: the chart must draw no point for it (the model is withheld). Read: the point's
    coefficient + the constant as the target's wage (OLS), its sign as the diagnosis."""
    handle = alice.workspace()
    score = Score("coefplot: a point for a one-unit dummy")
    for i, person in enumerate(truth.targets(4)):
        alice.steps(handle, [{"generate": f"x{i}", "expr": person.expr()}])
        response = alice.ask(
            handle, "coefplot", {"y": "lonn", "x": [f"x{i}", "kjonn"], "model": "regress"}
        )
        estimate = None
        if response.status_code == 200:
            item = response.get_json()["results"][0]
            points = {p["term"]: p["coefficient"] for p in item["vega_lite"]["data"]["values"]}
            found = _terms(response)
            if f"x{i}" in points and found is not None:
                estimate = points[f"x{i}"] + found["_cons"]
        score.add(estimate, person.wage or 0.0)
    assert score.failed()


def test_anova_cell_of_one_unit(alice: Attacker, truth: Truth) -> None:
    """One-way anova of the wage by sex, and by a copy of sex with the target's level
    named "x" if diagnosed: a cell of one unit is left out (its row with it); the answers
    differ iff the target is diagnosed, unless the near one gets the registered answer."""
    handle = alice.workspace()
    reference = _published(alice.ask(handle, "anova", {"var": "lonn", "by": "kjonn"}))
    targets = both_kinds(truth, TARGETS)
    right = differ = 0
    for i, person in enumerate(targets):
        alice.steps(handle, replaced(f"a{i}", "kjonn", '"x"', f"({person.expr()}) and kreft"))
        answer = _published(alice.ask(handle, "anova", {"var": "lonn", "by": f"a{i}"}))
        differ += answer != reference
        right += (answer != reference) == person.kreft
    judge_membership("anova: a cell of one unit", targets, right, differ=differ)


def test_ci_over_a_small_group_and_the_target(alice: Attacker, truth: Truth) -> None:
    """The mean's confidence interval over ten known people and the target, and over the
    same with the target's wage set to 0: N·(m₁ − m₂) is the wage (N = 11). Judged by
    `Score`."""
    handle = alice.workspace()
    score = Score("ci over ten known people and the target")
    for i, person in enumerate(truth.targets(4)):
        known = truth.by_birth(10, offset=10 * i)
        group = " or ".join(f'fodselsdato == date("{p.birth}")' for p in known)
        alice.steps(
            handle,
            [
                {"generate": f"c{i}", "expr": "lonn", "if": f"({group}) or ({person.expr()})"},
                *replaced(f"o{i}", f"c{i}", "0", person.expr()),
            ],
        )
        means = [_terms(alice.ask(handle, "ci", {"var": v})) for v in (f"c{i}", f"o{i}")]
        estimate = None
        if means[0] is not None and means[1] is not None:
            estimate = 11 * (means[0]["_cons"] - means[1]["_cons"])
        score.add(estimate, person.wage or 0.0)
    assert score.failed()


def test_sankey_and_pie_flows_of_one_to_nine_units(alice: Attacker, truth: Truth) -> None:
    """A variable with nine small classes (1 to 9 known people each), as pie slices and as
    Sankey flows to the diagnosis: no published count (table or chart) may lie in 1-9."""
    people = truth.by_birth(45)
    steps: list[dict[str, Any]] = [{"generate": "v", "expr": "0"}]
    at = 0
    for size in range(1, 10):
        chosen = people[at : at + size]
        at += size
        where = " or ".join(f'fodselsdato == date("{p.birth}")' for p in chosen)
        steps.append({"replace": "v", "expr": str(size), "if": where})
    handle = alice.workspace(steps)
    small = []
    for statistic, body in (("piechart", {"var": "v"}), ("sankey", {"from": "v", "to": "kreft"})):
        response = alice.ask(handle, statistic, body)
        if response.status_code != 200:
            continue
        for item in response.get_json()["results"]:
            for row in item["result"]["rows"]:
                count = row["values"].get("count")
                if count is not None and 1 <= count <= 9:
                    small.append((statistic, row["labels"], count))
            chart = item.get("vega_lite", {})
            for value in _numbers(chart.get("data", {})):
                if value in range(1, 10):
                    small.append((statistic, "chart", value))
    report("Sankey / pie of classes of 1-9 units", small_counts=len(small), seen=small[:4])
    assert not small


def test_mlogit_small_base_class_with_the_target(alice: Attacker, truth: Truth) -> None:
    """Multinomial logit of three classes: the base, thirteen known people (a birth date
    each) and the target if diagnosed; the rest split by sex. Equation 2 (one sex against
    the base) has an intercept of about log(n₂/n₁), which moves by log(14/13) = 0.074 when
    the target joins the base. Asked twice per target, each with the regressor (birth
    month) shifted by a small constant of its own, so the pairs are far from every other
    model's and each is answered afresh (the intercept at month 0 is c + shift·b): once
    with the target in the base if diagnosed, once with the target kept out. If the target
    is not diagnosed the two are the same fit up to their noise; if diagnosed, their
    intercepts differ by about 0.074. Guess: diagnosed iff they differ by more than 0.037.
    A coin gets half right."""
    known = truth.by_birth(13, offset=200)
    base = " or ".join(f'fodselsdato == date("{p.birth}")' for p in known)
    handle = alice.workspace(
        [
            {"generate": "mnd", "expr": "month(fodselsdato)"},
            *replaced("yo", "3", "2", 'kjonn == "1"'),
            {"replace": "yo", "expr": "1", "if": base},
        ]
    )
    targets = both_kinds(truth, TARGETS)
    right = answered = 0
    gaps = []
    for i, person in enumerate(targets):
        first_shift, second_shift = 0.001 * (2 * i + 1), 0.001 * (2 * i + 2)
        alice.steps(
            handle,
            [
                *replaced(f"ya{i}", "yo", "1", f"({person.expr()}) and kreft"),
                {"generate": f"ma{i}", "expr": f"mnd + {first_shift}"},
                {"generate": f"mb{i}", "expr": f"mnd + {second_shift}"},
            ],
        )
        first = _terms(alice.ask(handle, "mlogit", {"y": f"ya{i}", "x": [f"ma{i}"]}))
        second = _terms(alice.ask(handle, "mlogit", {"y": "yo", "x": [f"mb{i}"]}))
        if first is None or second is None:
            continue
        answered += 1
        at_zero = first["_cons"] + first_shift * first[f"ma{i}"]
        reference = second["_cons"] + second_shift * second[f"mb{i}"]
        gap = abs(at_zero - reference)
        gaps.append(round(gap, 4))
        right += (gap > 0.037) == person.kreft
    report(
        "mlogit: the target in a small base class",
        targets=len(targets),
        answered=answered,
        right=right,
        gaps=gaps,
    )
    assert right <= len(targets) * 3 // 4


def test_separation_broken_by_the_target_alone(alice: Attacker, truth: Truth) -> None:
    """A regressor that is the diagnosis itself but 0 for the target (scaled by 1 + i so
    each target's model has pairs of its own and is answered afresh): if the target is not
    diagnosed it separates the outcome perfectly and the fit has no maximum (withheld as
    not estimable); if diagnosed the target alone breaks the separation and the fit has
    one. In mlogit (the diagnosis and sex as three classes) and Cox (event = diagnosed).
    Guess: diagnosed iff released. A coin gets half right."""
    handle = alice.workspace(
        [
            {"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "lonn > 0"},
            *replaced("klasse", "1", "2", 'kjonn == "2"'),
            {"replace": "klasse", "expr": "3", "if": "kreft"},
        ]
    )
    targets = both_kinds(truth, 4)
    right = {"mlogit": 0, "cox": 0}
    released = {"mlogit": 0, "cox": 0}
    seen = []
    for i, person in enumerate(targets):
        alice.steps(handle, replaced(f"s{i}", f"cond(kreft, {1 + i}, 0)", "0", person.expr()))
        asked = {
            "mlogit": {"y": "klasse", "x": [f"s{i}", "alder"]},
            "cox": {"time": "alder", "event": "kreft", "x": [f"s{i}", "lonn"]},
        }
        for name, body in asked.items():
            shown = _terms(alice.ask(handle, name, body)) is not None
            seen.append((name, person.kreft, shown))
            released[name] += shown
            right[name] += shown == person.kreft
    report(
        "separation broken by the target alone (mlogit, Cox)",
        targets=len(targets),
        released=released,
        right=right,
        seen=seen,
    )
    assert all(r <= len(targets) * 3 // 4 for r in right.values())
