"""import-event <alias>/<VAR> <date> to <date> [as <name>]: a dataset of events, one row
per spell overlapping the period (SCRIPT_LANGUAGE.md), as the step `import_events`
(catalogue/analysis/steps/import_events.py): the value as <name>, its dates as
<name>_start and <name>_stop, and the unit it happened to as <name>_unit. It makes the
dataset's rows, so it goes into an empty dataset (`create-dataset` first); output control
protects the persons the events belong to."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner


@_handles("import-event")
def _import_event(runner: _Runner, command: n.ImportEvent) -> None:
    step = {
        "import_events": command.variable.name,
        "from": command.start.isoformat(),
        "to": command.end.isoformat(),
        "as": command.name,
    }
    runner.step(command, step, alias=command.variable.alias)
