"""Every command of the language, run after a real `require` and `import` on the released
sample registers (through catalogue.services.scripts, no HTTP): a command with an engine
counterpart runs or answers the engine's own error, every other one answers
script-not-supported at its line, and none raises anything but a RegcatError."""

from __future__ import annotations

import pytest

from catalogue.script import COMMANDS
from catalogue.services import scripts
from catalogue.services.context import Context
from tests import script_fixtures
from tests.test_script_parser import EVERY_COMMAND

SETUP = (
    "require no.regcat.demo:1 as db\n"
    "create-dataset personer\n"
    "import db/BEFOLKNING_KJOENN as kjonn\n"
    "import db/INNTEKT_WLONN 2020-12-31 as lonn\n"
)


ctx = script_fixtures.ctx


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_runs_or_says_it_is_not_supported_yet(ctx: Context, name: str) -> None:
    ran = scripts.run_script(ctx, "forsker@uio", SETUP + EVERY_COMMAND[name] + "\n")
    if name not in scripts.supported_commands():
        assert ran.error is not None and ran.error.code == "script-not-supported", ran.error
        assert ran.error.details["line"] == 5 and ran.error.details["command"] == name
        assert ran.error.http_status == 422
    elif ran.error is not None:  # the engine's answer about these names, at the line
        assert ran.error.details["line"] == 5, ran.error
        assert 400 <= ran.error.http_status < 500
    assert ran.commands_run >= 4


def test_the_commands_that_run() -> None:
    """The list the docs' table and the report give; a change here is a change of what a
    researcher can run, and belongs in docs/SCRIPT_LANGUAGE.md too."""
    assert set(scripts.supported_commands()) == {
        "aggregate", "anova", "assign-labels", "barchart", "boxplot", "ci", "clear",
        "clone-dataset", "clone-units", "clone-variables", "coefplot", "collapse", "correlate",
        "cox", "create-dataset", "define-labels", "delete-dataset", "destring", "drop",
        "drop-labels", "generate", "hausman", "help", "help-function", "hexbin", "histogram",
        "history",
        "import", "import-event", "import-panel", "ivregress", "kaplan-meier", "keep", "list-labels",
        "logit", "logit-predict", "meanplot", "merge", "mlogit", "mlogit-predict",
        "negative-binomial",
        "negative-binomial-predict", "normaltest", "oaxaca", "piechart", "poisson", "poisson-predict",
        "probit", "probit-predict", "rdd", "recode", "regress", "regress-predict",
        "regress-event-diff", "regress-mml", "regress-panel", "regress-panel-diff",
        "regress-panel-predict", "rename",
        "rename-dataset", "replace", "reshape-from-panel", "reshape-to-panel", "require",
        "sample", "sankey", "summarize", "summarize-panel", "tabulate", "tabulate-panel",
        "transitions-panel", "use", "variables", "weibull",
    }  # fmt: skip
