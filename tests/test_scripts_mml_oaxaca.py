"""The script commands regress-mml (statistic `regress_mml`) and oaxaca (statistic
`oaxaca`): through POST /api/v1/scripts/run each gives exactly the result of the JSON
request a client would send for it; bad lines are 4xx at the command's line naming the
variable or option, and what the engine does not do answers script-not-supported. `robust`
and `cluster()` are the requests' own (the pooled regress of regress-mml gets them too)."""

from __future__ import annotations

from typing import Any

import pytest

from tests import test_accounts_support as accounts_support
from tests.test_scripts_api import Researcher, _without_ids
from tests.test_scripts_models_charts import HEAD, LINE_AFTER_HEAD, STEPS, _json_answer, alice

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world
__all__ = ["alice"]

CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "regress-mml lonn alder by sivilstand",
        "regress_mml",
        {"y": "lonn", "group": "sivilstand", "x": ["alder"]},
    ),
    ("regress-mml lonn by sivilstand", "regress_mml", {"y": "lonn", "group": "sivilstand"}),
    (
        "oaxaca lonn alder i.sivilstand by kjonn",
        "oaxaca",
        {"y": "lonn", "x": ["alder", "i.sivilstand"], "group": "kjonn"},
    ),
    (
        "oaxaca lonn alder by kjonn, pooled",
        "oaxaca",
        {"y": "lonn", "x": ["alder"], "group": "kjonn", "reference": "pooled"},
    ),
    (
        "oaxaca lonn alder by kjonn, robust",
        "oaxaca",
        {"y": "lonn", "x": ["alder"], "group": "kjonn", "robust": True},
    ),
    (
        "oaxaca lonn alder by kjonn, pooled cluster(alder)",
        "oaxaca",
        {"y": "lonn", "x": ["alder"], "group": "kjonn", "reference": "pooled", "cluster": "alder"},
    ),
    (
        "regress-mml lonn kjonn by alder, robust",
        "regress_mml",
        {"y": "lonn", "group": "alder", "x": ["kjonn"], "robust": True},
    ),
]


@pytest.mark.parametrize(("line", "statistic", "body"), CASES, ids=[c[0] for c in CASES])
def test_the_command_gives_the_result_of_the_same_json_request(
    alice: Researcher, line: str, statistic: str, body: dict[str, Any]
) -> None:
    answer = alice.run(HEAD + line + "\n").get_json()
    assert answer["error"] is None, answer["error"]
    results = [o for o in answer["output"] if o["kind"] == "result"]
    assert [r["request"] for r in results] == [body]
    expected = _json_answer(alice, STEPS, statistic, body)
    assert expected.status_code == 200, expected.get_json()
    released = results[0]["response"]["results"]
    assert len(released) == (2 if statistic == "regress_mml" else 1)
    assert _without_ids(released) == _without_ids(expected.get_json()["results"])


@pytest.mark.parametrize(
    ("line", "code", "named"),
    [
        ("regress-mml lonn alder by lonn", "invalid-request", "lonn"),
        ("regress-mml lonn alder by finnes", "unknown-variable", "finnes"),
        ("regress-mml lonn alder by sivilstand kjonn", "script-not-supported", "regress-mml"),
        ("regress-mml lonn alder by sivilstand, robust", "too-few-clusters", "sivilstand"),
        ("regress-mml lonn kjonn by alder, cluster(sivilstand)", "invalid-request", "sivilstand"),
        ("oaxaca lonn alder by sivilstand", "invalid-request", "sivilstand"),
        ("oaxaca lonn alder by kjonn sivilstand", "script-not-supported", "oaxaca"),
        ("oaxaca lonn alder by kjonn, cluster(kjonn)", "too-few-clusters", "kjonn"),
        ("oaxaca lonn alder by kjonn, robust cluster(alder)", "invalid-request", "robust"),
    ],
)
def test_bad_lines_are_4xx_at_their_line(
    alice: Researcher, line: str, code: str, named: str
) -> None:
    for lang in ("nb", "en"):
        answer = alice.run(HEAD + line + "\n", lang).get_json()
        error = answer["error"]
        assert error["code"] == code and 400 <= error["status"] < 500, error
        assert error["details"]["line"] == LINE_AFTER_HEAD
        assert named in error["message"]
