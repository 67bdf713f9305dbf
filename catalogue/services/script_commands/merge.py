"""merge <vars> into <dataset> [on <var>]: the current dataset's variables joined onto the
rows of another dataset of the script (SCRIPT_LANGUAGE.md: `merge … on` moves values
down). The receiving dataset's workspace gets the step `merge` (catalogue/analysis/steps/
merge.py) with the current dataset's own step list as its source: what a JSON client would
send. Neither workspace releases anything; the current dataset stays the current one, as
in microdata.no.

Across datastores (two `require` lines of different datastores, or two versions of one)
a merge answers script-not-supported, naming both and why: units of two datastores are
linked by their identifiers only inside one catalogue's pseudonymisation, and each
datastore keeps its own output control (record-key secret, release ledger, budget; see
tests/test_script_merge_datastores.py), so values of B released from a workspace of A
would be registered in A's ledger only, out of sight of B's differencing guard. Two
aliases of one datastore are one datastore, and merge between them runs."""

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
                "fletting mellom to datalagre eller versjoner, fra "
                f"{source.datastore} {source.version} inn i et datasett fra "
                f"{target.datastore} {target.version} (et arbeidsområde er én låst versjon av "
                "ett datalager, og hvert datalager har sin egen utdatakontroll: sin egen "
                "nøkkel for enhetene, sin egen logg over utgitte tall og sitt eget budsjett, "
                "så tall fra det ene kan ikke gis ut gjennom det andre)",
                "merging between two datastores or versions, from "
                f"{source.datastore} {source.version} into a dataset of "
                f"{target.datastore} {target.version} (a workspace is one pinned version of "
                "one datastore, and each datastore has its own output control: its own key "
                "for the units, its own ledger of released numbers and its own budget, so "
                "numbers of one cannot be released through the other)",
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
