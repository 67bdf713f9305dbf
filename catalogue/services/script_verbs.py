"""The script commands of the second round of issue 15, on the runner's one command table
(`scripts._handles`): several datasets (clone-units), sample, destring, value labels and
the panel statistics. Each becomes the JSON a client of /api/v1/workspaces would send (a
step of catalogue/analysis/steps/, a statistic request), as every command of scripts.py
does; label lists are the script's own (like microdata.no's), and `assign-labels` writes
one onto a variable as the step `assign_labels`.

Imported by scripts.py at its end, so its handlers join the table before any run."""

from __future__ import annotations

from typing import Any

from catalogue.analysis.sources import DatasetSource
from catalogue.analysis.steps.shared.import_queries import value_kind
from catalogue.domain.text import pick
from catalogue.script import nodes as n
from catalogue.script.errors import script_error
from catalogue.services import workspaces
from catalogue.services.scripts import (
    Described,
    _clone,
    _handles,
    _Runner,
    _tabulate_body,
    _variables,
    look_up,
    not_in_panel_form,
    not_supported,
    panel_description,
    top_and_bottom,
    without_labels,
)


@_handles("clone-units")
def _clone_units(runner: _Runner, command: n.DatasetCommand) -> None:
    """A new dataset of the same units and no variables: the source's steps replayed,
    then every variable dropped (what a JSON client would send)."""

    def units_only(described: Described) -> list[dict[str, Any]]:
        if described.get("panel_date"):
            raise not_supported(
                command, ("clone-units av et panel", "clone-units of a dataset in panel form")
            )
        names = [v["name"] for v in described["variables"]]
        return [*described["steps"], {"drop": names}] if names else list(described["steps"])

    _clone(runner, command, units_only)


@_handles("sample")
def _sample(runner: _Runner, command: n.Sample) -> None:
    size: float | int = int(command.amount) if command.amount >= 1 else command.amount
    runner.step(command, {"sample": size, "seed": int(command.seed)})


@_handles("destring")
def _destring(runner: _Runner, command: n.Destring) -> None:
    step: dict[str, Any] = {"destring": list(command.variables)}
    ignore = command.option("ignore")
    if ignore is not None:
        step["ignore"] = "".join(ignore.values)
    if command.has("dpcomma"):
        step["dpcomma"] = True
    if command.has("force"):
        step["force"] = True
    runner.step(command, step)


# --- value labels ---------------------------------------------------------------------------


def _list(runner: _Runner, command: n.Command, name: str) -> dict[str, str]:
    return look_up(
        runner.label_lists,
        name,
        command.at,
        "script-arguments",
        (
            "Skriptet har ingen etikettliste «{name}» (har: {known})",
            "The script has no label list '{name}' (has: {known})",
        ),
        ("Lag den først med «define-labels»", "Make it first with 'define-labels'"),
        command=command.command,
    )


@_handles("define-labels")
def _define_labels(runner: _Runner, command: n.DefineLabels) -> None:
    """A list is the script's; defining it again adds to it (as microdata.no does)."""
    runner.label_lists.setdefault(command.name, {}).update(dict(command.pairs))


@_handles("assign-labels")
def _assign_labels(runner: _Runner, command: n.AssignLabels) -> None:
    labels = _list(runner, command, command.name)
    runner.step(command, {"assign_labels": command.variable, "labels": dict(labels)})


@_handles("drop-labels")
def _drop_labels(runner: _Runner, command: n.DropLabels) -> None:
    for name in command.names:
        _list(runner, command, name)
    for name in command.names:
        del runner.label_lists[name]


@_handles("list-labels")
def _list_labels(runner: _Runner, command: n.ListLabels) -> None:
    if command.target.alias is not None:
        # The code list of a datastore variable is catalogue metadata (public on its page),
        # not data: no request is run and no output control is involved.
        dataset = _datastore_variable(runner, command, command.target.alias, command.target.name)
        codes = dataset.metadata.measure.value_domain.codes
        if command.at_date is not None:
            codes = tuple(c for c in codes if c.valid_on(command.at_date))
        labels = {c.code: pick(c.title, runner.language) for c in codes}
    else:
        labels = _list(runner, command, command.target.name)
    text = "\n".join(f"{value}: {label}" for value, label in labels.items())
    runner.output.append(
        {"line": command.at.line, "kind": "labels", "command": command.command, "text": text}
    )


# --- the panel statistics -------------------------------------------------------------------


def _panel_date(runner: _Runner, command: n.Command) -> str:
    date = panel_description(runner, command).get("panel_date")
    if not date:
        raise not_in_panel_form(command)
    return str(date)


@_handles("tabulate-panel")
def _tabulate_panel(runner: _Runner, command: n.Statistic) -> None:
    """The table of each variable against the panel's dates: statistic `tabulate`."""
    date = _panel_date(runner, command)
    body = _tabulate_body(command)
    body["vars"] = [*command.variables, date]
    runner.statistic(command, "tabulate", body)
    without_labels(runner, command)
    top_and_bottom(runner, command)


@_handles("summarize-panel")
def _summarize_panel(runner: _Runner, command: n.Statistic) -> None:
    """Each variable's count, mean and sum per date of the panel: statistic `tabulate` of
    the date with summarize(variable), one request per variable; `gini` and `iqr` add
    tabulate's per-cell Gini (winsorised summary) and p75 − p25 (smoothed percentiles) per
    date, each released through its rule there."""
    date = _panel_date(runner, command)
    stats = ["mean", "sum", *(o.name for o in command.options if o.name in ("gini", "iqr"))]
    for variable in command.variables:
        body = {"vars": [date], "summarize": variable, "stats": list(dict.fromkeys(stats))}
        runner.statistic(command, "tabulate", body)


def _datastore_variable(
    runner: _Runner, command: n.Command, alias: str, name: str
) -> DatasetSource:
    """The released dataset `alias/name` names in the version `require` pinned."""
    datastore, version = runner.resolve_alias(command, alias)
    pinned = workspaces.pinned_version(runner.ctx, datastore, version)
    dataset = pinned.datasets.get(name)
    if dataset is None:
        raise script_error(
            "script-arguments",
            command.at,
            (
                f"{alias}/{name} finnes ikke i {datastore} {version}",
                f"{alias}/{name} is not in {datastore} {version}",
            ),
            command=command.command,
        )
    return dataset


@_handles("variables")
def _variables_of(runner: _Runner, command: n.Session) -> None:
    """`variables` alone lists the current dataset's variables (scripts._variables);
    `variables db/VAR …` describes datastore variables from the catalogue's metadata (name,
    type as an import would give it, label): nothing is imported and no data is read."""
    if not command.arguments:
        _variables(runner, command)
        return
    described = []
    for argument in command.arguments:
        alias, slash, name = argument.partition("/")
        if not slash:
            raise script_error(
                "script-arguments",
                command.at,
                (
                    f"«{argument}» er ikke på formen alias/VARIABEL",
                    f"'{argument}' is not of the form alias/VARIABLE",
                ),
                command=command.command,
            )
        dataset = _datastore_variable(runner, command, alias, name)
        described.append(
            {
                "name": name,
                "type": value_kind(dataset).value,
                "label": pick(dataset.metadata.label, runner.language),
                "temporality": dataset.metadata.temporality.value,
            }
        )
    runner.output.append(
        {
            "line": command.at.line,
            "kind": "variables",
            "command": command.command,
            "variables": described,
        }
    )
