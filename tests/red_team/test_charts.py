"""Charts as a way round the table rules: the means-over-time chart (meanplot) releases a
mean and a count per cell, so mean × count is a sum; the same chart over P and over
P − target would give the target's wage by differencing, as a sum table would (§0). The
chart's numbers are the controlled tables' only, so the sum's guards must hold here too."""

from __future__ import annotations

from typing import Any

from tests.red_team.conftest import Attacker, Score, Truth

TARGETS = 6


def _sum_from_meanplot(alice: Attacker, handle: str) -> float | None:
    response = alice.ask(handle, "meanplot", {"y": "lonn", "time": "alle"})
    if response.status_code != 200:
        return None
    points: list[dict[str, Any]] = response.get_json()["results"][0]["vega_lite"]["data"]["values"]
    items = response.get_json()["results"]
    counts = {tuple(r["labels"]): r["values"]["count"] for r in items[1]["result"]["rows"]}
    if len(points) != 1 or counts.get(("1",)) is None:
        return None
    return float(points[0]["mean"]) * float(counts[("1",)])


def test_meanplot_differencing_over_everyone_and_everyone_but_the_target(
    alice: Attacker, truth: Truth
) -> None:
    total = _sum_from_meanplot(alice, alice.workspace())
    assert total is not None
    score = Score("meanplot differencing (mean x count over P and P - target)")
    for person in truth.targets(TARGETS):
        rest = _sum_from_meanplot(alice, alice.workspace([{"drop_if": person.expr()}]))
        score.add(None if rest is None else total - rest, person.wage or 0)
    assert score.failed()
