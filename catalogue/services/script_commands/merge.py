"""merge <vars> into <dataset> [on <var>]: the current dataset's variables joined onto the
rows of another dataset of the script (SCRIPT_LANGUAGE.md: `merge … on` moves values
down). The receiving dataset's workspace gets the step `merge` (catalogue/analysis/steps/
merge.py) with the current dataset's own step list as its source: what a JSON client would
send. Neither workspace releases anything; the current dataset stays the current one, as
in microdata.no."""

from __future__ import annotations

from catalogue.domain.errors import RegcatError
from catalogue.script import nodes as n
from catalogue.script.errors import at_line, script_error
from catalogue.services import workspaces
from catalogue.services.scripts import _handles, _Runner, _without_step, not_supported


@_handles("merge")
def _merge(runner: _Runner, command: n.Merge) -> None:
    runner.flush()
    source = runner.dataset(command)
    target = runner.named(command, command.dataset)
    for dataset, name in ((source, runner.current), (target, command.dataset)):
        if dataset.handle is None:
            raise script_error(
                "script-empty-dataset",
                command.at,
                (
                    f"Datasettet «{name}» har ingen enheter ennå",
                    f"The dataset '{name}' has no units yet",
                ),
                ("Importer en variabel i det først", "Import a variable into it first"),
                dataset=name,
                command=command.command,
            )
    if target is source:
        raise script_error(
            "script-arguments",
            command.at,
            (
                f"Kan ikke flette datasettet «{command.dataset}» inn i seg selv",
                f"Cannot merge the dataset '{command.dataset}' into itself",
            ),
            ("Bruk «use» for å bytte datasett først", "Use 'use' to switch datasets first"),
            command=command.command,
        )
    if (source.datastore, source.version) != (target.datastore, target.version):
        raise not_supported(
            command,
            (
                "fletting mellom datasett fra to datalagre eller versjoner",
                "merging between datasets of two datastores or versions",
            ),
        )
    assert source.handle is not None and target.handle is not None
    steps = workspaces.describe_workspace(runner.ctx, runner.owner, source.handle).description[
        "steps"
    ]
    step: dict[str, object] = {"merge": list(command.variables), "source": steps}
    if command.on is not None:
        step["on"] = command.on
    try:
        workspaces.add_steps(runner.ctx, runner.owner, target.handle, [step], runner.now)
    except RegcatError as error:
        raise at_line(_without_step(error), command.at, command.source) from None
