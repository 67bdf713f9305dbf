"""regress-panel <y> <xs> [if] [, fe re be pooled robust cluster()]: statistic
`regress_panel` of the dataset in panel form (import-panel, reshape-to-panel), the entity
its unit and the periods the panel's dates. One of fe (the default, as in microdata.no),
re, be or pooled."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.script.errors import script_error
from catalogue.services.scripts import _handles, _Runner, model_body

METHODS = ("fe", "re", "be", "pooled")


def panel_body(command: n.Model, also: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The statistic body of a panel model command (regress-panel, regress-panel-predict):
    the model's, with at most one of METHODS as its method; `also`: the command's own
    options beside them."""
    body = model_body(command, also | frozenset(METHODS))
    chosen = [o for o in command.options if o.name in METHODS]
    if len(chosen) > 1:
        raise script_error(
            "script-arguments",
            chosen[1].at,
            (
                f"Velg én av fe, re, be og pooled (her står {' og '.join(o.name for o in chosen)})",
                f"Choose one of fe, re, be and pooled (here: {' and '.join(o.name for o in chosen)})",
            ),
            ("Skriv for eksempel «, re»", "Write for example ', re'"),
            command=command.command,
        )
    if chosen:
        body["method"] = chosen[0].name
    return body


@_handles("regress-panel")
def _regress_panel(runner: _Runner, command: n.Model) -> None:
    runner.statistic(command, "regress_panel", panel_body(command))
