"""A second opinion, as an attacker, on three changes of 2026-12-07 (git log dd3a8a7..main):
3a11a88 (a constant beyond ±10¹⁵ refused by a text-only scale check; a computed value beyond
it missing), 4b46813 (group statistics and smoothed windows under the table cap) and
b6533a5 (the fuzzy rdd with covariates, robust inference).

1. A unit's value far above the rest of its group (10¹⁴ against p ≈ 1) raises the group's
   cap through its own smoothed term, y / 2²⁴ (rules/magnitude_noise.py `caps`): a table
   cell so dominated is answered with the value at 0 (dominance_nk.py `dominant_pairs`), a
   group statistic (`aggregate`, grouping.py `_capped`) is not. The group mean is then p
   (target missing or small) or about 10⁷ / n (target huge): a yes/no with no noise worth
   the name. Read through the overflow (cond(t, K·lonn, p) is missing iff K·wage > 10¹⁵),
   it bisects a wage; read through a condition (10¹⁴ if diagnosed) it tells a diagnosis.
2. The scale check read one run of * and / at a time: `(lonn * 1e10) * 1e10` passed,
   and every wage turned missing (the zeros of 3a11a88's message), silently.

Figures in tests/red_team/README.md (pytest -s)."""

from __future__ import annotations

from typing import Any

from tests.red_team.conftest import Attacker, Person, Score, Truth, report, value
from tests.red_team.test_non_finite import non_finite

PER_KIND = 4  # targets with a diagnosis, and as many without
BISECTIONS = 11  # log10 of a wage from [3, 6.5] to within 0.2 % (the budget stops at 9)
LOW, HIGH = 3.0, 6.5
HUGE = "1e14"


def _targets(truth: Truth) -> list[Person]:
    return truth.targets(PER_KIND, kreft=True, min_wage=2000) + truth.targets(
        PER_KIND, kreft=False, min_wage=2000
    )


def _grouped(alice: Attacker, targets: list[Person]) -> str:
    """A workspace where `grp` is 101 + i for target i (marked t{i}) and 100 + the birth
    month for everyone else: each target alone with about 1,600 others in its group."""
    steps: list[dict[str, Any]] = [{"generate": "grp", "expr": "month(fodselsdato) + 100"}]
    for i, person in enumerate(targets):
        steps.append({"generate": f"t{i}", "expr": person.expr()})
        steps.append({"replace": "grp", "expr": str(101 + i), "if": f"t{i}"})
    return alice.workspace(steps)


def _group_means(
    alice: Attacker, handle: str, name: str, exprs: list[str], p: float
) -> list[float | None]:
    """`name` = p for everyone, exprs[i] for target i; its group mean by grp (aggregate),
    read back from a table of the group value by grp, over p: 1 if the target's value is
    missing or p-sized, far from 1 if it is huge. A fresh p each time: every unit's pair
    is new, so no answer is one given before."""
    steps: list[dict[str, Any]] = [{"generate": name, "expr": repr(p)}]
    for i, expr in enumerate(exprs):
        steps.append({"replace": name, "expr": expr, "if": f"t{i}"})
    steps.append({"aggregate": {f"g{name}": ["mean", name]}, "by": "grp"})
    alice.steps(handle, steps)
    table = alice.table(handle, {"vars": ["grp"], "summarize": f"g{name}", "stats": ["mean"]})
    found = [
        None if table is None else value(table[0], [str(101 + i)], "mean")
        for i in range(len(exprs))
    ]
    return [None if f is None else f / p for f in found]


def _huge(reading: float | None) -> bool | None:
    return None if reading is None else abs(reading - 1) > 0.05


def test_overflow_threshold_read_from_a_group_mean(alice: Attacker, truth: Truth) -> None:
    """All targets bisected at once: z = p for everyone, lonn·K_i for target i (K_i =
    10^(15 − m_i), m_i the middle of its interval in log10), missing iff the wage is above
    10^m_i. The group mean is 1 (in units of p) when the target is missing, about
    2·K·wage/2²⁴ / 1,600 when it is present (10⁴ to 10⁵). A refused table (the budget)
    leaves the interval as it is."""
    targets = _targets(truth)
    handle = _grouped(alice, targets)
    low, high = [LOW] * len(targets), [HIGH] * len(targets)
    steps: list[list[float | None]] = []
    for r in range(BISECTIONS):
        mids = [(a + b) / 2 for a, b in zip(low, high, strict=True)]
        exprs = [f"lonn * {10 ** (15 - m)!r}" for m in mids]
        readings = _group_means(alice, handle, f"z{r}", exprs, 1 + r / 13)
        steps.append([None if x is None else round(x, 1) for x in readings])
        for i, reading in enumerate(readings):
            present = _huge(reading)
            if present is True:  # K·wage ≤ 10^15: the wage is at most 10^m
                high[i] = mids[i]
            elif present is False:
                low[i] = mids[i]
    score = Score("overflow threshold read from a group mean (bisected, 8 targets)")
    for i, person in enumerate(targets):
        score.add(10 ** ((low[i] + high[i]) / 2), person.wage or 0.0)
    report(
        "overflow threshold read from a group mean",
        readings=steps[:3],
        requests=alice.requests,
        statuses=alice.statuses,
    )
    assert score.failed()


def test_a_diagnosis_as_a_huge_value_in_a_group_mean(alice: Attacker, truth: Truth) -> None:
    """z = p for everyone and 10¹⁴ for target i if diagnosed; the group mean read as
    above: far from 1 says "diagnosed". Two rounds (a fresh p each)."""
    targets = _targets(truth)
    handle = _grouped(alice, targets)
    right = answered = 0
    readings: list[float | None] = []
    for r in range(2):
        exprs = [f"cond(kreft, {HUGE}, {1 + r / 7!r})" for _ in targets]
        found = _group_means(alice, handle, f"d{r}", exprs, 1 + r / 7)
        for person, reading in zip(targets, found, strict=True):
            readings.append(None if reading is None else round(reading, 1))
            if reading is not None:
                answered += 1
                right += _huge(reading) == person.kreft
    report(
        "a diagnosis as a huge value in a group mean",
        of=2 * len(targets),
        answered=answered,
        right=right,
        readings=readings,
    )
    assert answered >= len(targets), "the group means must be answered"
    assert right < answered


def _summary_max(response: Any) -> tuple[float | None, list[str]]:
    if response.status_code != 200:
        return None, [f"status {response.status_code}"]
    for item in response.get_json()["results"]:
        if item.get("about", {}).get("statistic") != "min-max":
            continue
        for row in item["result"]["rows"]:
            if row["labels"] == ["max"]:
                shown = row["values"].get("value")
                return (None if shown is None else float(shown)), list(row["reasons"])
    return None, ["not-shown"]


def test_a_diagnosis_as_a_huge_value_in_a_summarized_maximum(alice: Attacker, truth: Truth) -> None:
    """summarize of z = p for everyone and 10¹⁴ for the target if diagnosed: the smoothed
    maximum's window of the 10 largest holds the target's value clipped to the cap (about
    1.2·10⁷ if diagnosed, p if not), so it is withheld for dominance (or far above p)
    iff diagnosed: the attacker reads "withheld or above 10 p" as "diagnosed"."""
    targets = _targets(truth)
    handle = alice.workspace()
    right = 0
    readings: list[Any] = []
    for i, person in enumerate(targets):
        p = 1 + i / 11
        alice.steps(
            handle,
            [
                {"generate": f"m{i}", "expr": repr(p)},
                {"replace": f"m{i}", "expr": HUGE, "if": f"({person.expr()}) and kreft"},
            ],
        )
        shown, why = _summary_max(alice.ask(handle, "summarize", {"vars": [f"m{i}"]}))
        readings.append((None if shown is None else round(shown / p, 2), why))
        right += (shown is None or shown / p > 10) == person.kreft
    report(
        "a diagnosis as a huge value in a summarized maximum",
        of=len(targets),
        right=right,
        readings=readings,
    )
    assert right < len(targets)


PARENTHESISED = (
    "(lonn * 1e10) * 1e10",
    "1e10 * (1e10 * lonn)",
    "-(lonn * 1e10) * 1e10",
    "(lonn / 1e-10) / 1e-10",
)


def test_a_scale_split_by_parentheses(alice: Attacker) -> None:
    """lonn·10²⁰ written as two runs of * in parentheses, each within ±10¹⁵: before, each
    run passed (scale.py read one run at a time) and every wage turned missing, silently
    (summarize's n of the zeros). Asserted: refused at the step as `lonn * 1e20` is (422
    expression-range). Beside it, for the record: the same scale over two steps (generate
    z = lonn·1e10, replace z = z·1e10) is no constant a text can see; it applies and its
    values beyond the range are missing unit by unit (the design, docs/OUTPUT_CONTROL.md
    §6), nothing non-finite."""
    handle = alice.workspace()
    answers: dict[str, Any] = {}
    for i, expr in enumerate(PARENTHESISED):
        response = alice.post(f"/{handle}/steps", [{"generate": f"p{i}", "expr": expr}])
        answers[expr] = (response.status_code, response.get_json().get("error", {}).get("code"))
    alice.steps(
        handle,
        [
            {"generate": "chain", "expr": "lonn * 1e10"},
            {"replace": "chain", "expr": "chain * 1e10"},
        ],
    )
    summary = alice.ask(handle, "summarize", {"vars": ["chain"]})
    assert not non_finite(summary.get_json())
    counts = [
        row["values"].get("count")
        for item in summary.get_json().get("results", [])
        for row in item["result"]["rows"]
        if "count" in row["values"]
    ][:1]
    report("a scale split by parentheses", answers=answers, chained_summary_count=counts)
    assert all(a == (422, "expression-range") for a in answers.values()), answers


RDD_TARGETS = 4


def _jump(response: Any) -> float | None:
    """The robust bias-corrected jump of a fuzzy rdd's response (its `rdd-robust` item)."""
    if response.status_code != 200:
        return None
    for item in response.get_json()["results"]:
        if item.get("about", {}).get("inference") != "robust":
            continue
        for row in item["result"]["rows"]:
            b = row["values"].get("coefficient")
            return None if b is None else float(b)
    return None


def test_fuzzy_rdd_robust_jump_differenced_by_the_target_value(
    alice: Attacker, truth: Truth
) -> None:
    """The fuzzy design with a covariate and robust inference (b6533a5), the target alone
    at its mass point just above the cutoff (x = 0.25 h/3.3; ages 37–40 below, 41–43
    above), known men born 1980 treated below (so the design is fuzzy). τ_bc is linear in
    the outcome, so three models whose outcomes differ in the target's value only, lonn,
    0 and lonn + 10⁵, give its weight (τ₂ − τ₁)/10⁵ and its wage (τ₁ − τ₀)/weight. The
    noise is model-noise at the largest exact one-row deletion move, the target's among
    them: asserted, the estimates no better than Score allows."""
    handle = alice.workspace(
        [
            {"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "lonn > 0"},
            {"generate": "kjent", "expr": 'year(fodselsdato) == 1980 and kjonn == "1"'},
            {"generate": "mann", "expr": "0"},
            {"replace": "mann", "expr": "1", "if": 'kjonn == "1"'},
        ]
    )
    score = Score("fuzzy rdd with a covariate, robust jump differenced by the target's value")
    found: list[Any] = []
    for i, person in enumerate(truth.targets(RDD_TARGETS, min_wage=50_000)):
        alice.steps(
            handle,
            [
                {"generate": f"t{i}", "expr": person.expr()},
                {"generate": f"d{i}", "expr": f"cond(t{i} or alder >= 41 or kjent, 1, 0)"},
                {"generate": f"y{i}a", "expr": "lonn"},
                {"generate": f"y{i}b", "expr": f"cond(t{i}, 0, lonn)"},
                {"generate": f"y{i}c", "expr": f"cond(t{i}, lonn + 100000, lonn)"},
            ],
        )
        taus: list[float | None] = []
        for j, outcome in enumerate("abc"):
            # a scale of its own per model (the jump does not change with it): every
            # model's pairs are new, so none is answered with an earlier one's
            k = 1 + i + j / 7
            alice.steps(
                handle, [{"generate": f"r{i}{j}", "expr": f"{k!r} * cond(t{i}, 0.5, alder - 40)"}]
            )
            design = {
                "running": f"r{i}{j}",
                "cutoff": 0.25 * k,
                "bandwidth": 3.3 * k,
                "kernel": "uniform",
                "treatment": f"d{i}",
                "x": ["mann"],
                "inference": "robust",
            }
            taus.append(_jump(alice.ask(handle, "rdd", {"y": f"y{i}{outcome}", **design})))
        found.append([None if t is None else round(t) for t in taus])
        estimate = None
        if None not in taus and taus[2] != taus[0]:
            weight = (taus[2] - taus[0]) / 100_000  # type: ignore[operator]
            estimate = (taus[0] - taus[1]) / weight  # type: ignore[operator]
        score.add(estimate, person.wage or 0.0)
    report("fuzzy rdd robust jumps (lonn, 0, lonn + 1e5)", taus=found, statuses=alice.statuses)
    assert score.failed()
