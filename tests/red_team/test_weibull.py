"""Weibull regression (issue 16) attacked through the HTTP API as a researcher would: a
regressor that picks out one person, and an event class of one person. Time is the age in
2020 plus a half (positive), the event a diagnosis or a variable the attacker makes."""

from __future__ import annotations

from tests.red_team.conftest import Attacker, Truth, report
from tests.red_team.support import both_kinds, coefficient, indicator, judge_signs, replaced

TARGETS = 6
TIME = {"generate": "tid", "expr": "2020 - year(fodselsdato) + 0.5", "if": "lonn > 0"}


def test_one_unit_dummy_in_weibull(alice: Attacker, truth: Truth) -> None:
    """A 0/1 regressor that is 1 for the target only, beside the wage, in both forms: the
    dummy's coefficient is the target's own time against the model's, so its sign is their
    diagnosis (an event makes a shorter time: a negative AFT coefficient, a positive log
    hazard ratio). Every such model must be withheld (support); a published one is read by
    its sign. A coin gets half right."""
    handle = alice.workspace([TIME])
    targets = both_kinds(truth, TARGETS // 2)
    published = right = asked = 0
    for i, person in enumerate(targets):
        alice.steps(handle, indicator(f"x{i}", person.expr()))
        for form, sign in (("aft", -1.0), ("ph", 1.0)):
            asked += 1
            body = {"time": "tid", "event": "kreft", "x": [f"x{i}", "lonn"], "form": form}
            b = coefficient(alice.ask(handle, "weibull", body), f"x{i}")
            if b is None:
                continue
            published += 1
            right += (sign * b > 0) == person.kreft
    judge_signs("one-unit dummy in weibull (aft, ph)", alice, asked, published, right)


def test_an_event_class_of_one_unit(alice: Attacker, truth: Truth) -> None:
    """The event is the target alone (a one-unit outcome class), the regressor the wage of
    the diagnosed (0 for the rest). With one event the fit is the target's: an undiagnosed
    target's regressor is 0, the smallest value, so the log hazard ratio runs off to −∞ and
    the model cannot be estimated; a diagnosed target's is a wage, and the model converges.
    Published ⇔ diagnosed, unless every such model is withheld (the event class is one
    unit). Read: diagnosed iff published; a coin gets half right."""
    handle = alice.workspace(
        [
            TIME,
            *replaced("kreftlonn", "0", "lonn", "kreft"),
        ]
    )
    targets = both_kinds(truth, TARGETS)
    published = right = 0
    for i, person in enumerate(targets):
        alice.steps(handle, indicator(f"e{i}", person.expr()))
        body = {"time": "tid", "event": f"e{i}", "x": ["kreftlonn"], "form": "ph"}
        shown = coefficient(alice.ask(handle, "weibull", body), "kreftlonn") is not None
        published += shown
        right += shown == person.kreft
    report(
        "one-unit event class in weibull",
        models=len(targets),
        published=published,
        right=right,
        statuses=alice.statuses,
    )
    assert right <= len(targets) * 3 // 4
