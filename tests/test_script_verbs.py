"""The verbs of issue 15's second round, run as scripts on the released sample registers
(catalogue.services.scripts, no HTTP) and as steps: sample is deterministic by its seed and
never refuses for the population's size; destring makes missing what is not a number (no
refusal that would say a unit has such a text); value labels reach the table's labels;
clone-units keeps the units and no variables; the panel statistics tabulate against the
panel's dates."""

from __future__ import annotations

import pytest

from catalogue.analysis.step import parse_step
from catalogue.domain.errors import RegcatError
from catalogue.services import scripts
from catalogue.services.context import Context
from tests import script_fixtures

SETUP = "require no.regcat.demo:1 as db\nimport db/BEFOLKNING_KJOENN as kjonn\n"


ctx = script_fixtures.ctx


def _run(ctx: Context, body: str) -> scripts.ScriptRun:
    ran = scripts.run_script(ctx, "forsker@uio", SETUP + body)
    assert ran.error is None, ran.error and ran.error.as_dict("en")
    return ran


def _rows(ran: scripts.ScriptRun, index: int = -1) -> list[dict[str, object]]:
    results = [o for o in ran.output if o["kind"] == "result"]
    rows: list[dict[str, object]] = results[index]["response"]["results"][0]["result"]["rows"]
    return rows


def _total(ran: scripts.ScriptRun, index: int = -1) -> object:
    return next(r["values"]["count"] for r in _rows(ran, index) if r["labels"][0] is None)


def test_sample_is_the_same_for_the_same_seed_and_other_for_another(ctx: Context) -> None:
    same = [_run(ctx, "sample 0.25 7\ntabulate kjonn\n") for _ in range(2)]
    assert _rows(same[0]) == _rows(same[1])
    other = _run(ctx, "sample 0.25 8\ntabulate kjonn\n")
    assert _rows(other) != _rows(same[0])
    everyone = _total(_run(ctx, "tabulate kjonn\n"))
    assert isinstance(everyone, int) and 0.2 * everyone < _total(same[0]) < 0.3 * everyone  # type: ignore[operator]


def test_a_sample_count_above_the_population_keeps_everyone_without_a_word(ctx: Context) -> None:
    counted = _run(ctx, "sample 2000 3\ntabulate kjonn\n")
    assert 1990 <= _total(counted) <= 2010  # type: ignore[operator]  # rounded and noised
    everyone = _run(ctx, "tabulate kjonn\n")
    beyond = _run(ctx, "sample 100000000 3\ntabulate kjonn\n")
    assert _rows(beyond) == _rows(everyone)
    assert [o["kind"] for o in beyond.output] == ["result"]  # no notice, no warning


@pytest.mark.parametrize(
    "step",
    [
        {"sample": 0, "seed": 1},
        {"sample": 1.5, "seed": 1},
        {"sample": "0.1", "seed": 1},
        {"sample": 0.1},
        {"sample": 0.1, "seed": 1.5},
        {"sample": True, "seed": 1},
    ],
)
def test_a_sample_step_that_makes_no_sense_is_refused(step: dict[str, object]) -> None:
    with pytest.raises(RegcatError) as refused:
        parse_step(step)
    assert refused.value.http_status == 400


def test_destring_reads_numbers_and_makes_the_rest_missing(ctx: Context) -> None:
    ran = _run(
        ctx,
        'generate tekst = string(kjonn) + ",5 kr"\n'
        'destring tekst, ignore(" kr") dpcomma\n'
        "summarize tekst\n",
    )
    summary = _rows(ran)
    assert summary, ran.output
    bad = scripts.run_script(ctx, "forsker@uio", SETUP + "generate n = 1\ndestring n\n")
    # Not a text variable: a type error at its line, not a count of anything.
    assert bad.error is not None and bad.error.code == "destring-needs-text"
    assert bad.error.details["line"] == 4
    refused_none = _run(ctx, 'generate t = "abc"\ndestring t, force\nsummarize t\n')
    assert refused_none.error is None  # every text unreadable: all missing, never refused


def test_labels_defined_assigned_listed_and_dropped(ctx: Context) -> None:
    ran = _run(
        ctx,
        'define-labels kj 1 "Gutt" 2 "Jente"\n'
        "assign-labels kjonn kj\n"
        "list-labels kj\n"
        "tabulate kjonn\n"
        "drop-labels kj\n",
    )
    listed = next(o for o in ran.output if o["kind"] == "labels")
    assert listed["text"] == "1: Gutt\n2: Jente" and listed["line"] == 5
    result = next(o for o in ran.output if o["kind"] == "result")["response"]["results"][0]
    assert result["category_labels"]["kjonn"]["1"] == {"nb": "Gutt", "en": "Gutt"}
    unknown = scripts.run_script(ctx, "forsker@uio", SETUP + "assign-labels kjonn nope\n")
    assert unknown.error is not None and unknown.error.code == "script-arguments"
    assert unknown.error.details["line"] == 3


def test_clone_units_keeps_the_units_and_no_variables(ctx: Context) -> None:
    ran = _run(
        ctx,
        'keep if kjonn == "2"\n'
        "clone-units data kvinner\n"
        "use kvinner\n"
        "variables\n"
        "import db/INNTEKT_WLONN 2020-12-31 as lonn\n"
        "summarize lonn\n",
    )
    listing = next(o for o in ran.output if o["kind"] == "variables")
    assert listing["variables"] == []


def test_the_panel_statistics_tabulate_against_the_dates(ctx: Context) -> None:
    ran = _run(
        ctx,
        "import-panel db/INNTEKT_WLONN 2020-12-31 2021-12-31\n"
        "tabulate-panel kjonn\n"
        "summarize-panel INNTEKT_WLONN\n",
    )
    results = [o for o in ran.output if o["kind"] == "result"]
    assert results[0]["request"]["vars"] == ["kjonn", "date"]
    assert results[1]["request"] == {
        "vars": ["date"],
        "summarize": "INNTEKT_WLONN",
        "stats": ["mean", "sum"],
    }
    wide = scripts.run_script(ctx, "forsker@uio", SETUP + "tabulate-panel kjonn\n")
    assert wide.error is not None and wide.error.code == "script-arguments"


def test_a_datastore_variable_is_described_and_its_code_list_listed(ctx: Context) -> None:
    ran = scripts.run_script(
        ctx,
        "forsker@uio",
        "require no.regcat.demo:1 as db\n"
        "variables db/BEFOLKNING_KJOENN db/INNTEKT_WLONN\n"
        "list-labels db/BEFOLKNING_KJOENN\n",
    )
    assert ran.error is None, ran.error
    listing = next(o for o in ran.output if o["kind"] == "variables")
    assert [(v["name"], v["type"]) for v in listing["variables"]] == [
        ("BEFOLKNING_KJOENN", "string"),
        ("INNTEKT_WLONN", "number"),
    ]
    assert all(v["label"] for v in listing["variables"])
    labels = next(o for o in ran.output if o["kind"] == "labels")
    assert labels["line"] == 3
    codes = [line.split(": ")[0] for line in labels["text"].splitlines()]
    assert codes[:2] == ["1", "2"]
    # Metadata only: nothing was imported, so no workspace and no result.
    assert [o for o in ran.output if o["kind"] == "result"] == []
    unknown = scripts.run_script(
        ctx, "forsker@uio", "require no.regcat.demo:1 as db\nvariables db/NOPE\n"
    )
    assert unknown.error is not None and unknown.error.code == "script-arguments"
    assert unknown.error.details["line"] == 2
    unbound = scripts.run_script(ctx, "forsker@uio", "list-labels zz/BEFOLKNING_KJOENN\n")
    assert unbound.error is not None and unbound.error.code == "script-unknown-alias"


def test_recode_if_changes_only_the_rows_the_condition_holds_on(ctx: Context) -> None:
    head = "generate alder = 2020 - year(fodselsdato)\n"
    setup = SETUP + "import db/BEFOLKNING_FOEDSELSDATO as fodselsdato\n" + head
    asked = 'summarize alder if kjonn == "2"\nsummarize alder if kjonn == "1"\n'
    plain = scripts.run_script(ctx, "forsker@uio", setup + asked)
    recoded = scripts.run_script(
        ctx, "forsker@uio", setup + 'recode alder (min/17 = 1) if kjonn == "1"\n' + asked
    )
    assert plain.error is None and recoded.error is None, recoded.error

    def tables(ran: scripts.ScriptRun, index: int) -> list[object]:
        results = [o for o in ran.output if o["kind"] == "result"]
        return [r["result"]["rows"] for r in results[index]["response"]["results"]]

    women = [tables(r, 0) for r in (plain, recoded)]
    men = [tables(r, 1) for r in (plain, recoded)]
    assert women[0] == women[1]  # the same rows and values: the same registered answer
    assert men[0] != men[1]  # every boy's age is 1 now
    new = scripts.run_script(
        ctx,
        "forsker@uio",
        setup + 'recode alder (min/17 = 1) if kjonn == "1", generate(ung)\nvariables\n',
    )
    assert new.error is None, new.error
    listing = next(o for o in new.output if o["kind"] == "variables")
    names = [v["name"] for v in listing["variables"]]
    assert names[-1] == "ung" and not any(n.startswith("recode_if_") for n in names)


def test_tabulate_nolabels_shows_the_same_table_without_the_codes_titles(ctx: Context) -> None:
    labelled = _run(ctx, "tabulate kjonn\n")
    codes = _run(ctx, "tabulate kjonn, nolabels\n")
    [with_titles] = [o for o in labelled.output if o["kind"] == "result"]
    [without] = [o for o in codes.output if o["kind"] == "result"]
    assert with_titles["request"] == without["request"] == {"vars": ["kjonn"]}
    assert "category_labels" in with_titles["response"]["results"][0]
    assert "category_labels" not in without["response"]["results"][0]
    assert _rows(codes, 0) == _rows(labelled, 0)  # the same released cells
