"""transitions-panel <vars> [, missing rowpct colpct cellpct]: the transitions of each
variable between consecutive dates of the panel, as the tables a JSON client would ask for:
on a scratch workspace (the dataset's steps, then `reshape_from_panel` of the variables),
statistic `tabulate` of the variable at one date against the next, one table per variable
and pair of consecutive dates (the tables are not pooled: each pair is its own controlled
result). The options are the percentages and `missing` of tabulate (a transition table
counts states: it has no gini or iqr)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from catalogue.domain.errors import RegcatError
from catalogue.script import nodes as n
from catalogue.script.errors import script_error
from catalogue.services import workspaces
from catalogue.services.script_verbs import _panel_date
from catalogue.services.scripts import _handles, _Runner, _tabulate_body, _without_step


@_handles("transitions-panel")
def _transitions_panel(runner: _Runner, command: n.Statistic) -> None:
    body = _tabulate_body(command)  # the options first: one not honoured stops here
    date = _panel_date(runner, command)
    if date in command.variables:
        raise script_error(
            "script-arguments",
            command.at,
            (
                f"«{date}» er panelets datovariabel og har ingen overganger",
                f"'{date}' is the panel's date variable and has no transitions",
            ),
            (
                "Skriv variablene som endrer seg over tid",
                "Name the variables that change over time",
            ),
            command=command.command,
        )
    dataset = runner.dataset(command)
    assert dataset.handle is not None
    steps = workspaces.describe_workspace(
        runner.ctx, runner.owner, dataset.handle, runner.language
    ).description["steps"]
    if command.condition is not None:
        steps = [*steps, {"keep_if": command.condition.text}]
    scratch = runner.new_workspace(dataset.datastore, dataset.version)
    try:
        try:
            workspaces.add_steps(
                runner.ctx,
                runner.owner,
                scratch,
                [*steps, {"reshape_from_panel": list(command.variables)}],
                runner.now,
            )
        except RegcatError as error:  # (an unknown variable): without the scratch's step
            raise _without_step(error) from None
        spread = workspaces.describe_workspace(
            runner.ctx, runner.owner, scratch, runner.language
        ).description["variables"]
        for variable in command.variables:
            by_date = sorted(
                (v["panel"]["date"], v["name"])
                for v in spread
                if (v.get("panel") or {}).get("stem") == variable
            )
            for (_, before), (_, after) in pairwise(by_date):
                request: dict[str, Any] = {**body, "vars": [before, after]}
                released = workspaces.run_statistic(
                    runner.ctx,
                    runner.owner,
                    scratch,
                    "tabulate",
                    request,
                    runner.language,
                    runner.now,
                )
                runner.output.append(
                    {
                        "line": command.at.line,
                        "kind": "result",
                        "command": command.command,
                        "request": request,
                        "response": released.to_json_dict(),
                    }
                )
    finally:
        workspaces.delete_workspace(runner.ctx, runner.owner, scratch)
        runner.created.remove(scratch)
