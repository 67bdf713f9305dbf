"""The script command rdd (statistic `rdd`): through POST /api/v1/scripts/run it gives
exactly the result of the JSON request a client would send for it, with cutoff(),
bandwidth() (a negative cutoff too), kernel() and covariates; a bandwidth <= 0 or too few
units on one side of the cutoff is a 4xx at the command's line naming the variable, as are
too few clusters in cluster() (the request's `cluster`), and an elasticity (mfx(eyex):
no meaning for a jump at the cutoff) is script-arguments naming the option (mfx(dydx), the
coefficients: tests/test_scripts_linear_mfx.py); fuzzy(<treatment>) is the fuzzy design's
request."""

from __future__ import annotations

from typing import Any

import pytest

from tests import test_accounts_support as accounts_support
from tests.test_scripts_api import Researcher, _without_ids
from tests.test_scripts_models_charts import HEAD, LINE_AFTER_HEAD, STEPS, _json_answer, alice

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world
__all__ = ["alice"]

CASES: list[tuple[str, dict[str, Any]]] = [
    (
        "rdd lonn alder, cutoff(45) bandwidth(10)",
        {"y": "lonn", "running": "alder", "cutoff": 45.0, "bandwidth": 10.0},
    ),
    (
        "rdd lonn alder i.kjonn, cutoff(45) kernel(uniform) bandwidth(12) robust",
        {
            "y": "lonn",
            "running": "alder",
            "x": ["i.kjonn"],
            "cutoff": 45.0,
            "bandwidth": 12.0,
            "kernel": "uniform",
        },
    ),
    ("rdd lonn alder, cutoff(45)", {"y": "lonn", "running": "alder", "cutoff": 45.0}),
    (
        "rdd lonn alder, cutoff(45) bandwidth(10) cluster(alder)",
        {
            "y": "lonn",
            "running": "alder",
            "cutoff": 45.0,
            "bandwidth": 10.0,
            "cluster": "alder",
        },
    ),
    (
        "rdd lonn alder, cutoff(45) bandwidth(10) inference(robust) biasbandwidth(8)",
        {
            "y": "lonn",
            "running": "alder",
            "cutoff": 45.0,
            "bandwidth": 10.0,
            "bias_bandwidth": 8.0,
            "inference": "robust",
        },
    ),
    (
        "rdd lonn alder, cutoff(45) bandwidth(10) inference(robust) vce(hc3)",
        {
            "y": "lonn",
            "running": "alder",
            "cutoff": 45.0,
            "bandwidth": 10.0,
            "inference": "robust",
            "vce": "hc3",
        },
    ),
    (
        "rdd lonn alder, cutoff(50) bandwidth(12) inference(robust) cluster(alder)",
        {
            "y": "lonn",
            "running": "alder",
            "cutoff": 50.0,
            "bandwidth": 12.0,
            "inference": "robust",
            "cluster": "alder",
        },
    ),
]


@pytest.mark.parametrize(("line", "body"), CASES, ids=[c[0] for c in CASES])
def test_rdd_gives_the_result_of_the_same_json_request(
    alice: Researcher, line: str, body: dict[str, Any]
) -> None:
    answer = alice.run(HEAD + line + "\n").get_json()
    assert answer["error"] is None, answer["error"]
    [result] = [o for o in answer["output"] if o["kind"] == "result"]
    assert result["request"] == body
    expected = _json_answer(alice, STEPS, "rdd", body)
    assert expected.status_code == 200, expected.get_json()
    released = result["response"]["results"]
    assert released[0]["result"]["rows"][0]["labels"] == ["_discontinuity"]
    assert _without_ids(released) == _without_ids(expected.get_json()["results"])


FUZZY = 'cond((alder >= 45 and kjonn == "1") or month(fodselsdato) <= 2, 1, 0)'


def test_fuzzy_gives_the_result_of_the_same_json_request(alice: Researcher) -> None:
    """fuzzy(<treatment>) is the request's `treatment`: the Wald model and its first stage."""
    head = HEAD + f"generate behandlet = {FUZZY}\n"
    line = "rdd lonn alder, cutoff(45) bandwidth(10) fuzzy(behandlet)"
    answer = alice.run(head + line + "\n").get_json()
    assert answer["error"] is None, answer["error"]
    [result] = [o for o in answer["output"] if o["kind"] == "result"]
    body = {
        "y": "lonn",
        "running": "alder",
        "cutoff": 45.0,
        "bandwidth": 10.0,
        "treatment": "behandlet",
    }
    assert result["request"] == body
    steps = [*STEPS, {"generate": "behandlet", "expr": FUZZY}]
    expected = _json_answer(alice, steps, "rdd", body)
    assert expected.status_code == 200, expected.get_json()
    released = result["response"]["results"]
    assert [r["about"].get("stage") for r in released] == [None, "first"]
    assert released[0]["result"]["rows"][0]["labels"] == ["behandlet"]
    assert released[1]["result"]["rows"][0]["labels"] == ["_discontinuity"]
    assert _without_ids(released) == _without_ids(expected.get_json()["results"])


def test_a_negative_cutoff_is_a_number(alice: Researcher) -> None:
    head = HEAD + "generate avstand = alder - 45\n"
    answer = alice.run(head + "rdd lonn avstand, cutoff(-2) bandwidth(10)\n").get_json()
    assert answer["error"] is None, answer["error"]
    [result] = [o for o in answer["output"] if o["kind"] == "result"]
    assert result["request"]["cutoff"] == -2.0


@pytest.mark.parametrize(
    ("line", "code", "named"),
    [
        ("rdd lonn alder, cutoff(45) bandwidth(0)", "invalid-request", "bandwidth"),
        ("rdd lonn alder, cutoff(200)", "rdd-no-support", "alder"),
        ("rdd lonn alder, cutoff(forty)", "script-arguments", "cutoff"),
        ("rdd lonn alder, cutoff(45) cluster(kjonn)", "too-few-clusters", "kjonn"),
        ("rdd lonn alder, cutoff(45) mfx(eyex)", "script-arguments", "mfx"),
        ("rdd lonn alder, cutoff(45) inference(robust) vce(nn)", "invalid-request", "vce"),
    ],
)
def test_bad_rdd_lines_are_4xx_at_their_line(
    alice: Researcher, line: str, code: str, named: str
) -> None:
    for lang in ("nb", "en"):
        answer = alice.run(HEAD + line + "\n", lang).get_json()
        error = answer["error"]
        assert error["code"] == code and 400 <= error["status"] < 500
        assert error["details"]["line"] == LINE_AFTER_HEAD
        assert named in error["message"]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"bandwidth": 0}, "bandwidth"),
        ({"bandwidth": -1.5}, "bandwidth"),
        ({"cutoff": 200}, "alder"),
        ({"running": "kjonn"}, "kjonn"),
        ({"kernel": "epanechnikov"}, "kernel"),
        ({"inference": "robust", "vce": "cr2"}, "vce"),
        ({"vce": "hc2"}, "vce"),
    ],
)
def test_bad_json_requests_are_4xx_naming_the_field(
    alice: Researcher, body: dict[str, Any], named: str
) -> None:
    request = {"y": "lonn", "running": "alder", "cutoff": 45, **body}
    answer = _json_answer(alice, STEPS, "rdd", request)
    assert 400 <= answer.status_code < 500
    error = answer.get_json()["error"]
    assert named in str(error["message"]) + str(error.get("details"))
