"""kaplan-meier <event> <time> [if] [, by(<var>)]: statistic `kaplan_meier`, the survival
curve in steps of the fixed time grid (each step's counts at risk and of events perturbed,
a step of too few events merged with the next: OUTPUT_CONTROL.md's step aggregation).

by(): one curve per group, each its own controlled result: the request a JSON client would
send per group, on a scratch workspace of the dataset's steps and `keep_if` of the group
(and of the line's `if`), exactly as `kaplan-meier … if <group>` is run, so every curve
has its own steps of at least the minimum of events. The groups come from the variable's
metadata, never from the data: the codes of its code list (its missing codes left out) or
true and false; a variable without a code list answers an error that says to recode it,
and at most MAX_GROUPS groups are drawn. Each output item names its group."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from catalogue.script import nodes as n
from catalogue.script.errors import script_error
from catalogue.services import workspaces
from catalogue.services.scripts import _handles, _Runner, _unsupported_options

MAX_GROUPS = 20


@_handles("kaplan-meier")
def _kaplan_meier(runner: _Runner, command: n.Survival) -> None:
    _unsupported_options(command, {"by"})
    by_groups(runner, command, "kaplan_meier", {"time": command.time, "event": command.event})


def by_groups(runner: _Runner, command: n.Command, statistic: str, body: dict[str, Any]) -> None:
    """The statistic once, or with by(<var>) once per group (kaplan-meier, weibull)."""
    by = command.option("by")
    if by is None:
        runner.statistic(command, statistic, body)
        return
    if len(by.values) != 1:
        raise script_error(
            "script-arguments",
            by.at,
            ("by() tar én variabel", "by() takes one variable"),
            command=command.command,
        )
    name = by.values[0]
    for condition, group in _groups(runner, command, name, by.at):
        written = condition
        if command.condition is not None:
            written = f"({command.condition.text}) and ({condition})"
        grouped = replace(command, condition=n.Expression(written, by.at))
        runner.statistic(grouped, statistic, body)
        runner.output[-1]["group"] = {name: group}


def _groups(
    runner: _Runner, command: n.Command, name: str, at: n.Position
) -> list[tuple[str, Any]]:
    """(the group's condition, its value) per group of the variable's metadata."""
    runner.flush()
    handle = runner.workspace_for(command)
    described = workspaces.describe_workspace(runner.ctx, runner.owner, handle).description
    variable = next((v for v in described["variables"] if v["name"] == name), None)
    if variable is None:
        known = ", ".join(v["name"] for v in described["variables"]) or "—"
        raise script_error(
            "unknown-variable",
            at,
            (
                f"Datasettet har ingen variabel «{name}» (har: {known})",
                f"The dataset has no variable '{name}' (has: {known})",
            ),
            name=name,
            command=command.command,
        )
    if variable["type"] == "bool":
        return [(name, True), (f"!{name}", False)]
    missing = set(variable.get("missing_codes", ()))
    codes = [c for c in variable.get("codes", ()) if c not in missing]
    if variable["type"] not in ("string", "number") or not codes:
        raise script_error(
            "script-arguments",
            at,
            (
                f"by() trenger en variabel med kodeliste eller sann/usann, og «{name}» har ingen",
                f"by() needs a variable with a code list or true/false, and '{name}' has none",
            ),
            ("Lag grupper med «recode» først", "Make groups with 'recode' first"),
            command=command.command,
        )
    if len(codes) > MAX_GROUPS:
        raise script_error(
            "script-arguments",
            at,
            (
                f"by() gir høyst {MAX_GROUPS} kurver, og «{name}» har {len(codes)} koder",
                f"by() draws at most {MAX_GROUPS} curves, and '{name}' has {len(codes)} codes",
            ),
            ("Slå sammen koder med «recode» først", "Merge codes with 'recode' first"),
            command=command.command,
        )
    if variable["type"] == "number":
        return [(f"{name} == {code}", code) for code in codes]
    return [(f'{name} == "{code}"', code) for code in codes]
