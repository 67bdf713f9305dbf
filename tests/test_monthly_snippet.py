"""The pension-reform study as the shipped snippet
(catalogue/script_library/pension-reform-event-time.mdscript), run through POST
/api/v1/scripts/run as a researcher on the committed samples: it runs to its end, sends the
requests a JSON client would (meanplot by event month and cohort, `did` in event time with
leads and lags, calendar-month effects and each person's level before the window as
covariates), and answers the same tables and terms as the same steps and requests
through /api/v1/workspaces. The study's assertions are tests/test_monthly_study.py's, on
the fits of those same steps: before output control the estimates at event month 0 hold
the planted effects and the placebo's hold 0; released, over 2,000 noise draws, the
intervals hold them, the hours interval excludes 0 in ≥ 99 % of the draws and the wage
interval in ≥ 85 % (docs/MONTHLY.md §5 has the shares measured); the hours effect released
here is positive (model-noise's bound is below the estimate, so it is whatever the draw);
the means by event month per cohort are drawn with their 95 % bands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalogue.analysis.step import parse_steps
from tests import test_accounts_support as accounts_support
from tests import test_analysis_support as support
from tests.test_accounts_support import World
from tests.test_analysis_support import control_context
from tests.test_monthly_study import check_meanplots, check_placebo, check_reform
from tests.test_scripts_api import _without_ids

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world
workspace_factory = support.workspace_factory

SNIPPET = Path(__file__).parents[1] / "catalogue/script_library/pension-reform-event-time.mdscript"
RUN = "/api/v1/scripts/run"
WORKSPACES = "/api/v1/workspaces"
PANEL = ["AORD_AVTALT_TIMER", "AORD_LOENN_MND", "AORD_SEKTOR"]
HENDELSE = "(year(date) - year(fodt) - 62) * 12 + month(date) - month(fodt)"


def _steps(first_year: int, compared: tuple[int, int], treated: str) -> list[dict[str, Any]]:
    """The steps the snippet's dataset sends (as a JSON client would write them)."""
    dates = [f"{y}-{m:02d}-15" for y in range(first_year, first_year + 3) for m in range(1, 13)]
    base = f"{first_year - 1}-06-15"  # each person's level before anyone's window
    early, late = compared
    return [
        {"import": "BEFOLKNING_FOEDSELSDATO", "as": "fodt"},
        {"keep_if": "year(fodt) >= 1958 and year(fodt) <= 1966"},
        {"import": "AORD_AVTALT_TIMER", "date": base, "as": "timer_for"},
        {"import": "AORD_LOENN_MND", "date": base, "as": "lonn_for"},
        *({"import": name, "dates": dates, "as": name} for name in PANEL),
        {"reshape_to_panel": PANEL, "date_as": "date"},
        {"generate": "hendelse", "expr": HENDELSE},
        {"generate": "kull", "expr": "year(fodt)"},
        {"generate": "maaned", "expr": "month(date)"},
        {
            "generate": "studert",
            "expr": f'AORD_SEKTOR == "1" and (kull == {early} or kull == {late})',
        },
        {"generate": "timer", "expr": "AORD_AVTALT_TIMER", "if": "studert"},
        {"generate": "lonn", "expr": "AORD_LOENN_MND", "if": "studert"},
        {"generate": treated, "expr": f"kull == {late}"},
    ]


def _did(y: str, treated: str) -> tuple[str, dict[str, Any]]:
    """regress-event-diff with the snippet's covariates: calendar-month effects and the
    person's level before the window (timer_for, lonn_for)."""
    body = {"y": y, "treated": treated, "time": "hendelse", "leads": 12, "lags": 3}
    return "did", {**body, "x": ["i.maaned", f"{y}_for"]}


def _meanplot(y: str) -> tuple[str, dict[str, Any]]:
    return "meanplot", {"y": y, "time": "hendelse", "by": "kull"}


REFORM = (
    _steps(2023, (1962, 1963), "reform"),
    [_meanplot("timer"), _meanplot("lonn"), _did("timer", "reform"), _did("lonn", "reform")],
)
PLACEBO = (
    _steps(2022, (1961, 1962), "placebo"),
    [_did("timer", "placebo"), _did("lonn", "placebo")],
)


class Researcher(accounts_support.ApiResearcher):
    def post(self, path: str, body: Any) -> Any:
        answered = self.client.post(path, json=body, headers=self.headers)
        assert answered.status_code in (200, 201), answered.get_json()
        return answered.get_json()


def _as_json_client(alice: Researcher, steps: list[dict[str, Any]], asked: list[Any]) -> list[Any]:
    handle = alice.post(WORKSPACES, {"datastore": "no.regcat.demo", "version": "1.0.0.0"})[
        "workspace"
    ]
    alice.post(f"{WORKSPACES}/{handle}/steps", steps)
    return [alice.post(f"{WORKSPACES}/{handle}/{name}", body) for name, body in asked]


def _engine(ws: Any, steps: list[dict[str, Any]], asked: list[Any]) -> list[tuple[Any, Any]]:
    """(plan, released item) of each model, on the analysis engine: the fits the noise
    draws are judged over."""
    ws.apply(parse_steps(steps))
    out = []
    for name, body in asked:
        if name == "did":
            plan = ws.prepare(name, body)
            out.append((plan, plan.release(control_context(ws))[0]))
    return out


def _row(result: dict[str, Any], term: str) -> dict[str, Any]:
    row = next(r for r in result["rows"] if r["labels"][0] == term)
    return dict(row["values"])


@pytest.fixture(scope="module")
def study_asked_twice(
    released_people_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, Any], list[Any]]]:
    """The snippet run once by a researcher of a fresh copy of the released catalogue, then
    its steps and requests asked again by the same researcher as a JSON client (the
    reform's, then the placebo's, each in a workspace of its own): the script's answer and
    the JSON answers, in the snippet's order. Both tests below read this one asking (each
    asked it afresh before, in a world of its own: the same requests in the same order, a
    third of the file's time)."""
    home = tmp_path_factory.mktemp("snippet")
    for world in accounts_support._world(released_people_home, home):
        alice = Researcher(world, "forsker@uio")
        ran = alice.post(RUN, {"script": SNIPPET.read_text(encoding="utf-8")})
        if ran["error"] is not None:
            yield ran, []  # the tests say what it was
            return
        yield ran, [*_as_json_client(alice, *REFORM), *_as_json_client(alice, *PLACEBO)]


def test_the_snippet_runs_the_study_as_a_json_client_would(
    study_asked_twice: tuple[dict[str, Any], list[Any]], workspace_factory: Any
) -> None:
    ran, expected = study_asked_twice
    assert ran["error"] is None, ran["error"]
    results = [o for o in ran["output"] if o["kind"] == "result"]
    asked = [*REFORM[1], *PLACEBO[1]]
    assert [(o["response"]["statistic"], o["request"]) for o in results] == asked
    # The same steps and requests through the JSON API: the same tables and terms. The
    # values need not be (test_the_models_answer_what_the_json_requests_answer).
    for result, answer in zip(results, expected, strict=True):
        mine, theirs = result["response"]["results"], answer["results"]
        assert [r["about"] for r in mine] == [r["about"] for r in theirs]
        labels = [[row["labels"] for row in r["result"]["rows"]] for r in mine]
        assert labels == [[row["labels"] for row in r["result"]["rows"]] for r in theirs]
    # The means by event month per cohort with their bands, as the snippet released them.
    charts = [o["response"]["results"][0]["vega_lite"] for o in results[:2]]
    check_meanplots(charts, {"1962", "1963"})
    # The event-study chart of each model, and the hours effect's released sign.
    models = [o["response"]["results"][0] for o in results[2:]]
    assert all(m["vega_lite"]["data"]["values"] for m in models)
    assert _row(models[0]["result"], "true.reform#0.hendelse")["coefficient"] > 0
    # The study's assertions on the fits of these steps (shares over noise draws).
    check_reform(_engine(workspace_factory(), *REFORM), "true.reform#0.hendelse")
    check_placebo(_engine(workspace_factory(), *PLACEBO), "true.placebo#0.hendelse")


def test_the_models_answer_what_the_json_requests_answer(
    study_asked_twice: tuple[dict[str, Any], list[Any]],
) -> None:
    """The snippet's models, asked again by a JSON client with the same steps, are answered
    exactly alike (output control answers the same question the same way, as
    tests/test_scripts_api.py asserts for a script of tables and a regression). From bbdc978
    until a term's registered row was looked up under its name first, the JSON asking's
    -10, -9, -8.hendelse got the script asking's -11, -10, -9.hendelse rows: those event-time
    dummies' own pairs lie within the snap's reach of each other. The means
    are not compared: asked a second time, a cell whose unit set equals an earlier cell's
    (the same persons in two event months) was answered with the earlier cell's value
    (the second asking's month −29 got the first asking's month −30 mean, 35.775), before
    bbdc978 too. The JSON client asks the reform's means before its models, as the
    snippet does."""
    ran, answers = study_asked_twice
    assert ran["error"] is None, ran["error"]
    models = [o for o in ran["output"] if o["kind"] == "result" and o["command"] != "meanplot"]
    asked = [*REFORM[1], *PLACEBO[1]]
    assert len(answers) == len(asked)
    expected = [answer for (name, _), answer in zip(asked, answers, strict=True) if name == "did"]
    assert len(models) == len(expected) == 4
    for result, answer in zip(models, expected, strict=True):
        assert _without_ids(result["response"]["results"]) == _without_ids(answer["results"])


@pytest.mark.parametrize(
    ("line", "code", "nb", "en"),
    [
        (
            "regress-event-diff lonn kvinne hendelse, leads(tolv)",
            "script-arguments",
            "leads() tar ett helt tall",
            "leads() takes one whole number",
        ),
        (
            "regress-event-diff lonn kvinne hendelse, lags(2.5)",
            "script-arguments",
            "lags() tar ett helt tall",
            "lags() takes one whole number",
        ),
        (
            "meanplot lonn hendelse kvinne",
            "script-arguments",
            "høyst 2 variabler",
            "at most 2 variables",
        ),
    ],
)
def test_a_bad_argument_is_named_at_its_line(
    released_world: World, line: str, code: str, nb: str, en: str
) -> None:
    alice = Researcher(released_world, "forsker@uio")
    script = (
        "require no.regcat.demo:1 as db\n"
        "import db/BEFOLKNING_KJOENN as kjonn\n"
        "import-panel db/INNTEKT_WLONN 2020-12-31 2021-12-31\n"
        "generate lonn = INNTEKT_WLONN\n"
        'generate kvinne = kjonn == "2"\n'
        "generate hendelse = year(date) - 2021\n"
        f"{line}\n"
    )
    for lang, words in (("nb", nb), ("en", en)):
        answered = alice.client.post(
            f"{RUN}?lang={lang}", json={"script": script}, headers=alice.headers
        ).get_json()
        error = answered["error"]
        assert error["code"] == code and error["details"]["line"] == 7, error
        assert words in error["message"], error["message"]
