"""POST /api/v1/scripts/run end to end, as a researcher with an API token: a
microdata.no-style script on the committed sample registers gives exactly the results of
the same JSON requests to /api/v1/workspaces; a command without an engine counterpart
answers script-not-supported at its line with the results before it kept; and bad input
is a 4xx with a clear code, never a 5xx, leaving no workspace behind."""

from __future__ import annotations

import json
from typing import Any

import pytest

from catalogue.script.limits import MAX_CHARACTERS
from tests import test_accounts_support as accounts_support
from tests.test_accounts_support import World, bearer
from tests.test_analysis_support import EDUCATION_STEP, PERSON_STEPS, WORKING_AGE_STEPS

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world

RUN = "/api/v1/scripts/run"
WORKSPACES = "/api/v1/workspaces"

SCRIPT = """// Lønn etter kjønn og utdanning, 2020 (som i microdata.no)
require no.regcat.demo:1 as db
create-dataset personer
import db/BEFOLKNING_BOSTED_KOMMUNE 2020-01-01 as kommune
import db/BEFOLKNING_KJOENN as kjonn
import db/BEFOLKNING_FOEDSELSDATO as fodselsdato
import db/INNTEKT_WLONN date(2020, 12, 31) as lonn
import db/NUDB_BU 2020-10-01 as utdanning
let år = 2020
generate alder = $år - year(fodselsdato)
keep if alder >= 18 and alder <= 67   // yrkesaktiv alder
recode utdanning (1/2 = 1) (3/5 = 2) (6/8 = 3)
textblock
## Lønn etter kjønn
Tallene er kontrollert før de vises.
endblock
for v in kjonn utdanning
  tabulate $v, missing
end
tabulate kjonn utdanning, rowpct
tabulate kjonn, summarize(lonn) mean
summarize lonn alder
correlate lonn alder
regress lonn alder i.kjonn, robust
histogram lonn, bin(10)
barchart kjonn
summarize lonn if kjonn == "2"
"""

STEPS: list[dict[str, Any]] = [*PERSON_STEPS, EDUCATION_STEP, *WORKING_AGE_STEPS]
# (line, statistic, body, condition) as a JSON client would send them.
REQUESTS: list[tuple[int, str, dict[str, Any], str | None]] = [
    (18, "tabulate", {"vars": ["kjonn"], "missing": True}, None),
    (18, "tabulate", {"vars": ["utdanning"], "missing": True}, None),
    (20, "tabulate", {"vars": ["kjonn", "utdanning"], "percent": "row"}, None),
    (21, "tabulate", {"vars": ["kjonn"], "summarize": "lonn", "stats": ["mean"]}, None),
    (22, "summarize", {"vars": ["lonn", "alder"]}, None),
    (23, "correlate", {"vars": ["lonn", "alder"]}, None),
    (24, "regress", {"y": "lonn", "x": ["alder", "i.kjonn"], "robust": True}, None),
    (25, "histogram", {"var": "lonn", "bins": 10}, None),
    (26, "barchart", {"var": "kjonn"}, None),
    (27, "summarize", {"vars": ["lonn"]}, 'kjonn == "2"'),
]


class Researcher(accounts_support.ApiResearcher):
    def post(self, path: str, body: Any, **kwargs: Any) -> Any:
        return self.client.post(path, json=body, headers=self.headers, **kwargs)

    def run(self, script: str, lang: str = "nb") -> Any:
        return self.post(f"{RUN}?lang={lang}", {"script": script})

    def workspaces(self) -> list[Any]:
        listed = self.client.get(WORKSPACES, headers=self.headers).get_json()
        return [w for w in listed if not w["expired"]]


alice = accounts_support.researcher_fixture(Researcher, "forsker@uio")


def error_at(body: dict[str, Any]) -> tuple[str, int]:
    """A script's error: its code and the line it names."""
    return body["error"]["code"], body["error"]["details"]["line"]


def _without_ids(value: Any) -> Any:
    """A result without what names its request (audit ids, the workspace's handle)."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k not in ("audit_id", "workspace")}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def _json_results(alice: Researcher) -> list[tuple[str, Any]]:
    """The same analysis sent as JSON, request by request."""
    created = alice.post(WORKSPACES, {"datastore": "no.regcat.demo", "version": "1.0.0.0"})
    handle = created.get_json()["workspace"]
    applied = alice.post(f"{WORKSPACES}/{handle}/steps", STEPS)
    assert applied.status_code == 200, applied.get_json()
    out = []
    for _, statistic, body, condition in REQUESTS:
        target = handle
        if condition is not None:
            target = alice.post(WORKSPACES, {"version": "1.0.0.0"}).get_json()["workspace"]
            scratch = alice.post(f"{WORKSPACES}/{target}/steps", [*STEPS, {"keep_if": condition}])
            assert scratch.status_code == 200, scratch.get_json()
        answered = alice.post(f"{WORKSPACES}/{target}/{statistic}", body)
        assert answered.status_code == 200, answered.get_json()
        out.append((statistic, answered.get_json()))
    return out


def test_a_script_gives_exactly_the_results_of_the_same_json_requests(alice: Researcher) -> None:
    ran = alice.run(SCRIPT)
    assert ran.status_code == 200, ran.get_json()
    body = ran.get_json()
    assert body["error"] is None, body["error"]
    kinds = [(o["line"], o["kind"]) for o in body["output"]]
    assert kinds == [(13, "text")] + [(line, "result") for line, *_ in REQUESTS]
    assert (
        body["output"][0]["markdown"] == "## Lønn etter kjønn\nTallene er kontrollert før de vises."
    )
    results = [o for o in body["output"] if o["kind"] == "result"]
    assert [(o["command"], o["request"]) for o in results] == [
        (statistic, request) for _, statistic, request, _ in REQUESTS
    ]
    # The same questions through the JSON API, in a workspace of their own: the same
    # controlled results (output control answers the same question the same way).
    expected = _json_results(alice)
    for result, (statistic, answer) in zip(results, expected, strict=True):
        assert result["response"]["statistic"] == statistic
        assert _without_ids(result["response"]["results"]) == _without_ids(answer["results"])
        assert result["response"]["budget"].keys() == answer["budget"].keys()
    # Something was released, not only refusals: a table has published counts.
    first_rows = results[0]["response"]["results"][0]["result"]["rows"]
    assert any(isinstance(v, int | float) for row in first_rows for v in row["values"].values())


def test_the_script_leaves_no_workspace_behind(alice: Researcher) -> None:
    before = len(alice.workspaces())
    assert alice.run(SCRIPT).status_code == 200
    assert len(alice.workspaces()) == before


def test_a_command_without_an_engine_counterpart_stops_the_run_at_its_line(
    alice: Researcher,
) -> None:
    script = (
        "require no.regcat.demo:1 as db\n"
        "import db/BEFOLKNING_KJOENN as kjonn\n"
        "tabulate kjonn\n"
        "oaxaca kjonn kjonn by kjonn kjonn\n"
        "tabulate kjonn, missing\n"
    )
    for lang, word in (("nb", "Linje 4"), ("en", "Line 4")):
        body = alice.run(script, lang).get_json()
        assert [o["line"] for o in body["output"]] == [3]
        error = body["error"]
        assert error["code"] == "script-not-supported" and error["status"] == 422
        assert error["details"]["line"] == 4 and error["details"]["command"] == "oaxaca"
        assert error["message"].startswith(word)


def test_an_unsupported_option_is_named(alice: Researcher) -> None:
    body = alice.run(
        "require no.regcat.demo:1 as db\nimport db/BEFOLKNING_KJOENN as kjonn\n"
        "coefplot regress kjonn kjonn, standardize\n"
    ).get_json()
    assert body["error"]["code"] == "script-not-supported"
    assert "«standardize»" in body["error"]["message"] and body["error"]["details"]["line"] == 3


def test_an_engine_error_names_the_line_that_wrote_the_step(alice: Researcher) -> None:
    body = alice.run(
        "require no.regcat.demo:1 as db\n"
        "import db/BEFOLKNING_KJOENN as kjonn\n"
        "generate x = 1\n"
        "generate y = nosuchvariable + 1\n"
        "tabulate kjonn\n"
    ).get_json()
    assert body["output"] == []
    assert body["error"]["code"] == "expression-unknown-variable"
    assert body["error"]["status"] == 422 and body["error"]["details"]["line"] == 4
    # The step's number in the batch sent means nothing to the script's author.
    assert (
        body["error"]["message"].startswith("Linje 4: ") and "Steg" not in body["error"]["message"]
    )
    assert "step" not in body["error"]["details"]
    # An expression error points at its column in the line as written.
    body = alice.run(
        "require no.regcat.demo:1 as db\n"
        "import db/BEFOLKNING_KJOENN as kjonn\n"
        "generate y = 1 if kjonn == '1' & nosuch > 2\n"
    ).get_json()
    assert body["error"]["code"] == "expression-unknown-variable"
    assert (body["error"]["details"]["line"], body["error"]["details"]["column"]) == (3, 34)


def test_an_unknown_alias_and_an_unknown_major_version(alice: Researcher) -> None:
    body = alice.run("require no.regcat.demo:1 as db\nimport ssb/BEFOLKNING_KJOENN\n").get_json()
    assert error_at(body) == ("script-unknown-alias", 2)
    body = alice.run("require no.regcat.demo:7 as db\n").get_json()
    assert error_at(body) == ("unknown-version", 1)


def test_datasets_are_workspaces_of_their_own(alice: Researcher) -> None:
    body = alice.run(
        "require no.regcat.demo:1 as db\n"
        "create-dataset a\n"
        "import db/BEFOLKNING_KJOENN as kjonn\n"
        "clone-dataset a b\n"
        "use b\n"
        "rename kjonn sex\n"
        "variables\n"
        "use a\n"
        "variables\n"
        "use c\n"
    ).get_json()
    listed = [[v["name"] for v in o["variables"]] for o in body["output"]]
    assert listed == [["sex"], ["kjonn"]]
    assert error_at(body) == ("script-unknown-dataset", 10)


@pytest.mark.parametrize(
    ("script", "code", "line"),
    [
        ("tabluate kjonn", "script-unknown-command", 1),
        ("require no.regcat.demo:1 as db\ntabulate kjonn, missin", "script-unknown-option", 2),
        ("for i in 1 : 5\n  tabulate x\n", "script-block", 1),
        # Refused for every route by the web, at its line, before the parser sees it.
        ("tabulate kjonn\nsummarize\x00lonn", "unstorable-text", 2),
        ("generate x = $y", "script-unknown-binding", 1),
    ],
)
def test_a_script_that_does_not_parse_is_422_and_nothing_runs(
    alice: Researcher, script: str, code: str, line: int
) -> None:
    before = len(alice.workspaces())
    answered = alice.run(script)
    assert answered.status_code == 422, answered.get_json()
    assert error_at(answered.get_json()) == (code, line)
    assert len(alice.workspaces()) == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"script": ""},
        {"script": 3},
        {"script": ["tabulate x"]},
        {"script": "x" * (MAX_CHARACTERS + 1)},
    ],
)
def test_a_body_that_does_not_fit_the_schema_is_400(alice: Researcher, body: Any) -> None:
    answered = alice.post(RUN, body)
    assert answered.status_code == 400, answered.get_json()
    assert answered.get_json()["error"]["code"] == "invalid-parameters"


def test_bytes_that_are_not_json_text_are_4xx(alice: Researcher) -> None:
    answered = alice.client.post(
        RUN,
        data=b"\xff\xfe\x00tabulate",
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert 400 <= answered.status_code < 500


def test_running_a_script_needs_a_researcher(released_world: World) -> None:
    client = released_world.app.test_client()
    assert client.post(RUN, json={"script": "help"}).status_code == 401
    steward = bearer(released_world.token("forvalter-krg", "search"))
    assert client.post(RUN, json={"script": "help"}, headers=steward).status_code == 403


def test_the_streamed_answer_has_a_line_per_command_and_the_same_results(
    alice: Researcher,
) -> None:
    script = (
        "require no.regcat.demo:1 as db\n"
        "import db/BEFOLKNING_KJOENN as kjonn\n"
        "textblock\nKjønn\nendblock\n"
        "tabulate kjonn\n"
        "oaxaca kjonn kjonn by kjonn kjonn\n"
    )
    streamed = alice.client.post(
        RUN, json={"script": script}, headers={**alice.headers, "Accept": "application/x-ndjson"}
    )
    assert streamed.status_code == 200 and streamed.mimetype == "application/x-ndjson"
    lines = [json.loads(raw) for raw in streamed.get_data(as_text=True).splitlines()]
    assert [(o.get("line"), o.get("command")) for o in lines[:-1]] == [
        (1, "require"),
        (2, "import"),
        (3, "textblock"),
        (6, "tabulate"),
        (7, "oaxaca"),
    ]
    assert [o["error"] for o in lines[:4]] == [None] * 4
    assert lines[4]["error"]["code"] == "script-not-supported"
    assert lines[-1] == {"done": True, "commands_run": 3, "error": lines[4]["error"]}
    whole = alice.run(script).get_json()
    streamed_output = [entry for line in lines[:-1] for entry in line["output"]]
    # The same results; the budget after each differs, the second run having paid too.
    for entry in [*streamed_output, *whole["output"]]:
        entry.get("response", {}).pop("budget", None)
    assert _without_ids(streamed_output) == _without_ids(whole["output"])


def test_import_panel_gives_the_long_form_and_reshape_from_panel_undoes_it(
    alice: Researcher,
) -> None:
    body = alice.run(
        "require no.regcat.demo:1 as db\n"
        "import-panel db/INNTEKT_WLONN 2020-12-31 2021-12-31\n"
        "variables\n"
        "reshape-from-panel\n"
        "variables\n"
        "summarize INNTEKT_WLONN_2020\n"
        "reshape-from-panel\n"
    ).get_json()
    long, wide = (o["variables"] for o in body["output"] if o["kind"] == "variables")
    assert [v["name"] for v in long] == ["INNTEKT_WLONN", "date"]
    assert [v["name"] for v in wide] == ["INNTEKT_WLONN_2020", "INNTEKT_WLONN_2021"]
    summary = next(o for o in body["output"] if o["kind"] == "result")
    assert summary["line"] == 6 and summary["request"] == {"vars": ["INNTEKT_WLONN_2020"]}
    # A second reshape-from-panel finds no panel: a clear error at its line.
    assert error_at(body) == ("script-arguments", 7)


def test_the_session_commands(alice: Researcher) -> None:
    body = alice.run(
        "require no.regcat.demo:1 as db\n"
        "import db/BEFOLKNING_KJOENN as kjonn\n"
        "help\n"
        "help tabulate\n"
        "help-function\n"
        "help-function substr\n"
        "history\n"
        "clear\n"
        "import db/BEFOLKNING_KJOENN as k2\n"
        "variables\n"
        "help tabluate\n",
        "en",
    ).get_json()
    texts = [o["text"] for o in body["output"] if o["kind"] == "help"]
    assert "tabulate*" in texts[0] and "hausman*" in texts[0]
    assert texts[1].startswith("tabulate <") and "in regcat: runs" in texts[1]
    assert "substr" in texts[2] and "year" in texts[2]
    assert "substr" in texts[3]
    history = next(o for o in body["output"] if o["kind"] == "history")
    assert [h["line"] for h in history["lines"]] == [1, 2, 3, 4, 5, 6]
    listed = next(o for o in body["output"] if o["kind"] == "variables")
    assert [v["name"] for v in listed["variables"]] == ["k2"]  # clear dropped kjonn's dataset
    assert error_at(body) == ("script-unknown-command", 11)
    assert "tabulate" in body["error"]["message"]
