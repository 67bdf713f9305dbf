"""kaplan-meier … by() and cox … hazard as scripts on the released sample registers:
by() draws one curve per group of the variable's code list (or true/false), each the
curve `kaplan-meier … if <group>` gives, with the step aggregation of OUTPUT_CONTROL.md
(every step shown holds at least the minimum of events by its published count); hazard
adds exp of the published coefficients and bounds beside the same model; a by() of a
variable without groups is an error at its line and column in both languages."""

from __future__ import annotations

import math
from typing import Any

import pytest

from catalogue.analysis.output_control.rules.survival import SurvivalParameters
from catalogue.services import scripts
from catalogue.services.context import Context
from tests import script_fixtures

SETUP = (
    "require no.regcat.demo:1 as db\n"
    "import db/BEFOLKNING_FOEDSELSDATO as fodselsdato\n"
    "import db/BEFOLKNING_KJOENN as kjonn\n"
    "import db/BEFOLKNING_DOEDS_DATO as dodsdato\n"
    "import db/INNTEKT_WLONN 2020-12-31 as lonn\n"
    "generate dod = !sysmiss(dodsdato)\n"
    "generate tid = cond(dod, year(dodsdato), 2024) - year(fodselsdato)\n"
)


ctx = script_fixtures.ctx


def _run(ctx: Context, body: str, language: str = "nb") -> scripts.ScriptRun:
    return scripts.run_script(ctx, "forsker@uio", SETUP + body, language)


def _results(ran: scripts.ScriptRun) -> list[dict[str, Any]]:
    assert ran.error is None, ran.error and ran.error.as_dict("en")
    return [o for o in ran.output if o["kind"] == "result"]


def _rows(item: dict[str, Any]) -> list[Any]:
    return [r["result"]["rows"] for r in item["response"]["results"]]


def test_kaplan_meier_by_draws_the_curve_of_each_group_as_if_would(ctx: Context) -> None:
    grouped = _results(_run(ctx, "kaplan-meier dod tid, by(kjonn)\n"))
    assert [item["group"] for item in grouped] == [{"kjonn": "1"}, {"kjonn": "2"}]
    for item in grouped:
        code = item["group"]["kjonn"]
        alone = _results(_run(ctx, f'kaplan-meier dod tid if kjonn == "{code}"\n'))
        assert _rows(item) == _rows(alone[0])
    least = SurvivalParameters().min_events
    for item in grouped:
        (rows,) = _rows(item)
        events = [r["values"]["events"] for r in rows if r["values"]["events"] is not None]
        assert events and all(e >= least for e in events)
    # Two groups, two different curves.
    assert _rows(grouped[0]) != _rows(grouped[1])


def test_kaplan_meier_by_a_truth_value_and_with_if(ctx: Context) -> None:
    grouped = _results(
        _run(ctx, "generate hoy = lonn > 400000\nkaplan-meier dod tid if tid > 20, by(hoy)\n")
    )
    assert [item["group"] for item in grouped] == [{"hoy": True}, {"hoy": False}]
    alone = _results(
        _run(ctx, "generate hoy = lonn > 400000\nkaplan-meier dod tid if (tid > 20) and (!hoy)\n")
    )
    assert _rows(grouped[1]) == _rows(alone[0])


@pytest.mark.parametrize(
    ("by", "nb", "en"),
    [
        ("lonn", "kodeliste", "code list"),
        ("nosuch", "ingen variabel «nosuch»", "no variable 'nosuch'"),
    ],
)
def test_kaplan_meier_by_a_variable_without_groups_is_an_error_at_its_place(
    ctx: Context, by: str, nb: str, en: str
) -> None:
    line = SETUP.count("\n") + 1
    for language, word, said in (("nb", "Linje", nb), ("en", "Line", en)):
        ran = _run(ctx, f"tabulate kjonn\nkaplan-meier dod tid, by({by})\n", language)
        assert ran.error is not None and 400 <= ran.error.http_status < 500
        assert [o["line"] for o in ran.output] == [line]  # the table before it is kept
        assert (ran.error.details["line"], ran.error.details["column"]) == (line + 1, 23)
        message = ran.error.as_dict(language)["error"]["message"]
        assert message.startswith(f"{word} {line + 1}, ") and said in message


def test_cox_hazard_shows_exp_of_the_published_coefficients_beside_the_same_model(
    ctx: Context,
) -> None:
    (plain,) = _results(_run(ctx, "cox dod tid lonn i.kjonn\n"))
    (hazard,) = _results(_run(ctx, "cox dod tid lonn i.kjonn, hazard\n"))
    assert hazard["request"]["hazard"] is True
    assert _rows(hazard) == _rows(plain)  # the same model, the same released numbers
    (released,) = hazard["response"]["results"]
    ratios = released["hazard_ratios"]
    rows = released["result"]["rows"]
    assert [r["term"] for r in ratios] == [r["labels"] for r in rows]
    for ratio, row in zip(ratios, rows, strict=True):
        for name, column in (("hazard_ratio", "coefficient"), ("ci_lower", "ci_lower"),
                             ("ci_upper", "ci_upper")):  # fmt: skip
            published = row["values"][column]
            assert ratio[name] == pytest.approx(math.exp(published), rel=1e-3)
        assert ratio["ci_lower"] <= ratio["hazard_ratio"] <= ratio["ci_upper"]
    assert "hazard_ratios" not in plain["response"]["results"][0]


def test_weibull_by_fits_the_model_of_each_group_as_if_would(ctx: Context) -> None:
    grouped = _results(_run(ctx, "weibull dod tid if tid > 0, by(kjonn)\n"))
    assert [item["group"] for item in grouped] == [{"kjonn": "1"}, {"kjonn": "2"}]
    alone = _results(_run(ctx, 'weibull dod tid if (tid > 0) and (kjonn == "2")\n'))
    assert _rows(grouped[1]) == _rows(alone[0])
    (released,) = grouped[1]["response"]["results"]
    assert released["about"]["statistic"] == "weibull"
    coefficients = [r["values"]["coefficient"] for r in released["result"]["rows"]]
    assert any(isinstance(c, float) for c in coefficients)  # fitted and shown, not withheld
