"""Survival models' cells attacked through the HTTP API: a factor level T of the target and
known people whom the attacker's event variable censors (the event is the diagnosis for
everyone else, 0 for the known people), so T holds one event iff the target is diagnosed.
The time is the age in days over 365 (all distinct), so T passes every check on the time:
its units hold many times (`regression-outcome-support` judged the time and the event as
one outcome, 2·time + event), T leaves many units outside (support), and the events are
many over the whole model. With no event in T its log hazard ratio has no finite maximum
(Cox: −∞; Weibull's AFT coefficient: +∞): the model cannot be estimated, or its estimate
runs off; with one event it is finite. Read: diagnosed iff the model is released with T's
coefficient finite (|b| < 5), or, read off the reasons alone, diagnosed iff the model
is not withheld as one that cannot be estimated (`regression-withheld`). The same level
through logit of the event (a level whose outcome is all 0 is separated). A coin gets half
right. Before: 11-12 of 12 by value through Cox and Weibull, 12 of 12 by the reason through
all four. Closed by `regression-outcome-support-events` (events per cell) and the outcome's support
checked before the fit's checks (models.py): every model withheld in both worlds by the
support rule, 6 of 12."""

from __future__ import annotations

from tests.red_team.conftest import Attacker, Person, Truth, report
from tests.red_team.support import born_on, coefficient, reasons

TARGETS = 6
KNOWN = 15
# Age at the end of 2020 in years, to the day: distinct for nearly everyone, and positive.
TIME = {"generate": "tid", "expr": '(date("2020-12-31") - fodselsdato) / 365.25'}


def _targets(truth: Truth) -> list[Person]:
    pairs = zip(
        truth.targets(TARGETS, kreft=True), truth.targets(TARGETS, kreft=False), strict=True
    )
    return [person for pair in pairs for person in pair]


def _level(
    alice: Attacker, handle: str, truth: Truth, person: Person, i: int, skip: set[str]
) -> None:
    """g{i}: "T" for the target and KNOWN known people, "O" for the rest; e{i}: the
    diagnosis, 0 for the known people (censored); t{i}: the time shifted by i/1000 so no
    two targets' models share their pairs (each is answered afresh); k{i}: t{i} in T alone
    (missing elsewhere: Kaplan–Meier has no `by`, and leaves out rows without a time)."""
    known = born_on(truth.by_birth(KNOWN, skip=skip, offset=KNOWN * i + 600))
    alice.steps(
        handle,
        [
            {"generate": f"g{i}", "expr": f'cond(({person.expr()}) or {known}, "T", "O")'},
            {"generate": f"e{i}", "expr": "cond(kreft, 1, 0)"},
            {"replace": f"e{i}", "expr": "0", "if": known},
            {"generate": f"t{i}", "expr": f"tid + {i} / 1000"},
            {"generate": f"k{i}", "expr": f"t{i}", "if": f'g{i} == "T"'},
        ],
    )


def test_a_level_of_censored_known_people_and_the_target(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """Cox, Weibull (AFT and PH) of the time on i.g (T against the rest) and sex; and T's
    Kaplan–Meier curve (one step iff T has events enough: never here).
    Per family: released, right (diagnosed iff released with |b_T| < 5). Asserted: no
    family right for more than three quarters of the targets. The curves are asked by a
    second researcher (another budget), so the models' charges do not stop them."""
    handle, curves = alice.workspace([TIME]), bob.workspace([TIME])
    targets = _targets(truth)
    skip = {p.birth for p in targets}
    families = {
        "cox": ("cox", {}),
        "weibull-aft": ("weibull", {"form": "aft"}),
        "weibull-ph": ("weibull", {"form": "ph"}),
        "logit": ("logit", {}),
    }
    released = dict.fromkeys(families, 0)
    right = dict.fromkeys(families, 0)
    by_reason = dict.fromkeys(families, 0)
    seen: dict[str, set[str]] = {name: set() for name in [*families, "kaplan_meier"]}
    km_shown = km_right = 0
    for i, person in enumerate(targets):
        _level(alice, handle, truth, person, i, skip)
        _level(bob, curves, truth, person, i, skip)
        for name, (statistic, extra) in families.items():
            x = [f"i.g{i}", "i.kjonn"]
            body = {"time": f"t{i}", "event": f"e{i}", "x": x, **extra}
            if statistic == "logit":
                body = {"y": f"e{i}", "x": x}
            response = alice.ask(handle, statistic, body)
            why = reasons(response)
            seen[name].update(why)
            by_reason[name] += ("regression-withheld" not in why) == person.kreft
            b = coefficient(response, f"T.g{i}")
            finite = b is not None and abs(b) < 5
            released[name] += b is not None
            right[name] += finite == person.kreft
        response = bob.ask(curves, "kaplan_meier", {"time": f"k{i}", "event": f"e{i}"})
        seen["kaplan_meier"].update(reasons(response))
        shown = response.status_code == 200 and any(
            row["values"].get("survival") is not None
            for item in response.get_json()["results"]
            for row in item["result"]["rows"]
        )
        km_shown += shown
        km_right += shown == person.kreft
    report(
        "survival: a level of censored known people and the target (event iff diagnosed)",
        targets=len(targets),
        released=released,
        right=right,
        by_reason=by_reason,
        km_shown=km_shown,
        km_right=km_right,
        reasons={k: sorted(v) for k, v in seen.items()},
    )
    for name in families:
        assert right[name] <= len(targets) * 3 // 4, name
        assert by_reason[name] <= len(targets) * 3 // 4, name
    assert km_right <= len(targets) * 3 // 4


def test_a_level_padded_to_the_event_support_bound(alice: Attacker, truth: Truth) -> None:
    """The attack on `regression-outcome-support-events` itself: T of the target, 9 known
    people whose event the attacker sets (1) and 12 known people censored (0): T holds 9
    events and 13 without if the target is not diagnosed, 10 and 12 if diagnosed, at the
    rule's bound. The verdict is one perturbed count drawn by T's units (the same key in
    both worlds), monotone in the target's event. Guess: diagnosed iff released (Cox and
    Weibull AFT each). One perturbed count at the bound is right with probability 0.614
    per target (ptable D5 V3: a count of 10 reaches 10 that often, one of 9 as often
    not), so 10 or more of 12 right happens by chance one run in ten, and 12 of 12 in
    0.3 %. Asserted: neither verdict is an oracle (not every diagnosed released and every
    other withheld), and not all 12 right (before the rule, every one was)."""
    handle = alice.workspace([TIME])
    targets = _targets(truth)
    skip = {p.birth for p in targets}
    released = {"cox": {True: 0, False: 0}, "weibull": {True: 0, False: 0}}
    right = dict.fromkeys(released, 0)
    for i, person in enumerate(targets):
        people = truth.by_birth(21, skip=skip, offset=21 * i + 1200)
        events, censored = born_on(people[:9]), born_on(people[9:])
        t = person.expr()
        alice.steps(
            handle,
            [
                {"generate": f"g{i}", "expr": f'cond(({t}) or {events} or {censored}, "T", "O")'},
                {"generate": f"e{i}", "expr": "cond(kreft, 1, 0)"},
                {"replace": f"e{i}", "expr": "1", "if": events},
                {"replace": f"e{i}", "expr": "0", "if": censored},
                {"generate": f"t{i}", "expr": f"tid + {i} / 1000"},
            ],
        )
        for statistic in released:
            body = {"time": f"t{i}", "event": f"e{i}", "x": [f"i.g{i}", "i.kjonn"]}
            shown = coefficient(alice.ask(handle, statistic, body), f"T.g{i}") is not None
            released[statistic][person.kreft] += shown
            right[statistic] += shown == person.kreft
    report(
        "survival: a level padded to the event-support bound (9 or 10 events)",
        targets=len(targets),
        released=released,
        right=right,
    )
    for statistic, by_world in released.items():
        assert by_world[True] < TARGETS or by_world[False] > 0, statistic
        assert right[statistic] < len(targets), statistic
