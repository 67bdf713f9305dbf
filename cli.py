"""regcat's command line: a thin click group over catalogue.services.

Every command is declared with `command(...)`, which does what each of them would otherwise
repeat: it opens the catalogue (Context) when the command needs it, adds `--json` when the
command has a JSON form, and turns any RegcatError - including one raised while opening
the catalogue or reading the settings - into one line on standard error and exit code 1.
A traceback is for our bugs, never for a setting or an argument the operator got wrong.

Startup time is part of the interface: `regcat --help` and simple commands must answer in
well under a second. So this module imports at the top only click, rich's console and the
light catalogue modules (settings, errors, messages); every service, and with it DuckDB,
pyarrow, SQLAlchemy, tantivy, rdflib or Flask, is imported inside the command that needs
it. tests/test_cli_startup.py holds that line; bench/cli_startup.py measures it.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape

from catalogue.config import load_config
from catalogue.domain.errors import RegcatError
from catalogue.domain.text import localise
from catalogue.services.messages import named, say

if TYPE_CHECKING:
    from rich.progress import Progress

    from catalogue.services.context import Context

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


class State:
    """What every command is given: the settings, the language and whether --json was asked."""

    def __init__(self, language: str) -> None:
        self.config = load_config()
        self.language = language or self.config.language
        self.as_json = False

    def t(self, key: str, **kwargs: Any) -> str:
        return say(key, self.language, **kwargs)

    def localise(self, nb: str, en: str) -> str:
        return localise((nb, en), self.language)

    def printed_as_json(self, value: Any) -> bool:
        """With --json, print `value` as JSON and say so; the caller then prints nothing else."""
        if self.as_json:
            click.echo(_as_json(value))
        return self.as_json


def _as_json(value: Any) -> str:
    def default(o: Any) -> Any:
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            return dataclasses.asdict(o)
        if isinstance(o, datetime):  # RFC 3339, with its offset (storage gives them in UTC)
            return o.isoformat()
        return str(o)

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    elif isinstance(value, list):
        value = [dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v for v in value]  # type: ignore[arg-type]
    return json.dumps(value, default=default, ensure_ascii=False, indent=2)


@contextmanager
def _reported(language: str) -> Iterator[None]:
    """A RegcatError inside the block becomes one line on standard error and exit code 1."""
    try:
        yield
    except RegcatError as e:
        title = say("error", language)
        errors.print(f"[bold red]{title}[/] ({e.code}): {escape(e.message(language))}")
        sys.exit(1)


@contextmanager
def open_catalogue(state: State) -> Iterator[Context]:
    from catalogue.services.context import Context

    with Context.open(state.config) as ctx:
        yield ctx


def command(
    group: click.Group,
    name: str | None = None,
    *,
    json_help: str | None = None,
    opens_catalogue: bool = True,
) -> Callable[[Callable[..., None]], click.Command]:
    """Declare a command of `group`. The function is called as `function(state, ctx, **options)`
    (`function(state, **options)` when `opens_catalogue` is False); `json_help` adds a --json
    flag, read through `state.printed_as_json`. Errors are reported as `_reported` says."""

    def declare(function: Callable[..., None]) -> click.Command:
        @functools.wraps(function)
        def run(**options: Any) -> None:
            state = click.get_current_context().find_object(State)
            assert state is not None  # the group's callback always sets it
            state.as_json = bool(options.pop("as_json", False))
            with _reported(state.language):
                if not opens_catalogue:
                    return function(state, **options)
                with open_catalogue(state) as ctx:
                    return function(state, ctx, **options)

        if json_help:  # first in the list, so that --help shows it last, after the options
            flag = click.Option(["--json", "as_json"], is_flag=True, help=json_help)
            run.__click_params__ = [flag, *getattr(function, "__click_params__", [])]  # type: ignore[attr-defined]
        return group.command(name)(run)

    return declare


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--lang",
    type=click.Choice(["nb", "en"]),
    default=None,
    help="Language of messages (default: REGCAT_LANGUAGE, nb).",
)
@click.pass_context
def main(click_ctx: click.Context, lang: str | None) -> None:
    """regcat: publish, version and search administrative register data.

    Settings come from REGCAT_* environment variables (see README).
    """
    # The settings are read here, so a bad one is reported in the language asked for, or
    # the one REGCAT_LANGUAGE names, since the settings' own language is what failed.
    with _reported(lang or os.environ.get("REGCAT_LANGUAGE", "nb")):
        click_ctx.obj = State(lang or "")


@command(main, json_help="Print the outcome as JSON.")
@click.option(
    "--datastore",
    "datastores",
    multiple=True,
    help="Datastore(s) to create (reverse domain name); default REGCAT_DEFAULT_DATASTORE.",
)
def init(state: State, ctx: Context, datastores: tuple[str, ...]) -> None:
    """Create or upgrade the catalogue database, the key file and datastores."""
    from catalogue.services import setup

    outcome = setup.initialise(ctx, list(datastores) or None)
    if state.printed_as_json(outcome):
        return
    console.print(state.t("init-done", url=outcome.database_url))
    console.print(
        state.t("key-created" if outcome.key_created else "key-kept", path=outcome.key_file)
    )
    if outcome.web_secret_file:
        created = outcome.web_secret_created
        console.print(
            state.t(
                "web-secret-created" if created else "web-secret-kept",
                path=outcome.web_secret_file,
            )
        )
    for name in outcome.datastores_created:
        console.print(state.t("datastore-created", name=name))


@command(main, "generate-samples", opens_catalogue=False)
@click.option(
    "--persons",
    default=20000,
    show_default=True,
    type=click.IntRange(100, 10_000_000),
    help="Number of persons in the synthetic population.",
)
@click.option(
    "--seed",
    default=20261122,
    show_default=True,
    type=int,
    help="Random seed; the same seed gives byte-identical files.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write the register folders into (default: sample_registers/ of regcat).",
)
@click.option(
    "--register", "registers", multiple=True, help="Only these registers (default: all five)."
)
@click.option(
    "--microdata-persons",
    default=2000,
    show_default=True,
    type=click.IntRange(0, 10_000_000),
    help="Persons of the microdata.no-shaped datastores (a sample of the population; "
    "0: do not write them).",
)
def generate_samples(
    state: State,
    persons: int,
    seed: int,
    out_dir: Path | None,
    registers: tuple[str, ...],
    microdata_persons: int,
) -> None:
    """Write deterministic synthetic sample registers (extract format), and the
    microdata.no-shaped datastores no.ssb.fdb and no.fhi.npr for the same persons."""
    from catalogue.services import samples

    base = out_dir or samples.SAMPLES_DIR
    with _progress() as bar:
        written = samples.write_samples(base, persons, seed, list(registers) or None, _tracker(bar))
        if microdata_persons and not registers:
            target = out_dir / "microdata" if out_dir else samples.microdata_dir(state.config)
            written += samples.write_microdata(
                target, microdata_persons, persons, seed, _tracker(bar)
            )
    for folder in written:
        console.print(state.t("samples-written", path=folder))


@command(main, json_help="Print the outcome as JSON.")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--datastore", default=None, help="Target datastore (default REGCAT_DEFAULT_DATASTORE)."
)
@click.option("--note", default="", help="Why this change: recorded in the changelog.")
@click.option(
    "--force-change",
    is_flag=True,
    help="Stage CHANGE even when the data file is unchanged (to change codes or temporality).",
)
@click.option(
    "--append",
    is_flag=True,
    help="The extract holds only new periods (a month) of released datasets: stage them as "
    "APPEND, a MINOR release that keeps every released file.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the full report (every problem, or what was staged) to this JSON file.",
)
def ingest(
    state: State,
    ctx: Context,
    path: Path,
    datastore: str | None,
    note: str,
    force_change: bool,
    append: bool,
    report_path: Path | None,
) -> None:
    """Validate, pseudonymise and stage an extract in the draft.

    PATH is a register folder (with register.json) or one dataset folder in
    microdata.no's format (NAME.json + NAME.csv).
    """
    from rich.table import Table

    from catalogue.services import publishing

    with _progress(disable=state.as_json) as bar:
        try:
            outcome = publishing.ingest_extract(
                ctx,
                path,
                datastore,
                note=note,
                force_change=force_change,
                progress=_tracker(bar),
                append=append,
            )
        except RegcatError as e:
            if report_path:
                _write_json(report_path, {"ok": False, **e.as_dict(state.language)})
            raise
    if report_path:
        _write_json(report_path, {"ok": True, "outcome": json.loads(_as_json(outcome))})
    if state.printed_as_json(outcome):
        return
    table = Table(title=state.t("ingest-title", datastore=outcome.datastore, draft=outcome.draft))
    for col in ("dataset", "operation", "rows", "units"):
        table.add_column(state.t(col))
    for d in outcome.datasets:
        table.add_row(
            d.name, d.operation, f"{d.rows:,}".replace(",", " "), f"{d.units:,}".replace(",", " ")
        )
    console.print(table)
    for d in outcome.datasets:
        for w in d.warnings:
            console.print(
                f"[yellow]{state.t('warning')}[/] {d.name}: {w.get(state.language) or w.get('en') or w}"
            )


@command(main, json_help="Print the draft as JSON.")
@click.option("--datastore", default=None, help="Datastore (default REGCAT_DEFAULT_DATASTORE).")
@click.option("--discard", is_flag=True, help="Drop the staged operations (all, or --dataset's).")
@click.option("--dataset", default=None, help="With --discard: only this dataset.")
def draft(
    state: State, ctx: Context, datastore: str | None, discard: bool, dataset: str | None
) -> None:
    """Show the operations staged for the next release."""
    from rich.table import Table

    from catalogue.services import releasing

    if discard:
        view = releasing.discard_draft(ctx, datastore, dataset)
    else:
        view = releasing.show_draft(ctx, datastore)
    if state.printed_as_json(view):
        return
    console.print(
        state.t(
            "draft-title", datastore=view.datastore, draft=view.draft, based_on=view.based_on or "—"
        )
    )
    if not view.operations:
        console.print(state.t("draft-empty"))
        return
    table = Table()
    for col in ("dataset", "operation", "rows", "staged-by", "staged-at"):
        table.add_column(state.t(col))
    for op in view.operations:
        table.add_row(
            op.dataset,
            op.operation,
            "" if op.rows is None else str(op.rows),
            op.staged_by,
            f"{op.staged_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)
    console.print(state.t("draft-next", version=view.next_version))


@command(main)
@click.argument("dataset")
@click.option("--datastore", default=None, help="Datastore (default REGCAT_DEFAULT_DATASTORE).")
@click.option("--note", default="", help="Why it is removed: recorded in the changelog.")
def remove(state: State, ctx: Context, dataset: str, datastore: str | None, note: str) -> None:
    """Stage the removal of DATASET from the next release."""
    from catalogue.services import releasing

    view = releasing.stage_removal(ctx, dataset, datastore, note=note)
    console.print(state.t("removal-staged", dataset=dataset, draft=view.draft))


@command(main, json_help="Print the new version as JSON.")
@click.option(
    "--description", required=True, help="What this release contains and why (changelog)."
)
@click.option("--datastore", default=None, help="Datastore (default REGCAT_DEFAULT_DATASTORE).")
@click.option(
    "--draft",
    "expected_draft",
    default=None,
    help="The draft you reviewed (e.g. 0.0.0.7); refused if the draft has changed since.",
)
def release(
    state: State,
    ctx: Context,
    description: str,
    datastore: str | None,
    expected_draft: str | None,
) -> None:
    """Release the draft as the next immutable version."""
    from catalogue.services import releasing

    version = releasing.release_draft(ctx, description, datastore, expected_draft=expected_draft)
    if state.printed_as_json(version):
        return
    console.print(
        state.t(
            "released",
            datastore=version.datastore,
            version=version.version,
            count=version.dataset_count,
        )
    )
    for c in version.changes:
        console.print(f"  {c.operation:<15} {c.dataset}")


@command(main, json_help="Print the versions as JSON.")
@click.argument("datastore", required=False)
def versions(state: State, ctx: Context, datastore: str | None) -> None:
    """List released versions and their changelog (all datastores, or one)."""
    from catalogue.services import releasing

    found = releasing.list_versions(ctx, datastore)
    if state.printed_as_json(found):
        return
    if not found:
        console.print(state.t("no-versions"))
    for v in found:
        console.print(
            f"[bold]{v.datastore} {v.version}[/]  {v.released_at:%Y-%m-%d %H:%M} {v.released_by}  ({v.dataset_count} {state.t('datasets')})"
        )
        console.print(f"  {v.description}")
        for c in v.changes:
            console.print(
                f"    {c.operation:<15} {c.dataset}"
                + (f"  — {c.note}" if c.note != v.description else "")
            )


@command(main, json_help="Print the outcome as JSON.")
@click.argument("datastore", required=False)
def verify(state: State, ctx: Context, datastore: str | None) -> None:
    """Recompute the checksums of every released and staged file."""
    from catalogue.services import verifying

    outcome = verifying.verify(ctx, datastore)
    if not state.printed_as_json(outcome):
        for p in outcome.problems:
            errors.print(
                f"[red]{p.code}[/] {p.datastore} {p.dataset} {p.path}: {state.localise(p.nb, p.en)}"
            )
        console.print(
            state.t(
                "verify-summary",
                files=outcome.files,
                revisions=outcome.revisions,
                problems=len(outcome.problems),
            )
        )
    if not outcome.ok:
        sys.exit(1)


@command(main, opens_catalogue=False)
def version(state: State) -> None:
    """Print regcat's version (and Python's)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        ours = installed("regcat")
    except PackageNotFoundError:  # run from a source tree that was never installed
        ours = "?"
    console.print(state.t("version", version=ours, python=sys.version.split()[0]))


@command(main, opens_catalogue=False)
@click.option("--host", default=None, help="Address to bind (default REGCAT_HOST).")
@click.option("--port", default=None, type=int, help="Port (default REGCAT_PORT).")
@click.option(
    "--workers", default=2, show_default=True, type=int, help="gunicorn worker processes."
)
@click.option("--dev", is_flag=True, help="Use Flask's development server instead of gunicorn.")
def serve(state: State, host: str | None, port: int | None, workers: int, dev: bool) -> None:
    """Serve the web catalogue and API."""
    from catalogue.web.serving import run_server

    run_server(state.config, host or state.config.host, port or state.config.port, workers, dev)


_SAMPLE_RELEASE = "Sample registers: Folkeregisteret, NUDB, income and tax, Kreftregisteret, NPR"
_MICRODATA_RELEASE = "Synthetic microdata.no-shaped datastore for the sample registers' persons"


# The catalogue is opened by hand here: it must be closed again before serving starts.
@command(main, opens_catalogue=False)
@click.option("--no-serve", is_flag=True, help="Stop after releasing; do not start the server.")
@click.option("--host", default=None, help="Address to bind (default REGCAT_HOST).")
@click.option("--port", default=None, type=int, help="Port (default REGCAT_PORT).")
def demo(state: State, no_serve: bool, host: str | None, port: int | None) -> None:
    """Set up, ingest the six sample registers, release 1.0.0.0 and serve."""
    from catalogue.services import demo_account, publishing, reading, releasing, samples, setup

    microdata = samples.microdata_folders(samples.microdata_dir(state.config))
    with open_catalogue(state) as ctx:
        setup.initialise(ctx, [state.config.default_datastore, *(name for name, _ in microdata)])
        summaries = {s.name: s for s in reading.datastore_summaries(ctx)}
        wanted = [(state.config.default_datastore, samples.sample_register_folders())]
        wanted += [(name, [folder]) for name, folder in microdata]
        for datastore, folders in wanted:
            summary = summaries.get(datastore)
            if summary and summary.latest_version:
                console.print(
                    state.t("demo-already", datastore=datastore, version=summary.latest_version)
                )
                continue
            for folder in folders:
                console.print(state.t("demo-ingesting", path=folder))
                publishing.ingest_extract(ctx, folder, datastore=datastore)
            default = datastore == state.config.default_datastore
            description = _SAMPLE_RELEASE if default else _MICRODATA_RELEASE
            version = releasing.release_draft(ctx, description, datastore)
            console.print(
                state.t(
                    "released",
                    datastore=version.datastore,
                    version=version.version,
                    count=version.dataset_count,
                )
            )
        account = demo_account.demo_researcher(ctx)
    served = state.config.with_values(
        host=host or state.config.host,
        port=str(port or state.config.port),
        # Scripts written for microdata.no name its versions (no.ssb.fdb:23): the demo
        # answers them from its one release, with a notice, unless the operator chose.
        script_latest_version=os.environ.get("REGCAT_SCRIPT_LATEST_VERSION", "true"),
    )
    console.print(escape(state.t("serving-at", url=f"{served.base_url}/")))
    console.print(
        escape(
            state.t(
                "demo-sign-in",
                url=f"{served.base_url}/login",
                username=account.username,
                password=account.password,
            )
        )
    )
    if not no_serve:
        from catalogue.web.serving import run_server

        run_server(state.config, served.host, served.port, 2, False)


@command(main, json_help="Print the outcome as JSON.")
def reindex(state: State, ctx: Context) -> None:
    """Rebuild the search index of every datastore from the database.

    Releases rebuild it by themselves; use this after restoring a database or when a
    release reported that the index could not be built. Searches keep using the old
    index until the new one is complete.
    """
    from catalogue.services import indexing

    summary = indexing.rebuild_index(ctx)
    if state.printed_as_json(summary):
        return
    line = state.t(
        "reindex-done",
        documents=summary.documents,
        datastores=", ".join(summary.datastores) or "—",
        seconds=f"{summary.seconds:.1f}",
        folder=summary.folder,
    )
    console.print(escape(line))


@main.group()
def export() -> None:
    """Write linked-data and metadata documents (DCAT-AP-NO RDF, DDI-Codebook 2.5) to files:
    the same documents /catalog.ttl and /ddi/... serve."""


def _write_export(state: State, out: Path, body: bytes) -> None:
    if str(out) == "-":
        sys.stdout.buffer.write(body)
        return
    _write_atomically(out, body)
    console.print(escape(state.t("export-written", path=out, size=len(body))))


_OUT_OPTION = click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="File to write ('-' for standard output).",
)


@command(export, "dcat")
@click.option("--datastore", default=None, help="Only this datastore (default: every datastore).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ttl", "jsonld", "xml", "nt"]),
    default="ttl",
    show_default=True,
    help="Turtle, JSON-LD, RDF/XML or N-Triples.",
)
@_OUT_OPTION
def export_dcat(state: State, ctx: Context, datastore: str | None, fmt: str, out: Path) -> None:
    """The DCAT-AP-NO / DCAT-AP 3 catalogue of released variables, with code lists."""
    from catalogue.services import exporting

    _write_export(state, out, exporting.catalogue_rdf(ctx, fmt, datastore).body)


@command(export, "ddi")
@click.option("--datastore", default=None, help="Datastore (default REGCAT_DEFAULT_DATASTORE).")
@click.option(
    "--version", default=None, help="Released version, e.g. 1.0.0.0 (default: the latest)."
)
@_OUT_OPTION
def export_ddi(
    state: State, ctx: Context, datastore: str | None, version: str | None, out: Path
) -> None:
    """The DDI-Codebook 2.5 document of one released datastore version."""
    from catalogue.services import exporting

    name = datastore or ctx.config.default_datastore
    _write_export(state, out, exporting.ddi_codebook_document(ctx, name, version).body)


# --- accounts and API tokens (the operator is trusted: it holds the database and key) ---


@main.group()
def token() -> None:
    """API tokens: create (shown once), list and revoke."""


@command(token, "create", json_help="Print the token and its details as JSON.")
@click.argument("username")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(["search", "analysis", "steward", "admin"]),
    help="What the token may be used for (repeat for more); limited by the user's roles.",
)
@click.option("--name", default="", help="A name to recognise the token by.")
@click.option("--days", type=int, default=None, help="Lifetime (default REGCAT_TOKEN_DAYS).")
def token_create(
    state: State,
    ctx: Context,
    username: str,
    scopes: tuple[str, ...],
    name: str,
    days: int | None,
) -> None:
    """Create a token for USERNAME. It is printed once and stored only as a digest."""
    from catalogue.services import identities, tokens

    new = tokens.create_token(ctx, identities.operator(ctx), username, scopes, name, days)
    if state.printed_as_json({"token": new.token, **dataclasses.asdict(new.view)}):
        return
    console.print(
        state.localise(
            "Kopier tokenet nå; det vises aldri igjen:",
            "Copy the token now; it is never shown again:",
        )
    )
    print(new.token)
    shown = ", ".join(named("scope", s, state.language) for s in new.view.scopes)
    console.print(f"{new.view.prefix} · {shown} · {new.view.expires_at:%Y-%m-%d}")


@command(token, "revoke")
@click.argument("prefix")
def token_revoke(state: State, ctx: Context, prefix: str) -> None:
    """Revoke the token whose prefix (the part after rgc_) is PREFIX."""
    from catalogue.services import identities, tokens

    view = tokens.revoke_token(ctx, identities.operator(ctx), prefix)
    console.print(
        state.localise(
            f"Trakk tilbake {view.prefix} ({view.username}).",
            f"Revoked {view.prefix} ({view.username}).",
        )
    )


@command(token, "list", json_help="Print the tokens as JSON.")
@click.argument("username")
def token_list(state: State, ctx: Context, username: str) -> None:
    """USERNAME's tokens (never their secrets)."""
    from catalogue.services import tokens

    views = tokens.list_tokens(ctx, username)
    if state.printed_as_json([{**dataclasses.asdict(v), "state": v.state} for v in views]):
        return
    for v in views:
        shown = named("token-state", v.state, state.language)
        scopes = ", ".join(named("scope", s, state.language) for s in v.scopes)
        console.print(
            f"{v.prefix}  {shown:15} {scopes:24} {v.expires_at:%Y-%m-%d}  {escape(v.name)}"
        )


@main.group()
def accounts() -> None:
    """Institutions and users: bootstrap an admin, enrol, expire idle accounts."""


@command(accounts, "create-institution")
@click.argument("key")
@click.option("--name", default="", help="The institution's name.")
@click.option(
    "--agreement-from", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Agreement start."
)
@click.option(
    "--agreement-until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Agreement end."
)
def accounts_create_institution(
    state: State, ctx: Context, key: str, name: str, agreement_from: Any, agreement_until: Any
) -> None:
    """Register an institution that has signed an agreement."""
    from catalogue.services import identities, institution_accounts

    until = agreement_until.date() if agreement_until else None
    view = institution_accounts.create_institution(
        ctx, identities.operator(ctx), key, name, agreement_from.date(), until
    )
    console.print(
        f"{view.key}: {escape(view.name)} ({view.agreement_from} – {view.agreement_until or ''})"
    )


def _password(state: State, from_stdin: bool, none: bool) -> str | None:
    if none:
        return None
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(
        click.prompt(
            state.localise("Passord", "Password"), hide_input=True, confirmation_prompt=True
        )
    )


@command(accounts, "create-user")
@click.argument("username")
@click.option(
    "--institution", default=None, help="Institution key (researchers, institution admins)."
)
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(["researcher", "institution-admin", "steward", "admin"]),
    help="Role (repeat for more; default researcher).",
)
@click.option("--register", "registers", multiple=True, help="A steward's register (repeat).")
@click.option("--name", default="", help="Display name.")
@click.option("--email", default="", help="Email address.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--no-password", is_flag=True, help="No password: signs in through OIDC only.")
def accounts_create_user(
    state: State,
    ctx: Context,
    username: str,
    institution: str | None,
    roles: tuple[str, ...],
    registers: tuple[str, ...],
    name: str,
    email: str,
    password_stdin: bool,
    no_password: bool,
) -> None:
    """Enrol a user."""
    from catalogue.services import identities, user_accounts

    password = _password(state, password_stdin, no_password)
    view = user_accounts.enrol_user(
        ctx,
        identities.operator(ctx),
        username,
        display_name=name,
        email=email,
        institution=institution,
        roles=roles or ("researcher",),
        steward_of=registers,
        password=password,
    )
    granted = ", ".join(named("role", r, state.language) for r in view.roles)
    console.print(f"{view.username}: {granted} {', '.join(view.steward_of)}")


@command(accounts, "create-admin")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def accounts_create_admin(state: State, ctx: Context, username: str, password_stdin: bool) -> None:
    """Bootstrap: the first platform admin, who then registers institutions on the web."""
    from catalogue.services import identities, user_accounts

    password = _password(state, password_stdin, False)
    view = user_accounts.enrol_user(
        ctx, identities.operator(ctx), username, roles=("admin",), password=password
    )
    console.print(f"{view.username}: {named('role', 'admin', state.language)}")


@command(accounts, "expire", json_help="Print the deactivated usernames as JSON.")
def accounts_expire(state: State, ctx: Context) -> None:
    """Deactivate accounts unused for REGCAT_ACCOUNT_IDLE_DAYS (18 months); run it daily."""
    from catalogue.services import account_activity

    names = account_activity.expire_idle_accounts(ctx)
    if state.printed_as_json(names):
        return
    console.print(state.t("accounts-expired", count=len(names)))
    for name in names:
        console.print(f"  {escape(name)}")


@command(accounts, "reactivate")
@click.argument("username")
def accounts_reactivate(state: State, ctx: Context, username: str) -> None:
    """Reactivate USERNAME (normally done by the institution's admin on the web)."""
    from catalogue.services import identities, user_accounts

    user_accounts.reactivate_user(ctx, identities.operator(ctx), username)
    console.print(state.localise(f"{username} er aktiv igjen.", f"{username} is active again."))


@main.group()
def audit() -> None:
    """The analysis audit log: every request and every release, hash-chained."""


@command(audit, "verify", json_help="Print the outcome as JSON.")
def audit_verify(state: State, ctx: Context) -> None:
    """Check the whole chain: an edited, missing or deleted entry is reported (exit code 1)."""
    from catalogue.services import audit as service

    outcome = service.verify(ctx)
    if not state.printed_as_json({**dataclasses.asdict(outcome), "ok": outcome.ok}):
        for p in outcome.problems:
            errors.print(f"[red]{p.code}[/] {p.seq}: {escape(state.localise(p.nb, p.en))}")
        summary = state.localise(
            f"{outcome.entries} oppføringer kontrollert, {len(outcome.problems)} feil; siste {outcome.head_seq} {outcome.head_hash[:16]}",
            f"{outcome.entries} entries checked, {len(outcome.problems)} problems; head {outcome.head_seq} {outcome.head_hash[:16]}",
        )
        console.print(escape(summary))
    if not outcome.ok:
        sys.exit(1)


@command(audit, "flags", json_help="Print the flags as JSON.")
def audit_flags(state: State, ctx: Context) -> None:
    """Request sequences typical of attacks on output control, for the steward to judge:
    runs of refusals, an exhausted budget, many new or near-identical derived variables."""
    from catalogue.services import behaviour

    found = behaviour.flags(ctx)
    if state.printed_as_json([flag.to_json_dict(state.language) for flag in found]):
        return
    for flag in found:
        console.print(
            f"[bold]{escape(flag.title(state.language))}[/] · {escape(flag.actor)} · "
            f"{flag.first_at} – {flag.last_at}"
        )
        console.print(f"  {escape(flag.message(state.language))}")
        ids = ", ".join(e.audit_id for e in flag.entries[:10])
        more = len(flag.entries) - 10
        if more > 0:
            ids += f" (+{more})"
        console.print(f"  {escape(ids)}")
    console.print(state.t("audit-flags", count=len(found)))


@main.group()
def script() -> None:
    """Analysis scripts in microdata.no's command language (docs/SCRIPT_LANGUAGE.md)."""


_SERVER = click.option(
    "--url", required=True, help="The regcat server, e.g. http://127.0.0.1:8000."
)
_TOKEN = click.option("--token", required=True, help="A researcher's API token (scope analysis).")


@command(script, "run", json_help="Print the output as JSON.", opens_catalogue=False)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_SERVER
@_TOKEN
def script_run(state: State, file: Path, url: str, token: str) -> None:
    """Run FILE on a regcat server under output control, showing each line as it ends;
    exit code 1 when a line fails (the results before it are shown)."""
    from catalogue.services import script_client

    text, parsed = script_client.read_script(file.read_bytes())
    total = len(parsed.items)
    output: list[dict[str, Any]] = []
    final: dict[str, Any] = {}
    for done, answer in enumerate(script_client.run_remote(url, token, text, state.language), 1):
        if answer.get("done"):
            final = answer
            break
        output.extend(answer["output"])
        failed = answer["error"] is not None
        mark = "[red]✗[/]" if failed else "[green]✓[/]"
        where = state.localise(f"linje {answer['line']}", f"line {answer['line']}")
        errors.print(f"[{done}/{total}] {where} {escape(answer['command'])} {mark}")
        if not state.as_json:
            for entry in answer["output"]:
                _print_script_output(state, entry)
    error = final.get("error")
    if state.printed_as_json({"output": output, "error": error, **final}):
        pass
    elif error is None:
        console.print(
            state.localise(
                f"Ferdig: {final.get('commands_run', 0)} kommandoer kjørt.",
                f"Done: {final.get('commands_run', 0)} commands run.",
            )
        )
    if error is not None:
        title = say("error", state.language)
        errors.print(f"[bold red]{title}[/] ({error['code']}): {escape(error['message'])}")
        sys.exit(1)


@command(script, "save", json_help="Print the saved script as JSON.", opens_catalogue=False)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", required=True, help="The saved script's title.")
@_SERVER
@_TOKEN
def script_save(state: State, file: Path, title: str, url: str, token: str) -> None:
    """Save FILE on the server: a stable id, its requires pinned to today's versions."""
    from catalogue.services import script_client

    text, _ = script_client.read_script(file.read_bytes())
    body = {"title": title, "script": text}
    saved = script_client.saved_call(url, token, "POST", "", body, state.language)
    if state.printed_as_json(saved):
        return
    console.print(f"{escape(saved['id'])}  {escape(saved['title'])}")
    for key, pin in saved["pins"].items():
        console.print(f"  {escape(key)} -> {escape(pin['datastore'])} {escape(pin['version'])}")


@command(script, "list", json_help="Print the list as JSON.", opens_catalogue=False)
@_SERVER
@_TOKEN
def script_list(state: State, url: str, token: str) -> None:
    """Your saved scripts on the server, newest first."""
    from catalogue.services import script_client

    saved = script_client.saved_call(url, token, "GET", "", None, state.language)
    if state.printed_as_json(saved):
        return
    for entry in saved:
        console.print(
            f"{escape(entry['id'])}  {escape(str(entry['created_at']))}  {escape(entry['title'])}"
        )
    if not saved:
        console.print(state.localise("Ingen lagrede skript.", "No saved scripts."))


@command(script, "rerun", json_help="Print the output as JSON.", opens_catalogue=False)
@click.argument("script_id")
@_SERVER
@_TOKEN
def script_rerun(state: State, script_id: str, url: str, token: str) -> None:
    """Rerun a saved script on its pinned versions; exit code 1 when a line fails."""
    from catalogue.services import script_client

    ran = script_client.saved_call(url, token, "POST", f"/{script_id}/run", {}, state.language)
    if not state.printed_as_json(ran):
        for entry in ran["output"]:
            _print_script_output(state, entry)
    error = ran.get("error")
    if error is not None:
        title = say("error", state.language)
        errors.print(f"[bold red]{title}[/] ({error['code']}): {escape(error['message'])}")
        sys.exit(1)


def _print_script_output(state: State, entry: dict[str, Any]) -> None:
    """A text block as its Markdown, a result as its published rows, a variable listing
    as the names: enough to read in a terminal; --json gives everything."""
    if entry["kind"] == "text":
        console.print(escape(entry["markdown"]))
        return
    if entry["kind"] == "variables":
        console.print(escape(", ".join(v["name"] for v in entry["variables"])))
        return
    if entry["kind"] in ("help", "labels"):
        console.print(escape(entry["text"]))
        return
    if entry["kind"] == "history":
        for line in entry["lines"]:
            console.print(f"  {line['line']}: {escape(line['source'])}")
        return
    total = state.localise("Totalt", "Total")
    for item in entry["response"]["results"]:
        for row in item["result"].get("rows", []):
            labels = " × ".join(total if label is None else str(label) for label in row["labels"])
            values = ", ".join(f"{k}={v}" for k, v in row["values"].items())
            console.print(f"  {escape(labels)}: {escape(values)}")


def _write_json(path: Path, document: Any) -> None:
    body = json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    _write_atomically(path, body)


def _write_atomically(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(body)
    partial.replace(path)  # a reader never sees half a document


def _tracker(bar: Progress) -> Callable[[str, int, int], None]:
    """A progress callback (name, done, total) that keeps one bar per name."""
    tasks: dict[str, Any] = {}

    def progress(name: str, done: int, total: int) -> None:
        if name not in tasks:
            tasks[name] = bar.add_task(name, total=total)
        bar.update(tasks[name], completed=done, total=total)

    return progress


@contextmanager
def _progress(disable: bool = False) -> Iterator[Progress]:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=errors,
        disable=disable,
        transient=True,
    ) as bar:
        yield bar


if __name__ == "__main__":
    main()
