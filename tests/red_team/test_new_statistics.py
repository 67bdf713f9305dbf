"""The statistics added last (issue 16 survival, the model families, the new charts),
attacked as a determined researcher would: a curve asked twice over sets that differ in one
person, a model with a regressor that picks out one person, the same question renamed.

Cell key noise is a function of the unit set: the same set always gets the same count,
another set almost always another count. A statistic that publishes many count cells
whose sets are all nested in a variable the attacker controls (the at-risk counts of a
Kaplan–Meier curve: units with time ≥ each step's start) therefore tells, cell by cell,
whether two requests' sets are equal, and so where one person's value lies."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from scipy.stats import chi2

from tests.red_team.conftest import Attacker, Score, Truth, report, value
from tests.red_team.support import (
    both_kinds,
    coefficient,
    indicator,
    judge_membership,
    judge_signs,
    replaced,
)

TARGETS = 6


def _curve(response: Any) -> dict[float, tuple[float | None, float | None]] | None:
    """A released Kaplan–Meier table as {step start: (at risk, events)}, or None."""
    if response.status_code != 200:
        return None
    found: dict[float, tuple[float | None, float | None]] = {}
    for row in response.get_json()["results"][0]["result"]["rows"]:
        values = row["values"]
        if values.get("start") is None:
            continue
        found[float(values["start"])] = (values.get("at_risk"), values.get("events"))
    return found


def _parted(
    attacker: Attacker, handle: str, time: str, moved: str, event: str
) -> tuple[float | None, float | None]:
    """The steps where the curve of `time` and the curve of `moved` (the same times but the
    target's set to almost 0) have different at-risk counts: those steps' sets differ (the
    target is at risk in one curve only), so their starts are at most the target's time.
    Returns (the last such start, the next start after it)."""
    a = _curve(attacker.ask(handle, "kaplan_meier", {"time": time, "event": event}))
    b = _curve(attacker.ask(handle, "kaplan_meier", {"time": moved, "event": event}))
    if a is None or b is None:
        return None, None
    common = sorted(set(a) & set(b))
    differ = [s for s in common if s > 0 and a[s][0] is not None and a[s][0] != b[s][0]]
    if not differ:
        return None, None
    last = max(differ)
    after = [s for s in sorted(a) if s > last]
    return last, (after[0] if after else None)


def test_kaplan_meier_at_risk_counts_part_where_the_target_stops(
    alice: Attacker, truth: Truth
) -> None:
    """Time = the wage, every unit an event. A second time variable equal but for the
    target's, set to 0.001: every at-risk cell with a start above the target's wage holds
    the same units in both curves (the same count), every one at or below it holds the
    target in the first only (another count, as a rule). The last start where the two
    curves' at-risk counts part is the target's wage to one grid step (about 50,000);
    a second pair of curves over a window of two steps around it (time = wage − L) cuts the
    step fifty times finer. Judged by wages recovered (`Score`)."""
    handle = alice.workspace()
    score = Score("Kaplan–Meier: at-risk counts of two curves part at the target's wage")
    for i, person in enumerate(truth.targets(TARGETS, min_wage=100_000)):
        alice.steps(
            handle,
            [
                {"generate": f"t{i}", "expr": "lonn", "if": "lonn > 0"},
                *replaced(f"m{i}", f"t{i}", "0.001", person.expr()),
            ],
        )
        low, high = _parted(alice, handle, f"t{i}", f"m{i}", "alle")
        estimate = None
        if low is not None and high is not None:
            # The window: two steps below the bracket's end, the times counted from its start.
            base = max(low - (high - low), 0.0)
            width = 3 * (high - low)
            inside = f"lonn > {base} and lonn <= {base + width}"
            alice.steps(
                handle,
                [
                    {"generate": f"u{i}", "expr": f"lonn - {base}", "if": inside},
                    *replaced(f"v{i}", f"u{i}", "0.001", person.expr()),
                ],
            )
            fine_low, fine_high = _parted(alice, handle, f"u{i}", f"v{i}", "alle")
            if fine_low is not None and fine_high is not None:
                estimate = base + (fine_low + fine_high) / 2
            else:
                estimate = (low + high) / 2
        score.add(estimate, person.wage or 0)
    assert score.failed()


def test_kaplan_meier_event_counts_tell_a_diagnosis(alice: Attacker, truth: Truth) -> None:
    """Event = diagnosed, and a second event variable equal but 0 for the target. If the
    target has no diagnosis the two variables are the same, every event cell holds the
    same units and the two curves are identical; if they have one, the step holding their
    time has another set of events (and, as a rule, another count). Guess: diagnosed when
    the curves differ anywhere. A coin gets half of the targets right."""
    handle = alice.workspace()
    targets = both_kinds(truth, TARGETS)
    right = 0
    answered = 0
    for i, person in enumerate(targets):
        alice.steps(handle, replaced(f"d{i}", "kreft", "false", person.expr()))
        a = _curve(alice.ask(handle, "kaplan_meier", {"time": "lonn", "event": "kreft"}))
        b = _curve(alice.ask(handle, "kaplan_meier", {"time": "lonn", "event": f"d{i}"}))
        if a is None or b is None:
            continue
        answered += 1
        guess = a != b
        right += guess == person.kreft
    judge_membership(
        "Kaplan–Meier: event counts with the target's event removed",
        targets,
        right,
        answered=answered,
    )


def test_kaplan_meier_step_edges_tell_a_diagnosis(alice: Attacker, truth: Truth) -> None:
    """The steps' edges, not their counts: consecutive grid intervals are merged until the
    step's events reach 10 by their perturbed count, and that count's noise is drawn from
    the event set. With sparse events the attacker makes (about 8 per interval: people born
    1-7 January), the target's event counted or not changes the sets whose perturbed counts
    decide where the steps end from the target's interval on. If the target has no
    diagnosis the two event variables are the same and so are the curves; if they have,
    the edges move now and then. Eight shifts of the time axis (time = wage + k·7,000) put
    the units in other intervals, a fresh draw each. Any pair of curves that differs
    certifies a diagnosis (identical variables give identical curves); the attack fails
    when it certifies none."""
    handle = alice.workspace()
    shifts = range(8)
    alice.steps(
        handle,
        [{"generate": f"tv{k}", "expr": f"lonn + {7000 * k}", "if": "lonn > 0"} for k in shifts]
        + [{"generate": "pad", "expr": "month(fodselsdato) == 1 and day(fodselsdato) <= 7"}],
    )
    targets = both_kinds(truth, TARGETS)
    right = answered = certain = 0
    for i, person in enumerate(targets):
        alice.steps(
            handle,
            [
                *replaced(f"ea{i}", "pad", "kreft", person.expr()),
                *replaced(f"eb{i}", "pad", "false", person.expr()),
            ],
        )
        differ = asked = 0
        for k in shifts:
            a = _curve(alice.ask(handle, "kaplan_meier", {"time": f"tv{k}", "event": f"ea{i}"}))
            b = _curve(alice.ask(handle, "kaplan_meier", {"time": f"tv{k}", "event": f"eb{i}"}))
            if a is None or b is None:
                continue
            asked += 1
            differ += a != b
        if asked:
            answered += 1
        right += (differ > 0) == person.kreft
        certain += differ > 0
    report(
        "Kaplan–Meier: step edges with the target's event removed",
        targets=len(targets),
        diagnosed=sum(p.kreft for p in targets),
        answered=answered,
        certified=certain,
        right=right,
        statuses=alice.statuses,
    )
    assert certain == 0 and right <= len(targets) * 3 // 4


def test_kaplan_meier_same_question_renamed_gives_the_same_curve(alice: Attacker) -> None:
    """Consistency: the same curve asked again, under copies of its variables, and with the
    time in another unit and scaled back, is the same answer (else averaging the copies
    would take the noise away)."""
    handle = alice.workspace(
        [
            {"generate": "tid", "expr": "lonn", "if": "lonn > 0"},
            {"generate": "tid2", "expr": "tid"},
            {"generate": "hendelse", "expr": "kreft"},
        ]
    )
    first = _curve(alice.ask(handle, "kaplan_meier", {"time": "tid", "event": "kreft"}))
    again = _curve(alice.ask(handle, "kaplan_meier", {"time": "tid", "event": "kreft"}))
    renamed = _curve(alice.ask(handle, "kaplan_meier", {"time": "tid2", "event": "hendelse"}))
    report(
        "Kaplan–Meier asked again and renamed",
        steps=None if first is None else len(first),
        same_again=first == again,
        same_renamed=first == renamed,
    )
    assert first is not None and first == again == renamed


def test_one_unit_dummy_in_every_new_model_family(alice: Attacker, truth: Truth) -> None:
    """A 0/1 regressor that is 1 for the target only, beside the wage, in probit, negbin,
    Cox (time = age in 2020, event = diagnosed), margins of a probit, and pooled/fixed-
    effects panel regressions by municipality: the dummy's coefficient is the target's own
    residual, whose sign is their diagnosis. Every such model must be withheld (support);
    a published one is read by the sign. A coin gets half right."""
    handle = alice.workspace(
        [{"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "lonn > 0"}]
    )
    targets = both_kinds(truth, 3)
    families: list[tuple[str, dict[str, Any]]] = [
        ("probit", {"y": "kreft"}),
        ("negbin", {"y": "kreft"}),
        ("cox", {"time": "alder", "event": "kreft"}),
        ("margins", {"y": "kreft", "model": "probit"}),
        ("regress_panel", {"y": "kreft", "method": "pooled", "entity": "kommune"}),
        ("regress_panel", {"y": "kreft", "method": "fe", "entity": "kommune"}),
    ]
    published = 0
    right = 0
    asked = 0
    for i, person in enumerate(targets):
        alice.steps(handle, indicator(f"x{i}", person.expr()))
        for name, body in families:
            asked += 1
            b = coefficient(alice.ask(handle, name, {**body, "x": [f"x{i}", "lonn"]}), f"x{i}")
            if b is None:
                continue
            published += 1
            # Cox: an event sooner than the rest of the risk set raises the hazard too.
            right += (b > 0) == person.kreft
    judge_signs("one-unit dummy in probit/negbin/cox/margins/panel", alice, asked, published, right)


def _counts(response: Any, keep: Any) -> dict[str, float]:
    if response.status_code != 200:
        return {}
    return {
        str(row["labels"][-1]): float(row["values"]["count"])
        for row in response.get_json()["results"][0]["result"]["rows"]
        if keep(row["labels"]) and row["values"].get("count") is not None
    }


def test_sankey_flow_beside_a_piechart_slice(alice: Attacker, truth: Truth) -> None:
    """A pie chart of `kreft` (its slices: the diagnosed and the rest), then a Sankey from a
    0/1 variable that is 1 for the target only to `kreft`: the flow 0 → diagnosed holds the
    diagnosed less the target if they are one, the same set if not. Guess: diagnosed when
    that flow differs from the slice. A coin gets half right."""
    handle = alice.workspace()
    pie = _counts(alice.ask(handle, "piechart", {"var": "kreft"}), lambda labels: True)
    targets = both_kinds(truth, TARGETS)
    right = answered = 0
    smaller = min(pie, key=lambda k: pie[k]) if pie else None
    for i, person in enumerate(targets):
        alice.steps(handle, indicator(f"s{i}", person.expr()))
        flows = _counts(
            alice.ask(handle, "sankey", {"from": f"s{i}", "to": "kreft"}),
            lambda labels: str(labels[0]) in ("0", "0.0"),
        )
        if smaller is None or smaller not in flows:
            continue
        answered += 1
        right += (flows[smaller] != pie[smaller]) == person.kreft
    report(
        "Sankey flow beside a pie chart slice",
        targets=len(targets),
        slices=pie,
        answered=answered,
        right=right,
    )
    assert answered > 0 and right <= len(targets) * 3 // 4


def noise_multipliers(item: dict[str, Any]) -> list[float]:
    """magnitude-noise's m_j = strength · decay^(j−1), j ≤ top_k, as a result lists them."""
    for rule in item["result"]["rules"]:
        if rule["code"] == "magnitude-noise":
            p = dict(rule["parameters"])
            return [float(p["strength"]) * float(p["decay"]) ** j for j in range(int(p["top_k"]))]
    return []


def noise_sd(multipliers: list[float], contributions: list[float]) -> float:
    """The sd of the noise on a total whose largest contributions are these (the table's v
    has variance 1): √Σ_j (m_j·x_(j))²."""
    top = sorted((abs(x) for x in contributions), reverse=True)
    return math.sqrt(sum((m * x) ** 2 for m, x in zip(multipliers, top, strict=False)))


@dataclass
class NoisyEstimates:
    """One release per target whose only protection is magnitude noise (no guard, no
    withholding), judged as the one-target attacks are (test_averaging.judge_averaging), by
    what the attacker can know: each estimate's standard error, the noise's sd over the
    true value (from the rules the result lists and the known padding), must be at least
    Score's bound of 25 % for every target, so no target is known to within 5 % (nor to
    within 25 %); and the errors seen must be as large as that noise makes them: Σ z² over
    the targets (z = error over the noise's sd) at least χ²'s 0.01 % quantile, so noise
    smaller than the result says (or none) fails the attack's test.

    Why not Score's realized figures: with noise of sd half the target's value
    (magnitude-noise's strength: Fisher information 4 per release on the value's own
    scale, what any sum over the target and known people gives too), the median error of
    six targets is 0.34 on average but below 25 % in 15 % of runs (6 of 16 measured,
    0.06-0.82), and a target lands within 5 % in one draw of 13, three of six in 0.7 % of
    runs: a game of chance the attacker cannot tell they won, with error bars of ±50 % on
    every target. What they can average is bounded by the budget and the exposure ledger
    (test_extremes.test_box_plot_whiskers_averaged_over_paddings)."""

    score: Score
    standard_errors: list[float] = field(default_factory=list)
    z: list[float] = field(default_factory=list)

    def add(self, estimate: float | None, true: float, sd: float) -> None:
        self.score.add(estimate, true)
        scale = max(abs(true), 1.0)
        self.standard_errors.append(sd / scale)
        self.z.append(math.inf if estimate is None or sd <= 0 else (estimate - true) / sd)

    def failed(self) -> bool:
        n = len(self.z)
        chi_square = sum(z * z for z in self.z)
        floor = float(chi2.ppf(1e-4, n)) if n else math.inf
        median_bound = self.score.failed()  # Score's figures, and its verdict for the record
        report(
            self.score.title + ", judged by the noise",
            score_verdict="fails" if median_bound else "median below 25 %",
            least_standard_error=round(min(self.standard_errors, default=math.inf), 3),
            chi_square=round(chi_square, 2),
            chi_square_floor=round(floor, 2),
        )
        return min(self.standard_errors, default=0.0) >= 0.25 and chi_square >= floor


def _whiskers(response: Any) -> dict[str, Any] | None:
    if response.status_code != 200:
        return None
    for item in response.get_json()["results"]:
        if item.get("table") == "whiskers" or item.get("about", {}).get("table") == "whiskers":
            found: dict[str, Any] = item
            return found
    return None


def test_boxplot_whisker_of_the_target_among_known_values(alice: Attacker, truth: Truth) -> None:
    """A box plot of a variable that is 100,000 for everyone born in the target's year and
    the wage for the target (a wage above it): the upper whisker is the mean of the top 10
    units, (w + 9·100,000)/10, so w = 10·whisker − 900,000 (extremes, magnitudes). The
    target holds a third of the top set, under dominance's bound. Judged by
    `NoisyEstimates`: each estimate's noise (of the top set's total: sd √Σ(m_j·x_(j))² over
    w, 100,000, 100,000) against Score's bound."""
    handle = alice.workspace()
    judged = NoisyEstimates(Score("box plot whisker over the target and nine known values"))
    for i, person in enumerate(truth.targets(TARGETS, min_wage=200_000)):
        year = int(person.birth[:4])
        alice.steps(
            handle,
            [
                {"generate": f"w{i}", "expr": "100000", "if": f"year(fodselsdato) == {year}"},
                {"replace": f"w{i}", "expr": "lonn", "if": person.expr()},
            ],
        )
        item = _whiskers(alice.ask(handle, "boxplot", {"var": f"w{i}"}))
        top = None
        sd = 0.0
        if item is not None:
            shown = [
                float(row["values"]["value"])
                for row in item["result"]["rows"]
                if row["values"].get("value") is not None
            ]
            top = max(shown) if shown else None
            sd = noise_sd(noise_multipliers(item), [person.wage or 0] + [100_000] * 9)
        judged.add(None if top is None else 10 * top - 900_000, person.wage or 0, sd)
    assert judged.failed()


def test_sum_over_the_target_and_known_people(alice: Attacker, truth: Truth) -> None:
    """The whisker attack's twin through a sum, to show what its figure measures: a variable
    that is a known p_i for 30 known people (a birth date each; p_i new per target, so no
    two targets' pair sets are near), the wage for the target, 0 for everyone else; its sum
    over everyone is w + 30·p_i plus the noise of the top three contributions (w, p_i,
    p_i), as the whisker's (magnitudes). Judged by `NoisyEstimates` as the whisker is."""
    handle = alice.workspace()
    judged = NoisyEstimates(Score("sum over the target and thirty known people"))
    targets = truth.targets(TARGETS, min_wage=200_000)
    known = truth.by_birth(30, skip={p.birth for p in targets})
    pad = " or ".join(f'fodselsdato == date("{p.birth}")' for p in known)
    for i, person in enumerate(targets):
        p = 100_000 + 1_000 * i
        alice.steps(
            handle,
            [
                {"generate": f"s{i}", "expr": "0", "if": "not sysmiss(lonn)"},
                {"replace": f"s{i}", "expr": str(p), "if": pad},
                {"replace": f"s{i}", "expr": "lonn", "if": person.expr()},
            ],
        )
        response = alice.ask(
            handle, "tabulate", {"vars": ["alle"], "summarize": f"s{i}", "stats": ["sum"]}
        )
        total, sd = None, 0.0
        if response.status_code == 200:
            item = response.get_json()["results"][0]
            total = value(item, ["1"], "sum")
            sd = noise_sd(noise_multipliers(item), [person.wage or 0, p, p])
        judged.add(None if total is None else total - 30 * p, person.wage or 0, sd)
    assert judged.failed()


def test_hexbin_hex_of_known_people_and_the_target(alice: Attacker, truth: Truth) -> None:
    """A hexbin of (x, y) where y is 1 for twelve known people (a birth date each) and
    for the target if diagnosed, 0 for all others, and a second where the target's y is 0:
    the hex at y = 1 holds the same twelve in both if the target has no diagnosis (the
    same count) and thirteen in the first if they have (another count, unless the guard
    answers the near set with the registered count). Guess: diagnosed when they differ."""
    handle = alice.workspace()
    known = truth.by_birth(12)
    pad = " or ".join(f'fodselsdato == date("{p.birth}")' for p in known)
    alice.steps(handle, [{"generate": "hx", "expr": "0", "if": "not sysmiss(lonn)"}])
    targets = both_kinds(truth, TARGETS)
    right = answered = certain = 0
    for i, person in enumerate(targets):
        alice.steps(
            handle,
            [
                *indicator(f"ya{i}", pad),
                {"replace": f"ya{i}", "expr": "1", "if": f"({person.expr()}) and kreft"},
                *replaced(f"yb{i}", f"ya{i}", "0", person.expr()),
            ],
        )
        drawn = []
        for y in (f"ya{i}", f"yb{i}"):
            response = alice.ask(handle, "hexbin", {"x": "hx", "y": y})
            if response.status_code == 200:
                rows = response.get_json()["results"][0]["result"]["rows"]
                drawn.append(sorted((r["values"]["y"], r["values"]["count"]) for r in rows))
        if len(drawn) < 2:
            continue
        answered += 1
        right += (drawn[0] != drawn[1]) == person.kreft
        certain += drawn[0] != drawn[1]  # identical y's give identical hexbins
    report(
        "hexbin: a hex of twelve known people and the target",
        answered=answered,
        certified=certain,
        right=right,
    )
    assert certain == 0 and right <= len(targets) * 3 // 4
