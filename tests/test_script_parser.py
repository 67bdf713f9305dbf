"""The script language's parser (catalogue.script): the shapes of a script, every command of
docs/SCRIPT_LANGUAGE.md's table, bindings and loops, and errors that name their line and
column in bokmål and English. Pure parsing: no database, no engine."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from catalogue.domain.errors import RegcatError
from catalogue.script import COMMANDS, decode_script, parse_script
from catalogue.script.limits import MAX_COMMANDS, MAX_LOOP_VALUES
from catalogue.script.nodes import (
    Chart,
    Coefplot,
    Filter,
    Generate,
    GroupCommand,
    Import,
    Model,
    Recode,
    Require,
    SelectVariables,
    Statistic,
    TextBlock,
)

DOCS = Path(__file__).resolve().parents[1] / "docs" / "SCRIPT_LANGUAGE.md"

# One line per command of the table, in the shape the table gives it.
EVERY_COMMAND = {
    "require": "require no.ssb.fdb:23 as db",
    "create-dataset": "create-dataset personer",
    "use": "use personer",
    "delete-dataset": "delete-dataset personer",
    "clone-dataset": "clone-dataset personer kopi",
    "clone-units": "clone-units personer enheter",
    "rename-dataset": "rename-dataset personer folk",
    "import": "import db/INNTEKT_WLONN 2020-12-31 as lonn, outer_join",
    "import-event": "import-event db/KRG_DIAGNOSEDATO 2015-01-01 to 2020-12-31 as diagnose",
    "import-panel": "import-panel db/INNTEKT_WLONN db/NUDB_BU 2019-12-31 2020-12-31",
    "reshape-to-panel": "reshape-to-panel lonn bosted",
    "reshape-from-panel": "reshape-from-panel",
    "collapse": "collapse (mean) lonn -> snitt (count) alder, by(mor)",
    "aggregate": "aggregate (median) lonn -> median_lonn, by(kommune)",
    "merge": "merge snitt into personer on kommune",
    "generate": "generate alder = 2020 - year(fodselsdato) if kjonn == '2'",
    "replace": "replace lonn = 0 if sysmiss(lonn)",
    "recode": "recode alder (0/17 = 1) (18/66 = 2) (67/max = 3) (else = .), prefix(g_)",
    "rename": "rename lonn inntekt",
    "clone-variables": "clone-variables lonn -> lonn2 alder, suffix(_kopi)",
    "drop": "drop lonn alder",
    "keep": "keep if alder >= 18",
    "destring": 'destring kode, force ignore("-") dpcomma',
    "sample": "sample 0.1 42",
    "define-labels": 'define-labels kjonn_tekst 1 "Mann" 2 "Kvinne"',
    "assign-labels": "assign-labels kjonn kjonn_tekst",
    "drop-labels": "drop-labels kjonn_tekst",
    "list-labels": "list-labels db/BEFOLKNING_KJOENN 2020-01-01",
    "tabulate": "tabulate kjonn bosted, missing rowpct summarize(lonn) mean p50",
    "summarize": "summarize lonn alder if alder > 17, gini iqr",
    "tabulate-panel": "tabulate-panel bosted",
    "summarize-panel": "summarize-panel lonn",
    "transitions-panel": "transitions-panel sivilstand",
    "correlate": "correlate lonn alder, pairwise sig",
    "ci": "ci lonn, level(90)",
    "normaltest": "normaltest lonn",
    "anova": "anova lonn kjonn utdanning",
    "barchart": "barchart (mean) lonn, over(kjonn) stack horizontal",
    "boxplot": "boxplot lonn, over(kjonn)",
    "histogram": "histogram lonn, bin(20) percent",
    "hexbin": "hexbin lonn alder, gridsize(30)",
    "meanplot": "meanplot lonn maaned, by(kjonn)",
    "piechart": "piechart kjonn",
    "sankey": "sankey bosted2019 bosted2020",
    "coefplot": "coefplot regress lonn alder, robust",
    "regress": "regress lonn alder i.kjonn i.kjonn#c.alder, robust",
    "logit": "logit kreft alder i.kjonn, cluster(kommune)",
    "probit": "probit kreft alder, mfx(dydx)",
    "mlogit": "mlogit utdanning alder",
    "poisson": "poisson antall alder, robust",
    "negative-binomial": "negative-binomial antall alder",
    "regress-predict": "regress-predict lonn alder, predicted(lonn_hat)",
    "logit-predict": "logit-predict kreft alder, predicted(p)",
    "probit-predict": "probit-predict kreft alder",
    "mlogit-predict": "mlogit-predict utdanning alder",
    "poisson-predict": "poisson-predict antall alder",
    "negative-binomial-predict": "negative-binomial-predict antall alder",
    "regress-panel-predict": "regress-panel-predict lonn alder, fe",
    "regress-panel": "regress-panel lonn alder, fe",
    "regress-panel-diff": "regress-panel-diff lonn gruppe behandlet alder",
    "regress-event-diff": "regress-event-diff lonn gruppe hendelse, leads(12) lags(3)",
    "ivregress": "ivregress lonn alder (utdanning = mor_utdanning far_utdanning), tsls firststage",
    "rdd": "rdd lonn alder kjonn",
    "regress-mml": "regress-mml lonn alder by kommune",
    "oaxaca": "oaxaca lonn alder utdanning by kjonn",
    "hausman": "hausman lonn alder, robust",
    "kaplan-meier": "kaplan-meier dod tid, by(kjonn)",
    "cox": "cox dod tid alder kjonn, hazard",
    "weibull": "weibull dod tid",
    "help": "help tabulate",
    "help-function": "help-function substr",
    "variables": "variables db/INNTEKT_WLONN",
    "history": "history",
    "clear": "clear",
}


def _error(text: str) -> RegcatError:
    with pytest.raises(RegcatError) as caught:
        parse_script(text)
    return caught.value


def test_every_command_of_the_table_parses_into_its_node() -> None:
    assert set(EVERY_COMMAND) == set(COMMANDS)
    for name, line in EVERY_COMMAND.items():
        (node,) = parse_script(line).items
        assert not isinstance(node, TextBlock)
        assert node.command == name, line
        assert (node.at.line, node.at.column) == (1, 1)


def test_the_docs_name_every_command() -> None:
    """docs/SCRIPT_LANGUAGE.md's table is the registry written out: every registered
    command appears in it in backticks, and it names none that does not parse."""
    written = set(re.findall(r"`([a-z][a-z-]*)[ `]", DOCS.read_text(encoding="utf-8")))
    assert set(COMMANDS) <= written, set(COMMANDS) - written


def test_a_microdata_style_script() -> None:
    script = parse_script(
        """// Inntekt etter kjønn
require no.ssb.fdb:23 as db
create-dataset personer
import db/BEFOLKNING_KJOENN as kjønn
import db/INNTEKT_WLONN date(2020, 12, 31) as lønn   // STATUS: a date
generate høy = lønn > 500000 if not sysmiss(lønn)
drop if sysmiss(lønn)
textblock
## Lønn etter kjønn
Tall under 10 vises ikke.
endblock
tabulate kjønn, summarize(lønn) mean
collapse (mean) lønn -> snitt (count) lønn -> antall, by(kjønn)
"""
    )
    kinds = [type(item).__name__ for item in script.items]
    assert kinds == [
        "Require", "DatasetCommand", "Import", "Import", "Generate", "Filter", "TextBlock",
        "Statistic", "GroupCommand",
    ]  # fmt: skip
    require, _, sex, wage, high, dropped, text, table, collapsed = script.items
    assert isinstance(require, Require) and (require.datastore, require.major, require.alias) == (
        "no.ssb.fdb",
        23,
        "db",
    )
    assert isinstance(sex, Import) and sex.at_date is None and sex.name == "kjønn"
    assert isinstance(wage, Import) and wage.at_date == date(2020, 12, 31)
    assert isinstance(high, Generate) and high.expression.text == "lønn > 500000"
    assert high.condition is not None and high.condition.text == "not sysmiss(lønn)"
    assert (high.expression.at.line, high.expression.at.column) == (6, 16)
    assert isinstance(dropped, Filter) and dropped.condition is not None
    assert (
        isinstance(text, TextBlock)
        and text.text == "## Lønn etter kjønn\nTall under 10 vises ikke."
    )
    assert isinstance(table, Statistic) and table.option("summarize") is not None
    assert isinstance(collapsed, GroupCommand) and [
        (s.statistic, s.variable, s.name) for s in collapsed.statistics
    ] == [("mean", "lønn", "snitt"), ("count", "lønn", "antall")]


def test_options_and_conditions_keep_commas_inside_parentheses_and_strings() -> None:
    (node,) = parse_script(
        'tabulate kjonn if inlist(kommune, "0301", "1103") & navn == "a, b", missing summarize(lonn)'
    ).items
    assert isinstance(node, Statistic) and node.condition is not None
    assert node.condition.text == 'inlist(kommune, "0301", "1103") & navn == "a, b"'
    assert [(o.name, o.values) for o in node.options] == [
        ("missing", ()),
        ("summarize", ("lonn",)),
    ]


def test_recode_rules_and_regression_terms() -> None:
    recode, model, iv = parse_script(
        'recode alder inntekt (min/17 = 1) (18 19 = 2) (-5/-1 = -1) ("A" = 3) (missing = .)\n'
        "regress lonn c.alder##i.kjonn i.utdanning\n"
        "ivregress lonn alder (utd = mor far) kjonn\n"
    ).items
    assert isinstance(recode, Recode) and recode.variables == ("alder", "inntekt")
    assert [(r.sources, r.target) for r in recode.rules] == [
        (("min/17",), "1"),
        (("18", "19"), "2"),
        (("-5/-1",), "-1"),
        (('"A"',), "3"),
        (("missing",), "."),
    ]
    assert isinstance(model, Model) and model.xs == ("c.alder##i.kjonn", "i.utdanning")
    assert isinstance(iv, Model) and (iv.xs, iv.endogenous, iv.instruments) == (
        ("alder", "kjonn"),
        ("utd",),
        ("mor", "far"),
    )


def test_bindings_and_loops_unroll_with_substitution() -> None:
    script = parse_script(
        "let år = 2020\n"
        "let variabler = kjonn alder\n"
        "for y in 2018 2019\n"
        "  import db/INNTEKT_WLONN $y-12-31 as lonn$y\n"
        "end\n"
        "for i in 1 : 3\n"
        "  generate g${i}x = $i * $år\n"
        "end\n"
        "for a; b in 1 2; x y\n"
        "  generate $b = $a\n"
        "end\n"
        "drop $variabler\n"
    )
    imports = [i for i in script.items if isinstance(i, Import)]
    assert [(i.name, i.at_date) for i in imports] == [
        ("lonn2018", date(2018, 12, 31)),
        ("lonn2019", date(2019, 12, 31)),
    ]
    generated = [(g.name, g.expression.text) for g in script.items if isinstance(g, Generate)]
    assert generated == [
        ("g1x", "1 * 2020"),
        ("g2x", "2 * 2020"),
        ("g3x", "3 * 2020"),
        ("x", "1"),
        ("y", "2"),
    ]
    dropped = script.items[-1]
    assert isinstance(dropped, SelectVariables) and dropped.names == ("kjonn", "alder")
    # Every unrolled line points at the line written in the loop.
    assert {g.at.line for g in script.items if isinstance(g, Generate)} == {7, 10}


def test_a_loop_variable_is_bound_only_inside_its_loop() -> None:
    error = _error("for i in 1 2\n  generate x$i = 1\nend\ngenerate y = $i\n")
    assert error.code == "script-unknown-binding"
    assert (error.details["line"], error.details["column"]) == (4, 14)


def test_norwegian_names_and_case() -> None:
    (node,) = parse_script("tabulate Kjønn bostedsår Ærlighet").items
    assert isinstance(node, Statistic) and node.variables == ("Kjønn", "bostedsår", "Ærlighet")


def test_coefplot_reads_the_model_after_it() -> None:
    (node,) = parse_script("coefplot logit kreft alder if alder > 30, robust").items
    assert isinstance(node, Coefplot) and node.model.command == "logit"
    assert node.model.condition is not None and node.model.condition.text == "alder > 30"
    assert node.model.has("robust") and node.model.at.column == 10


def test_barchart_takes_its_statistic_in_parentheses() -> None:
    (node,) = parse_script("barchart (count) kjonn").items
    assert isinstance(node, Chart) and node.statistic == "count" and node.variables == ("kjonn",)


# --- errors: where, what, how to fix, in both languages ------------------------------------

BAD = [
    # (script, code, line, column)
    ("tabulate kjonn\ntabluate kjonn", "script-unknown-command", 2, 1),
    ("tabulate kjonn, missin", "script-unknown-option", 1, 17),
    ("tabulate kjonn, missing(x)", "script-unknown-option", 1, 17),
    ("collapse (mean) lonn, by", "script-unknown-option", 1, 23),
    ("collapse (mean) lonn", "script-arguments", 1, 21),
    ("collapse (average) lonn, by(x)", "script-arguments", 1, 20),
    ("rename a", "script-arguments", 1, 9),
    ("rename a b c", "script-arguments", 1, 12),
    ("import db/X 2020-02-30 as x", "script-date", 1, 13),
    ("import db/X 2020-01-01 as", "script-arguments", 1, 26),
    ("   generate x = (a + b", "script-syntax", 1, 23),
    ("generate x = a + b)", "script-syntax", 1, 19),
    ('generate x = "open', "script-syntax", 1, 14),
    ("generate x = a § b", "script-syntax", 1, 16),
    ("rename a b if x > 1", "script-arguments", 1, 12),
    ("tabulate x\nfor i in 1 2\n  tabulate x\n", "script-block", 2, 1),
    ("tabulate x\nend\n", "script-block", 2, 1),
    ("textblock\nno end", "script-block", 1, 1),
    ("endblock", "script-block", 1, 1),
    ("generate x$y = 1", "script-unknown-binding", 1, 11),
    ("let = 3", "script-binding", 1, 1),
    ("for i in 5 : 1\nend", "script-loop", 2 - 1, 10),
    ("for i in 1 : 100000\nend", "script-loop", 1, 10),
    ("for i; j in 1 2; 3\nend", "script-loop", 1, 1),
    ("for i in\nend", "script-loop", 1, 1),
    ("require no.ssb.fdb as db", "script-arguments", 1, 20),
    ("sample 1.5 3", "script-arguments", 1, 1),
    ("tabulate\x00 x", "script-encoding", 1, 9),
    ("ivregress y x", "script-arguments", 1, 14),
    ("regress-mml y x", "script-arguments", 1, 16),
    ("coefplot tabulate x", "script-arguments", 1, 10),
    ("recode x (1 2)", "script-arguments", 1, 10),
    ("drop", "script-arguments", 1, 5),
    ("recode x (1 = abc)", "script-arguments", 1, 10),
    ("generate x = " + "(" * 51 + "1" + ")" * 51, "script-syntax", 1, 64),
    ("for i in 1\n" * 11 + "end\n" * 11, "script-loop", 11, 1),
]


@pytest.mark.parametrize(("text", "code", "line", "column"), BAD)
def test_an_error_names_its_line_and_column_and_a_fix_in_both_languages(
    text: str, code: str, line: int, column: int
) -> None:
    error = _error(text)
    assert error.code == code, error.en
    assert (error.details["line"], error.details["column"]) == (line, column), error.en
    assert error.http_status == 400
    nb, en = error.message("nb"), error.message("en")
    assert nb.startswith(f"Linje {line}, kolonne {column}: ")
    assert en.startswith(f"Line {line}, column {column}: ")
    assert nb != en
    # What is wrong and how to fix it: two sentences at least.
    assert nb.count(". ") + nb.count("? ") >= 1 or code in ("script-date",), nb


def test_an_unknown_command_suggests_the_close_ones() -> None:
    error = _error("sumarize lonn")
    assert "summarize" in error.details["suggestions"]
    assert "Mente du summarize eller summarize-panel?" in error.message("nb")
    assert "Did you mean summarize or summarize-panel?" in error.message("en")


def test_an_error_in_a_substituted_line_points_at_the_line_as_written() -> None:
    error = _error("let v = kjonn\ntabulate $v, missin")
    assert (error.details["line"], error.details["column"]) == (2, 14)


def test_a_loop_that_unrolls_beyond_the_limit_is_refused_at_its_line() -> None:
    text = f"for i in 1 : {MAX_LOOP_VALUES}\n for j in 1 : {MAX_LOOP_VALUES}\n  generate x = 1\n end\nend\n"
    error = _error(text)
    assert error.code == "script-too-long" and error.details["limit"] == MAX_COMMANDS
    assert error.details["line"] == 3


def test_bytes_that_are_not_utf8_are_refused_at_their_position() -> None:
    with pytest.raises(RegcatError) as caught:
        decode_script("tabulate kjonn\ngenerate x = 'ø'\n".encode("latin-1"))
    assert caught.value.code == "script-encoding"
    assert (caught.value.details["line"], caught.value.details["column"]) == (2, 15)
    assert decode_script("\ufefftabulate kjønn".encode()) == "tabulate kjønn"


def test_a_long_script_parses_every_line() -> None:
    """10,000 lines parse into their 8,000 commands (comments are not items). How long it
    takes is bench/script_parser.py's to measure, not a test's: a timed bound fails
    whenever the machine is busy."""
    lines = [
        "generate alder = 2020 - year(fodselsdato) if kjonn == '2'",
        "tabulate kjonn bosted, missing rowpct",
        "import db/INNTEKT_WLONN 2020-12-31 as lonn",
        "// a comment",
        "regress lonn alder i.kjonn, robust",
    ]
    script = parse_script("\n".join(lines * 2_000))
    assert len(script.items) == 8_000
    assert [item.at.line for item in script.items[:4]] == [1, 2, 3, 5]
