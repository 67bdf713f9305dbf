"""Running an analysis script (docs/SCRIPT_LANGUAGE.md): each command of the parsed script
becomes the JSON request a client of /api/v1/workspaces would send for it (a step list, a
statistic request) and goes through catalogue.services.workspaces, the same use cases the
HTTP API calls. A script therefore releases exactly what those requests release: the
same output control, the same budget, the same audit entries; nothing here sees a row.

Invariants:
- The output is in script order: each controlled result (the statistic's response as
  the API answers it), each text block and each variable listing, with its line.
- The first error stops the run; it is reported with its line and the output before it is
  kept. A command with no engine counterpart yet answers `script-not-supported`.
- Each dataset of the script is a workspace of its own, created at its first import (on
  the datastore that import's alias names) and deleted when the run ends, whatever
  happened: a script leaves no workspace behind.
- Consecutive steps go to the engine as one step list, as a JSON client would send them;
  an error in one is reported at the line that wrote that step.
- A statistic with `if` runs on a scratch workspace (the dataset's steps and `keep_if`),
  deleted straight after: what a JSON client would have to do, so nothing more leaves."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from catalogue.domain.errors import RegcatError, unprocessable
from catalogue.script import Command, Script, TextBlock, parse_script
from catalogue.script import nodes as n
from catalogue.script.errors import at_line, script_error
from catalogue.script.nodes import Position
from catalogue.services import script_session, workspaces
from catalogue.services.context import Context
from catalogue.services.script_datastores import resolve_required

# A saved script's pinned versions: `require NAME:MAJOR` (require_key) -> (datastore, version).
Pins = Mapping[str, tuple[str, str]]
T = TypeVar("T")


def require_key(command: n.Require) -> str:
    return f"{command.datastore}:{command.major}"


# --- what a run answers --------------------------------------------------------------------


@dataclass
class ScriptRun:
    output: list[dict[str, Any]] = field(default_factory=list)
    error: RegcatError | None = None
    commands_run: int = 0


@dataclass(frozen=True)
class Ran:
    """One item of the script, run: what it added to the output, and the error that
    stopped the run there (the last item a run yields), if one did."""

    index: int
    item: Command | TextBlock
    output: tuple[dict[str, Any], ...]
    error: RegcatError | None = None

    @property
    def command(self) -> str:
        return self.item.command if isinstance(self.item, Command) else "textblock"

    @property
    def counts(self) -> int:
        """1 for a command that ran to its end."""
        return int(self.error is None and isinstance(self.item, Command))


def parse(text: str) -> Script:
    """The script's typed tree; a RegcatError at the line and column of its first problem."""
    return parse_script(text)


def run_script(
    ctx: Context,
    owner: str,
    text: str,
    language: str = "nb",
    now: datetime | None = None,
    pins: Pins | None = None,
) -> ScriptRun:
    """Parses `text` (a RegcatError if it does not parse: nothing runs) and runs it."""
    return collect(run_items(ctx, owner, parse(text), language, now, pins))


def collect(items: Iterator[Ran]) -> ScriptRun:
    result = ScriptRun()
    for ran in items:
        result.output.extend(ran.output)
        result.error = ran.error
        result.commands_run += ran.counts
    return result


def run_items(
    ctx: Context,
    owner: str,
    script: Script,
    language: str = "nb",
    now: datetime | None = None,
    pins: Pins | None = None,
) -> Iterator[Ran]:
    """Runs the script item by item, yielding each as it ends (a client can show progress
    per line). Closing the iterator early still deletes the script's workspaces. `pins`
    (a saved script's) fixes what each `require` means instead of resolving it anew."""
    runner = _Runner(ctx, owner, language, now, pins or {})
    try:
        for index, item in enumerate(script.items):
            before = len(runner.output)
            try:
                runner.run(item)
            except RegcatError as error:
                runner.pending = _Pending()  # nothing of a failed batch was applied
                if isinstance(item, Command):
                    error = at_line(error, _where(item, error), item.source)
                yield Ran(index, item, tuple(runner.output[before:]), error)
                return
            yield Ran(index, item, tuple(runner.output[before:]))
        if runner.pending.steps:  # steps at the very end: sent, so that their errors show
            last = runner.pending.commands[-1]
            try:
                runner.flush()
            except RegcatError as error:
                yield Ran(len(script.items) - 1, last, (), error)
    finally:
        runner.close()


# --- the runner ---------------------------------------------------------------------------


@dataclass
class _Dataset:
    handle: str | None = None  # None until the first import creates its workspace
    datastore: str | None = None
    version: str | None = None


@dataclass
class _Pending:
    steps: list[dict[str, Any]] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)  # the command of each step


class _Runner:
    def __init__(
        self, ctx: Context, owner: str, language: str, now: datetime | None, pins: Pins
    ) -> None:
        self.ctx = ctx
        self.pins = pins
        self.owner = owner
        self.language = language
        self.now = now
        self.output: list[dict[str, Any]] = []
        self.aliases: dict[str, tuple[str, str]] = {}  # alias -> (datastore, version)
        self.datasets: dict[str, _Dataset] = {}
        self.current: str | None = None
        self.created: list[str] = []
        self.pending = _Pending()
        self.history: list[Command] = []  # the commands run so far, for `history`
        self.label_lists: dict[str, dict[str, str]] = {}  # define-labels: list -> {value: label}

    # --- the loop ------------------------------------------------------------------------

    def run(self, item: Command | TextBlock) -> None:
        if isinstance(item, TextBlock):
            self.output.append({"line": item.at.line, "kind": "text", "markdown": item.text})
            return
        handler = _HANDLERS.get(item.command)
        if handler is None:
            raise not_supported(item)
        handler(self, item)
        self.history.append(item)

    def close(self) -> None:
        for handle in self.created:
            # A workspace already gone (expired) needs no deleting.
            with suppress(RegcatError):
                workspaces.delete_workspace(self.ctx, self.owner, handle)

    # --- datasets and workspaces ---------------------------------------------------------

    def dataset(self, command: Command) -> _Dataset:
        if self.current is None:
            self.current = "data"  # the one dataset of a script that never names one
            self.datasets[self.current] = _Dataset()
        return self.datasets[self.current]

    def named(self, command: Command, name: str) -> _Dataset:
        return look_up(
            self.datasets,
            name,
            command.at,
            "script-unknown-dataset",
            (
                "Skriptet har ikke noe datasett «{name}» (har: {known})",
                "The script has no dataset '{name}' (has: {known})",
            ),
            ("Lag det først med «create-dataset»", "Make it first with 'create-dataset'"),
            dataset=name,
        )

    def new_workspace(self, datastore: str | None, version: str | None) -> str:
        view = workspaces.create_workspace(self.ctx, self.owner, datastore, version, now=self.now)
        self.created.append(view.handle)
        return view.handle

    def workspace_for(self, command: Command, alias: str | None = None) -> str:
        """The current dataset's workspace, created on the alias's datastore if it has none."""
        dataset = self.dataset(command)
        datastore, version = self.resolve_alias(command, alias)
        if dataset.handle is None:
            dataset.handle = self.new_workspace(datastore, version)
            dataset.datastore, dataset.version = datastore, version
        elif alias is not None and (datastore, version) != (dataset.datastore, dataset.version):
            raise not_supported(
                command,
                (
                    "variabler fra to datalagre eller versjoner i ett datasett",
                    "variables of two datastores or versions in one dataset",
                ),
            )
        return dataset.handle

    def resolve_alias(self, command: Command, alias: str | None) -> tuple[str, str]:
        if alias is None and len(self.aliases) == 1:
            return next(iter(self.aliases.values()))
        if alias is None and self.current is not None:
            dataset = self.datasets[self.current]
            if dataset.datastore and dataset.version:
                return dataset.datastore, dataset.version
        return look_up(
            self.aliases,
            alias,
            command.at,
            "script-unknown-alias",
            (
                "Aliaset «{name}» er ikke bundet (bundne: {known})",
                "The alias '{name}' is not bound (bound: {known})",
            ),
            (
                "Skriv «require <datalager>:<versjon> as <alias>» først",
                "Write 'require <datastore>:<version> as <alias>' first",
            ),
            alias=alias,
        )

    # --- steps and statistics ------------------------------------------------------------

    def step(self, command: Command, *steps: dict[str, Any], alias: str | None = None) -> None:
        """Queues steps for the current dataset; they are sent together before the next
        command that is not a step."""
        self.workspace_for(command, alias)
        for step in steps:
            self.pending.steps.append(step)
            self.pending.commands.append(command)

    def flush(self) -> None:
        if not self.pending.steps:
            return
        pending, self.pending = self.pending, _Pending()
        dataset = self.datasets[self.current or "data"]
        assert dataset.handle is not None
        try:
            workspaces.add_steps(self.ctx, self.owner, dataset.handle, pending.steps, self.now)
        except RegcatError as error:
            index = int(error.details.get("step", 1)) - 1
            command = pending.commands[min(max(index, 0), len(pending.commands) - 1)]
            raise at_line(_without_step(error), _where(command, error), command.source) from None

    def statistic(self, command: Command, statistic: str, body: dict[str, Any]) -> None:
        self.flush()
        handle = self.workspace_for(command)
        target = handle
        scratch = None
        if command.condition is not None:
            steps = workspaces.describe_workspace(
                self.ctx, self.owner, handle, self.language
            ).description["steps"]
            dataset = self.dataset(command)
            scratch = self.new_workspace(dataset.datastore, dataset.version)
            workspaces.add_steps(
                self.ctx,
                self.owner,
                scratch,
                [*steps, {"keep_if": command.condition.text}],
                self.now,
            )
            target = scratch
        try:
            released = workspaces.run_statistic(
                self.ctx, self.owner, target, statistic, body, self.language, self.now
            )
        finally:
            if scratch is not None:
                workspaces.delete_workspace(self.ctx, self.owner, scratch)
                self.created.remove(scratch)
        self.output.append(
            {
                "line": command.at.line,
                "kind": "result",
                "command": command.command,
                "request": body,
                "response": released.to_json_dict(),
            }
        )


def _where(command: Command, error: RegcatError) -> Position:
    """Where in the script an engine error points: an expression error (which says its
    offset and shows the expression as the first line of its snippet) at its column in the
    line, anything else at the command."""
    position = error.details.get("position")
    snippet = str(error.details.get("snippet", "")).split("\n", 1)[0]
    if isinstance(position, int) and snippet:
        written = [getattr(command, "expression", None), command.condition]
        for expression in written:
            if isinstance(expression, n.Expression) and expression.text == snippet:
                return expression.column_of(position)
    return command.at


_STEP_PREFIX = re.compile(r"^(Steg|Step) \d+ \([^)]*\): ")


def _without_step(error: RegcatError) -> RegcatError:
    """An engine error without its "Step n (verb): " (n counts the steps of one batch,
    which the script's author never wrote); the line says where instead."""
    details = {k: v for k, v in error.details.items() if k != "step"}
    return RegcatError(
        error.code,
        _STEP_PREFIX.sub("", error.nb),
        _STEP_PREFIX.sub("", error.en),
        details,
        error.http_status,
    )


# --- not yet supported ----------------------------------------------------------------------


def not_supported(command: Command, what: tuple[str, str] | None = None) -> RegcatError:
    nb, en = what or (f"kommandoen «{command.command}»", f"the command '{command.command}'")
    return unprocessable(
        "script-not-supported",
        f"Linje {command.at.line}: {nb} kan ikke kjøres ennå i regcat. Ingenting etter linjen er kjørt; resultatene før den er beholdt.",
        f"Line {command.at.line}: {en} cannot run in regcat yet. Nothing after the line ran; the results before it are kept.",
        line=command.at.line,
        column=command.at.column,
        command=command.command,
        source=command.source,
    )


def _unsupported_options(command: Command, allowed: set[str]) -> None:
    for option in command.options:
        unsupported_option(command, option.name, allowed)


def unsupported_option(command: Command, name: str, allowed: Collection[str]) -> None:
    """Refuses the option `name` unless `allowed` (a command that checks its options one
    by one, in the order written, calls it for each)."""
    if name not in allowed:
        raise not_supported(
            command,
            (
                f"opsjonen «{name}» til «{command.command}»",
                f"the option '{name}' of '{command.command}'",
            ),
        )


# --- handlers: one per command that has an engine counterpart -----------------------------

Handler = Callable[[_Runner, Any], None]
_HANDLERS: dict[str, Handler] = {}


def _handles(*names: str) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        for name in names:
            _HANDLERS[name] = handler
        return handler

    return decorate


@_handles("require")
def _require(runner: _Runner, command: n.Require) -> None:
    pinned = runner.pins.get(require_key(command))
    if pinned is not None:  # a saved script reruns on the versions it was saved with
        runner.aliases[command.alias] = pinned
        return
    datastore, version, notice = resolve_required(
        runner.ctx, command.datastore, command.major, runner.language
    )
    if notice is not None:
        runner.output.append({"line": command.at.line, "kind": "notice", "notice": notice})
    runner.aliases[command.alias] = (datastore, version)


@_handles("create-dataset")
def _create_dataset(runner: _Runner, command: n.DatasetCommand) -> None:
    runner.flush()
    if command.name in runner.datasets:
        raise script_error(
            "script-arguments",
            command.at,
            (
                f"Datasettet «{command.name}» finnes allerede",
                f"The dataset '{command.name}' already exists",
            ),
            (
                "Bruk «use» for å arbeide med det, eller velg et annet navn",
                "Use 'use' to work on it, or choose another name",
            ),
            command=command.command,
        )
    runner.datasets[command.name] = _Dataset()
    runner.current = command.name


@_handles("use")
def _use(runner: _Runner, command: n.DatasetCommand) -> None:
    runner.flush()
    runner.named(command, command.name)
    runner.current = command.name


@_handles("delete-dataset")
def _delete_dataset(runner: _Runner, command: n.DatasetCommand) -> None:
    runner.flush()
    dataset = runner.named(command, command.name)
    if dataset.handle is not None:
        workspaces.delete_workspace(runner.ctx, runner.owner, dataset.handle)
        runner.created.remove(dataset.handle)
    del runner.datasets[command.name]
    if runner.current == command.name:
        runner.current = None


@_handles("clone-dataset")
def _clone_dataset(runner: _Runner, command: n.DatasetCommand) -> None:
    _clone(runner, command, lambda described: described["steps"])


Described = dict[str, Any]  # a workspace's description, as describe_workspace gives it


def _clone(
    runner: _Runner,
    command: n.DatasetCommand,
    steps_of: Callable[[Described], list[dict[str, Any]]],
) -> None:
    """A new dataset `command.target` on the datastore and version of `command.name`, its
    workspace built by the steps `steps_of` takes from the source's description (clone-dataset
    all of them, clone-units with every variable dropped); the current dataset stays."""
    runner.flush()
    source = runner.named(command, command.name)
    assert command.target is not None
    _create_dataset(runner, n.DatasetCommand(**_common(command), name=command.target))
    runner.current = command.name  # create-dataset switched; a clone does not
    if source.handle is None:
        return
    described = workspaces.describe_workspace(runner.ctx, runner.owner, source.handle).description
    clone = runner.datasets[command.target]
    clone.handle = runner.new_workspace(source.datastore, source.version)
    clone.datastore, clone.version = source.datastore, source.version
    steps = steps_of(described)
    if steps:
        workspaces.add_steps(runner.ctx, runner.owner, clone.handle, steps, runner.now)


@_handles("rename-dataset")
def _rename_dataset(runner: _Runner, command: n.DatasetCommand) -> None:
    runner.flush()
    dataset = runner.named(command, command.name)
    assert command.target is not None
    if command.target in runner.datasets:
        raise script_error(
            "script-arguments",
            command.at,
            (
                f"Datasettet «{command.target}» finnes allerede",
                f"The dataset '{command.target}' already exists",
            ),
            command=command.command,
        )
    runner.datasets[command.target] = runner.datasets.pop(command.name)
    del dataset
    if runner.current == command.name:
        runner.current = command.target


def _common(command: Command) -> dict[str, Any]:
    return {
        "command": command.command,
        "at": command.at,
        "source": command.source,
        "options": command.options,
        "condition": command.condition,
    }


@_handles("import")
def _import(runner: _Runner, command: n.Import) -> None:
    _unsupported_options(command, {"outer_join"})
    verb = "import_outer" if command.has("outer_join") else "import"  # outer_join adds units
    step: dict[str, Any] = {verb: command.variable.name}
    if command.at_date is not None:
        step["date"] = command.at_date.isoformat()
    step["as"] = command.name
    runner.step(command, step, alias=command.variable.alias)


# The panel's date variable: the JSON API's default name for it.
PANEL_DATE = "date"


@_handles("import-panel")
def _import_panel(runner: _Runner, command: n.ImportPanel) -> None:
    """Long format, as microdata.no gives it: one variable per date (the engine's panel
    import), then reshaped to one row per unit and date."""
    aliases = {v.alias for v in command.variables}
    if len(aliases) > 1:
        raise not_supported(
            command,
            (
                "variabler fra flere alias i én import-panel",
                "variables of several aliases in one import-panel",
            ),
        )
    dates = [d.isoformat() for d in command.dates]
    steps = [{"import": v.name, "dates": dates, "as": v.name} for v in command.variables]
    reshape = {"reshape_to_panel": [v.name for v in command.variables], "date_as": PANEL_DATE}
    runner.step(command, *steps, reshape, alias=next(iter(aliases)))


@_handles("reshape-to-panel")
def _to_panel(runner: _Runner, command: n.ReshapeToPanel) -> None:
    runner.step(command, {"reshape_to_panel": list(command.prefixes), "date_as": PANEL_DATE})


@_handles("reshape-from-panel")
def _from_panel(runner: _Runner, command: n.ReshapeFromPanel) -> None:
    """Every variable the panel holds goes back to one variable per date."""
    described = panel_description(runner, command)
    stems = [
        v["name"]
        for v in described["variables"]
        if "panel_of" in (v.get("source") or {}) and "panel" not in v
    ]
    if not stems:
        raise not_in_panel_form(command)
    runner.step(command, {"reshape_from_panel": stems})


def panel_description(runner: _Runner, command: n.Command) -> dict[str, Any]:
    """The description of the command's dataset after the steps so far, refused with
    script-arguments unless the dataset is in panel form."""
    runner.flush()
    handle = runner.workspace_for(command)
    described = workspaces.describe_workspace(runner.ctx, runner.owner, handle).description
    if described.get("form") != "panel":
        raise not_in_panel_form(command)
    return described


def not_in_panel_form(command: n.Command) -> RegcatError:
    return script_error(
        "script-arguments",
        command.at,
        ("Datasettet er ikke på panelform", "The dataset is not in panel form"),
        (
            "Bruk «import-panel» eller «reshape-to-panel» først",
            "Use 'import-panel' or 'reshape-to-panel' first",
        ),
        command=command.command,
    )


@_handles("generate", "replace")
def _generate(runner: _Runner, command: n.Generate) -> None:
    step: dict[str, Any] = {command.command: command.name, "expr": command.expression.text}
    if command.condition is not None:
        step["if"] = command.condition.text
    runner.step(command, step)


@_handles("drop", "keep")
def _select(runner: _Runner, command: n.SelectVariables | n.Filter) -> None:
    if isinstance(command, n.Filter):
        assert command.condition is not None
        runner.step(command, {f"{command.command}_if": command.condition.text})
    else:
        runner.step(command, {command.command: list(command.names)})


@_handles("rename")
def _rename(runner: _Runner, command: n.Rename) -> None:
    runner.step(command, {"rename": {command.old: command.new}})


@_handles("clone-variables")
def _clone_variables(runner: _Runner, command: n.CloneVariables) -> None:
    prefix = command.option("prefix")
    suffix = command.option("suffix")
    steps = []
    for source, target in command.pairs:
        if target is None:
            if prefix is None and suffix is None:
                raise script_error(
                    "script-arguments",
                    command.at,
                    (
                        f"Kopien av «{source}» har ikke noe navn",
                        f"The copy of '{source}' has no name",
                    ),
                    (
                        "Skriv «-> nytt_navn», eller gi prefix() eller suffix()",
                        "Write '-> new_name', or give prefix() or suffix()",
                    ),
                    command=command.command,
                )
            target = (
                f"{prefix.values[0] if prefix else ''}{source}{suffix.values[0] if suffix else ''}"
            )
        steps.append({"generate": target, "expr": source})
    runner.step(command, *steps)


@_handles("recode")
def _recode(runner: _Runner, command: n.Recode) -> None:
    """recode, as the step `recode`. With `if` it is the steps a JSON client would send for
    it: the recoded values in a scratch variable, copied where the condition holds
    (`replace … if`; `generate … if` for a new variable, missing elsewhere), then dropped."""
    rules: dict[str, Any] = {}
    for rule in command.rules:
        value = _recode_value(rule.target)
        for source in rule.sources:
            rules[_recode_source(source)] = value
    prefix = command.option("prefix")
    generated = command.option("generate")
    if generated is not None and len(generated.values) != len(command.variables):
        raise script_error(
            "script-arguments",
            generated.at,
            (
                "generate() trenger ett nytt navn per variabel",
                "generate() needs one new name per variable",
            ),
            command=command.command,
        )
    steps: list[dict[str, Any]] = []
    for index, variable in enumerate(command.variables):
        step: dict[str, Any] = {"recode": variable, "rules": dict(rules)}
        target = None
        if generated is not None:
            target = generated.values[index]
        elif prefix is not None:
            target = f"{prefix.values[0]}{variable}"
        if command.condition is None:
            steps.append({**step, "as": target} if target else step)
            continue
        scratch = f"recode_if_{index}_{variable}"[:63]
        if target:  # the new variable as without `if`, kept where the condition holds
            steps.append({**step, "as": scratch})
            steps.append({"generate": target, "expr": scratch, "if": command.condition.text})
        else:  # in place: values no rule matches keep their own, as without `if`
            steps.append({"generate": scratch, "expr": variable})
            steps.append({**step, "recode": scratch})
            steps.append({"replace": variable, "expr": scratch, "if": command.condition.text})
        steps.append({"drop": [scratch]})
    runner.step(command, *steps)


def _recode_source(source: str) -> str:
    """microdata.no's rule (`1/5`, `min/17`, `"A"`) as the JSON API writes it (`1-5`)."""
    if source.startswith(('"', "'")):
        return source[1:-1]
    low, slash, high = source.partition("/")
    return f"{low}-{high}" if slash else source


def _recode_value(target: str) -> Any:
    if target == ".":
        return None
    if target.startswith(('"', "'")):
        return target[1:-1]
    number = float(target)
    return int(number) if number.is_integer() and "." not in target else number


# The step's own group statistics (catalogue/analysis/steps/group.py GROUP_STATISTICS).
_ENGINE_GROUP_STATISTICS = {
    "count", "sum", "mean", "min", "max", "sd", "median", "gini", "percent",
}  # fmt: skip
# The others of the language, each a function of the step's perturbed group statistics
# (OUTPUT_CONTROL.md §7: a value made from group statistics is itself one of them, or a
# function of several, and shows no more): (the statistics it needs, the expression of
# their scratch variables, `{0}`, `{1}` standing for them).
_COMPOSED_GROUP_STATISTICS = {
    "iqr": (("p75", "p25"), "{0} - {1}"),
    "semean": (("sd", "count"), "{0} / sqrt({1})"),
    "sebinomial": (("mean", "count"), "sqrt({0} * (1 - {0}) / {1})"),
}


@_handles("collapse", "aggregate")
def _group(runner: _Runner, command: n.GroupCommand) -> None:
    """collapse/aggregate as the step of the same name; iqr, semean and sebinomial as the
    step's p75 − p25, sd/√count and √(mean·(1 − mean)/count) in scratch variables
    (`<new>__<statistic>`), a `generate` of the result and a `drop` of the scratch: the steps
    a JSON client would send."""
    statistics: dict[str, list[str]] = {}
    composed: list[tuple[str, str, list[str]]] = []
    for statistic in command.statistics:
        if statistic.statistic in _COMPOSED_GROUP_STATISTICS:
            needs, expression = _COMPOSED_GROUP_STATISTICS[statistic.statistic]
            scratch = [f"{statistic.name}__{need}"[:63] for need in needs]
            for name, need in zip(scratch, needs, strict=True):
                statistics[name] = [need, statistic.variable]
            composed.append((statistic.name, expression.format(*scratch), scratch))
            continue
        if statistic.statistic not in _ENGINE_GROUP_STATISTICS:
            raise not_supported(
                command,
                (f"statistikken «{statistic.statistic}»", f"the statistic '{statistic.statistic}'"),
            )
        statistics[statistic.name] = [statistic.statistic, statistic.variable]
    steps: list[dict[str, Any]] = [{command.command: statistics, "by": command.by}]
    for name, expression, _ in composed:
        steps.append({"generate": name, "expr": expression})
    if composed:
        steps.append({"drop": [name for _, _, scratch in composed for name in scratch]})
    runner.step(command, *steps)


# --- statistics -----------------------------------------------------------------------------

# microdata.no's cell statistics -> the statistic's `stats` (catalogue/analysis/statistics/
# tabulate.py CELL_STATISTICS: each is released through its rule there).
_CELL_STATISTIC = {
    "mean": "mean",
    "sum": "sum",
    "std": "sd",
    "p50": "median",
    "p25": "p25",
    "p75": "p75",
    "gini": "gini",
    "iqr": "iqr",
}
_PERCENT = {"rowpct": "row", "colpct": "column", "cellpct": "cell"}


@_handles("tabulate")
def _tabulate(runner: _Runner, command: n.Statistic) -> None:
    runner.statistic(command, "tabulate", _tabulate_body(command))
    without_labels(runner, command)
    top_and_bottom(runner, command)


def _count_option(command: n.Statistic, name: str) -> int | None:
    return option_value(
        command,
        name,
        lambda values: count if (count := _whole(values)) is not None and count >= 1 else None,
        (f"{name}() tar et helt tall over 0", f"{name}() takes a whole number above 0"),
        f"{name}(5)",
    )


def top_and_bottom(runner: _Runner, command: n.Statistic) -> None:
    """`top(n)`, `bottom(n)`: the frequency table shows only the n cells of largest
    (smallest) PUBLISHED count, ranked by the perturbed counts as released (both: the union),
    with the margins; withheld cells are not ranked. Same request, less shown: nothing is
    read that the table does not publish. `details.shown` in the item says which."""
    top, bottom = _count_option(command, "top"), _count_option(command, "bottom")
    if top is None and bottom is None:
        return
    for released in runner.output[-1]["response"].get("results", []):
        result = released.get("result") or {}
        if result.get("kind") != "frequency-table":
            continue
        rows = result.get("rows", [])
        interior = [
            (row["values"]["count"], index)
            for index, row in enumerate(rows)
            if all(label is not None for label in row["labels"])
            and isinstance(row["values"].get("count"), int)
        ]
        ranked = sorted(interior, key=lambda pair: (-pair[0], pair[1]))
        chosen = {i for _, i in ranked[:top]} if top is not None else set()
        if bottom is not None:
            chosen |= {i for _, i in ranked[::-1][:bottom]}
        result["rows"] = [
            row
            for index, row in enumerate(rows)
            if index in chosen or any(label is None for label in row["labels"])
        ]
        released["shown"] = {"top": top, "bottom": bottom}


def without_labels(runner: _Runner, command: n.Statistic) -> None:
    """`nolabels`: the table shows its codes only (the released rows are keyed by code; the
    codes' titles, `category_labels`, are left out). Same request, less shown."""
    if command.has("nolabels"):
        for result in runner.output[-1]["response"].get("results", []):
            result.pop("category_labels", None)


def _tabulate_body(command: n.Statistic) -> dict[str, Any]:
    """tabulate's request (tabulate-panel's too): the variables, percentages, a summarized
    variable and its statistics."""
    _unsupported_options(
        command,
        {
            "missing", "nolabels", "freq", "summarize", "chi2", "top", "bottom",
            *_CELL_STATISTIC, *_PERCENT,
        },
    )  # fmt: skip
    body: dict[str, Any] = {"vars": list(command.variables)}
    percents = list(dict.fromkeys(_PERCENT[o.name] for o in command.options if o.name in _PERCENT))
    if len(percents) > 1:  # several in one table: a column percent_<base> each
        body["percents"] = percents
    elif percents:
        body["percent"] = percents[0]
    summarized = command.option("summarize")
    if summarized is not None:
        body["summarize"] = summarized.values[0]
    stats = [_CELL_STATISTIC[o.name] for o in command.options if o.name in _CELL_STATISTIC]
    if stats and summarized is None:
        first = next(o for o in command.options if o.name in _CELL_STATISTIC)
        raise script_error(
            "script-arguments",
            first.at,
            (
                f"«{first.name}» er en statistikk av en tallvariabel per celle",
                f"'{first.name}' is a statistic of a numeric variable per cell",
            ),
            (
                f"Skriv «summarize(<variabel>) {first.name}»",
                f"Write 'summarize(<variable>) {first.name}'",
            ),
            command=command.command,
        )
    if stats:
        body["stats"] = list(dict.fromkeys(stats))
    if command.has("chi2"):
        body["chi2"] = True
    if command.has("missing"):
        body["missing"] = True
    return body


@_handles("summarize")
def _summarize(runner: _Runner, command: n.Statistic) -> None:
    # Gini and the quartiles are always part of the answer.
    _unsupported_options(command, {"gini", "iqr"})
    runner.statistic(command, "summarize", {"vars": list(command.variables)})


@_handles("correlate")
def _correlate(runner: _Runner, command: n.Statistic) -> None:
    """The engine counts pair by pair (`pairwise`), and every pair's row always carries its
    N (a perturbed count: `obs`) and the p-value of its t test (`sig`); `covariance` is the
    statistic's own request field (the covariances from released numbers only)."""
    _unsupported_options(command, {"pairwise", "obs", "sig", "covariance"})
    body: dict[str, Any] = {"vars": list(command.variables)}
    if command.has("covariance"):
        body["covariance"] = True
    runner.statistic(command, "correlate", body)


def model_body(command: n.Model, also: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A model's request (regress, logit, … and coefplot's model): y, the terms and the
    standard errors; `also` names the further options the caller reads itself."""
    _unsupported_options(command, {"robust", "cluster", *also})
    body: dict[str, Any] = {"y": command.y, "x": list(command.xs)}
    if command.has("robust"):
        body["robust"] = True
    cluster = command.option("cluster")
    if cluster is not None:
        body["cluster"] = cluster.values[0]
    return body


def whole_option(
    command: n.Command, name: str, example: int, *, signed: bool = False
) -> int | None:
    """The whole number `name()` gives (None: the option is not given), refused with
    script-arguments unless it gives one: a single run of digits, or with `signed` its values
    read together with a minus allowed in front (a lead or lag below 0). Its bounds are the
    engine's to check."""
    return option_value(
        command,
        name,
        lambda values: _whole(values, signed=signed),
        (f"{name}() tar ett helt tall", f"{name}() takes one whole number"),
        f"{name}({example})",
    )


def _whole(values: Sequence[str], *, signed: bool = False) -> int | None:
    """A single run of digits, or with `signed` the values read together with a minus
    allowed in front; None: they are not one."""
    if signed:
        text = "".join(values)
        digits = text.removeprefix("-")
    else:
        text = digits = values[0] if len(values) == 1 else ""
    return int(text) if digits.isdigit() else None


def look_up(
    table: Mapping[str, T],
    name: str | None,
    at: Position,
    code: str,
    problem: tuple[str, str],
    fix: tuple[str, str],
    **details: Any,
) -> T:
    """What the script named `name` (a dataset, an alias, a label list): `table[name]`, or
    `code` at `at`, saying `problem` (bokmål, English; `{name}` is the name, `{known}` the
    names the table has) and `fix`."""
    if name is not None and name in table:
        return table[name]
    known = ", ".join(sorted(table)) or "—"
    nb, en = (text.format(name=name or "", known=known) for text in problem)
    raise script_error(code, at, (nb, en), fix, **details)


def option_value(
    command: n.Command,
    name: str,
    read: Callable[[Sequence[str]], T | None],
    problem: tuple[str, str],
    example: str,
) -> T | None:
    """What option `name()` of `command` gives, as `read` reads its values (None: the option
    is not given); refused with script-arguments at the option when `read` finds nothing in
    them (None), saying `problem` (bokmål, English) and, as the fix, `example`."""
    option = command.option(name)
    if option is None:
        return None
    value = read(option.values)
    if value is None:
        raise script_error(
            "script-arguments",
            option.at,
            problem,
            (f"Skriv for eksempel «{example}»", f"Write for example '{example}'"),
            command=command.command,
        )
    return value


def one_option_of(command: n.Command, names: Sequence[str]) -> n.Option | None:
    """The one option of `names` the command gives (None: none of them), refused with
    script-arguments at the second when it gives two (ivregress' estimators, the panel
    methods)."""
    chosen = [o for o in command.options if o.name in names]
    if len(chosen) > 1:
        given = [o.name for o in chosen]
        listed = ", ".join(names[:-1])
        raise script_error(
            "script-arguments",
            chosen[1].at,
            (
                f"Velg én av {listed} og {names[-1]} (her står {' og '.join(given)})",
                f"Choose one of {listed} and {names[-1]} (here: {' and '.join(given)})",
            ),
            (f"Skriv for eksempel «, {names[1]}»", f"Write for example ', {names[1]}'"),
            command=command.command,
        )
    return chosen[0] if chosen else None


def _variables(runner: _Runner, command: n.Session) -> None:
    """`variables` alone (its handler, with `variables db/VAR`, is in script_verbs.py)."""
    runner.flush()
    handle = runner.workspace_for(command)
    view = workspaces.describe_workspace(runner.ctx, runner.owner, handle, runner.language)
    runner.output.append(
        {
            "line": command.at.line,
            "kind": "variables",
            "command": command.command,
            "variables": view.description["variables"],
        }
    )


@_handles("help", "help-function")
def _help(runner: _Runner, command: n.Session) -> None:
    if command.command == "help":
        text = script_session.help_text(command, set(_HANDLERS), runner.language)
    else:
        text = script_session.function_help_text(command, runner.language)
    runner.output.append(
        {"line": command.at.line, "kind": "help", "command": command.command, "text": text}
    )


@_handles("history")
def _history(runner: _Runner, command: n.Session) -> None:
    lines = [{"line": c.at.line, "source": c.source} for c in runner.history]
    runner.output.append(
        {"line": command.at.line, "kind": "history", "command": command.command, "lines": lines}
    )


@_handles("clear")
def _clear(runner: _Runner, command: n.Session) -> None:
    """Every dataset goes (its workspace deleted); the `require`d aliases stay."""
    runner.flush()
    for name in list(runner.datasets):
        _delete_dataset(runner, n.DatasetCommand(**_common(command), name=name))


# The commands of the later rounds register on the same table: script_verbs.py (one
# module for the second round) and catalogue/services/script_commands/ (one module per
# command, every module of the package imported by it).
from catalogue.services import script_commands, script_verbs  # noqa: E402, F401


def supported_commands() -> tuple[str, ...]:
    """The commands that run today (the rest answer script-not-supported)."""
    return tuple(sorted(_HANDLERS))
