"""regress-panel <y> <xs> [if] [, fe re be pooled robust cluster()]: statistic
`regress_panel` of the dataset in panel form (import-panel, reshape-to-panel), the entity
its unit and the periods the panel's dates. One of fe (the default, as in microdata.no),
re, be or pooled."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.script.errors import script_error
from catalogue.services.scripts import _handles, _Runner, model_body

METHODS = ("fe", "re", "be", "pooled")


@_handles("regress-panel")
def _regress_panel(runner: _Runner, command: n.Model) -> None:
    body = model_body(command, frozenset(METHODS))
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
    runner.statistic(command, "regress_panel", body)
