"""Regression discontinuity (statistic rdd) attacked where it puts a unit by itself: on one
side of the cutoff, or alone inside a bandwidth shrunk around it.

1. Known people beside the target: the running variable is 2 for the target, 1 for a
   known group (men born in 1980, many), and age − 100 (negative) for everyone else; the
   cutoff is 0, the bandwidth wide, the kernel uniform. Above the cutoff there are two
   values of the running variable, so the fitted line there passes through the known
   group's mean and the target's own wage: wage = _cons + _discontinuity + 2·(slope +
   slope change).
2. A bandwidth shrunk around the target: the running variable is age − 40 for everyone and
   40.5 − 40 for the target; the cutoff 0.25 and the bandwidth 1.3 leave ages 39 and 40
   below (x = −1.25, −0.25), the target (x = 0.25) and age 41 (x = 0.75) above: the line
   above again passes through the target's wage (uniform and triangular kernel).

3. The triangular kernel's edge: above the cutoff the target (x = 0.5) and two known
   groups (men born 1980 and 1981) at x = 0.9999 and 0.99995 of a bandwidth of 1: they
   count as units on that side but weigh 1e-4 and 5e-5 each, so the line above passes
   next to the target's wage; below, women born 1980 and 1981 at −0.5 and −0.9.

Each target's running variable is scaled by a factor of its own (and the cutoff and
bandwidth with it), so no model's pairs are near an earlier one's and each is answered
afresh rather than with a registered answer.

Judged by wages recovered (`Score`): each answer that is withheld or refused is an
infinite error."""

from __future__ import annotations

from typing import Any

from tests.red_team.conftest import Attacker, Score, Truth

TARGETS = 4


def _terms(response: Any) -> dict[str, float] | None:
    if response.status_code != 200:
        return None
    found = {}
    for row in response.get_json()["results"][0]["result"]["rows"]:
        b = row["values"].get("coefficient")
        if b is None:
            return None
        found[str(row["labels"][0])] = float(b)
    return found


def _line_above(found: dict[str, float] | None, running: str, x: float) -> float | None:
    """The fitted value above the cutoff at x (x measured from the cutoff)."""
    if found is None:
        return None
    level = found["_cons"] + found["_discontinuity"]
    slope = found[running] + found[f"_above#c.{running}"]
    return level + slope * x


def test_rdd_puts_the_target_alone_above_the_cutoff(alice: Attacker, truth: Truth) -> None:
    handle = alice.workspace(
        [
            {"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "lonn > 0"},
            {"generate": "kjent", "expr": 'year(fodselsdato) == 1980 and kjonn == "1"'},
            {"generate": "kjent2", "expr": 'year(fodselsdato) == 1981 and kjonn == "1"'},
            {"generate": "kvinne1980", "expr": 'year(fodselsdato) == 1980 and kjonn == "2"'},
            {"generate": "kvinne1981", "expr": 'year(fodselsdato) == 1981 and kjonn == "2"'},
        ]
    )
    score = Score("rdd: the target alone (or with known people) above the cutoff")
    for i, person in enumerate(truth.targets(TARGETS)):
        k = i + 1  # a scale of its own per target: every model's pairs are new
        alice.steps(
            handle,
            [
                {"generate": f"t{i}", "expr": person.expr()},
                {"generate": f"r{i}", "expr": f"{k} * cond(t{i}, 2, cond(kjent, 1, alder - 100))"},
            ],
        )
        beside = {"running": f"r{i}", "cutoff": 0, "bandwidth": 500, "kernel": "uniform"}
        found = _terms(alice.ask(handle, "rdd", {"y": "lonn", **beside}))
        score.add(_line_above(found, f"r{i}", 2.0 * k), person.wage or 0.0)
        # ages 39 and 40 below, the target (moved to 40.5) and age 41 above
        alice.steps(handle, [{"generate": f"u{i}", "expr": f"{k} * cond(t{i}, 0.5, alder - 40)"}])
        for kernel in ("uniform", "triangular"):
            shrunk = {
                "running": f"u{i}",
                "cutoff": 0.25 * k,
                "bandwidth": 1.3 * k,
                "kernel": kernel,
            }
            found = _terms(alice.ask(handle, "rdd", {"y": "lonn", **shrunk}))
            score.add(_line_above(found, f"u{i}", 0.25 * k), person.wage or 0.0)
        # the triangular kernel's edge: two known groups just inside the bandwidth count
        # as units above the cutoff but weigh next to nothing beside the target
        edge = (
            f"{k} * cond(t{i}, 0.5, cond(kjent, 0.9999, cond(kjent2, 0.99995, "
            "cond(kvinne1980, -0.5, cond(kvinne1981, -0.9, 5)))))"
        )
        alice.steps(handle, [{"generate": f"v{i}", "expr": edge}])
        weighed = {"running": f"v{i}", "cutoff": 0, "bandwidth": 1.0 * k, "kernel": "triangular"}
        found = _terms(alice.ask(handle, "rdd", {"y": "lonn", **weighed}))
        score.add(_line_above(found, f"v{i}", 0.5 * k), person.wage or 0.0)
    assert score.failed()
