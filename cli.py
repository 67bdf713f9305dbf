"""regcat's command line: a thin click group over catalogue.services.

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
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from catalogue.config import load_config
from catalogue.domain.errors import RegcatError
from catalogue.services.messages import named, say

if TYPE_CHECKING:
    from rich.progress import Progress

    from catalogue.services.context import Context

T = TypeVar("T")

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


class State:
    def __init__(self, language: str) -> None:
        self.config = load_config()
        self.language = language or self.config.language

    def t(self, key: str, **kwargs: Any) -> str:
        return say(key, self.language, **kwargs)


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
def _context(state: State) -> Iterator[Context]:
    from catalogue.services.context import Context

    with Context.open(state.config) as ctx:
        yield ctx


def _run(state: State, action: Callable[[], T]) -> T:
    try:
        return action()
    except RegcatError as e:
        errors.print(
            f"[bold red]{state.t('error')}[/] ({e.code}): {escape(e.message(state.language))}"
        )
        sys.exit(1)


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
    click_ctx.obj = State(lang or "")


pass_state = click.make_pass_decorator(State)


@main.command()
@click.option(
    "--datastore",
    "datastores",
    multiple=True,
    help="Datastore(s) to create (reverse domain name); default REGCAT_DEFAULT_DATASTORE.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@pass_state
def init(state: State, datastores: tuple[str, ...], as_json: bool) -> None:
    """Create or upgrade the catalogue database, the key file and datastores."""
    from catalogue.services import setup

    with _context(state) as ctx:
        outcome = _run(state, lambda: setup.initialise(ctx, list(datastores) or None))
    if as_json:
        click.echo(_as_json(outcome))
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


@main.command("generate-samples")
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
@pass_state
def generate_samples(
    state: State, persons: int, seed: int, out_dir: Path | None, registers: tuple[str, ...]
) -> None:
    """Write deterministic synthetic sample registers (extract format)."""
    from catalogue.services import samples

    with _progress() as bar:
        progress = _tracker(bar)
        written = _run(
            state,
            lambda: samples.write_samples(
                out_dir or samples.SAMPLES_DIR, persons, seed, list(registers) or None, progress
            ),
        )
    for folder in written:
        console.print(state.t("samples-written", path=folder))


@main.command()
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
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the full report (every problem, or what was staged) to this JSON file.",
)
@pass_state
def ingest(
    state: State,
    path: Path,
    datastore: str | None,
    note: str,
    force_change: bool,
    as_json: bool,
    report_path: Path | None,
) -> None:
    """Validate, pseudonymise and stage an extract in the draft.

    PATH is a register folder (with register.json) or one dataset folder in
    microdata.no's format (NAME.json + NAME.csv).
    """
    from rich.table import Table

    from catalogue.services import publishing

    def staged() -> publishing.IngestOutcome:
        try:
            found = publishing.ingest_extract(
                ctx, path, datastore, note=note, force_change=force_change, progress=progress
            )
        except RegcatError as e:
            if report_path:
                _write_json(report_path, {"ok": False, **e.as_dict(state.language)})
            raise
        if report_path:
            _write_json(report_path, {"ok": True, "outcome": json.loads(_as_json(found))})
        return found

    with _context(state) as ctx, _progress(disable=as_json) as bar:
        progress = _tracker(bar)
        outcome = _run(state, staged)
    if as_json:
        click.echo(_as_json(outcome))
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


@main.command()
@click.option("--datastore", default=None, help="Datastore (default REGCAT_DEFAULT_DATASTORE).")
@click.option("--discard", is_flag=True, help="Drop the staged operations (all, or --dataset's).")
@click.option("--dataset", default=None, help="With --discard: only this dataset.")
@click.option("--json", "as_json", is_flag=True, help="Print the draft as JSON.")
@pass_state
def draft(
    state: State, datastore: str | None, discard: bool, dataset: str | None, as_json: bool
) -> None:
    """Show the operations staged for the next release."""
    from rich.table import Table

    from catalogue.services import releasing

    with _context(state) as ctx:
        view = _run(
            state,
            lambda: (
                releasing.discard_draft(ctx, datastore, dataset)
                if discard
                else releasing.show_draft(ctx, datastore)
            ),
        )
    if as_json:
        click.echo(_as_json(view))
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


@main.command()
@click.argument("dataset")
@click.option("--datastore", default=None, help="Datastore (default REGCAT_DEFAULT_DATASTORE).")
@click.option("--note", default="", help="Why it is removed: recorded in the changelog.")
@pass_state
def remove(state: State, dataset: str, datastore: str | None, note: str) -> None:
    """Stage the removal of DATASET from the next release."""
    from catalogue.services import releasing

    with _context(state) as ctx:
        view = _run(state, lambda: releasing.stage_removal(ctx, dataset, datastore, note=note))
    console.print(state.t("removal-staged", dataset=dataset, draft=view.draft))


@main.command()
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
@click.option("--json", "as_json", is_flag=True, help="Print the new version as JSON.")
@pass_state
def release(
    state: State, description: str, datastore: str | None, expected_draft: str | None, as_json: bool
) -> None:
    """Release the draft as the next immutable version."""
    from catalogue.services import releasing

    with _context(state) as ctx:
        version = _run(
            state,
            lambda: releasing.release_draft(
                ctx, description, datastore, expected_draft=expected_draft
            ),
        )
    if as_json:
        click.echo(_as_json(version))
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


@main.command()
@click.argument("datastore", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the versions as JSON.")
@pass_state
def versions(state: State, datastore: str | None, as_json: bool) -> None:
    """List released versions and their changelog (all datastores, or one)."""
    from catalogue.services import releasing

    with _context(state) as ctx:
        found = _run(state, lambda: releasing.list_versions(ctx, datastore))
    if as_json:
        click.echo(_as_json(found))
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


@main.command()
@click.argument("datastore", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@pass_state
def verify(state: State, datastore: str | None, as_json: bool) -> None:
    """Recompute the checksums of every released and staged file."""
    from catalogue.services import verifying

    with _context(state) as ctx:
        outcome = _run(state, lambda: verifying.verify(ctx, datastore))
    if as_json:
        click.echo(_as_json(outcome))
    else:
        for p in outcome.problems:
            errors.print(
                f"[red]{p.code}[/] {p.datastore} {p.dataset} {p.path}: {p.en if state.language == 'en' else p.nb}"
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


@main.command()
@pass_state
def version(state: State) -> None:
    """Print regcat's version (and Python's)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        ours = installed("regcat")
    except PackageNotFoundError:  # run from a source tree that was never installed
        ours = "?"
    console.print(state.t("version", version=ours, python=sys.version.split()[0]))


@main.command()
@click.option("--host", default=None, help="Address to bind (default REGCAT_HOST).")
@click.option("--port", default=None, type=int, help="Port (default REGCAT_PORT).")
@click.option(
    "--workers", default=2, show_default=True, type=int, help="gunicorn worker processes."
)
@click.option("--dev", is_flag=True, help="Use Flask's development server instead of gunicorn.")
@pass_state
def serve(state: State, host: str | None, port: int | None, workers: int, dev: bool) -> None:
    """Serve the web catalogue and API."""
    from catalogue.web.serving import run_server

    host = host or state.config["host"]
    port = port or int(state.config["port"])
    _run(state, lambda: run_server(state.config, host, port, workers, dev))


@main.command()
@click.option("--no-serve", is_flag=True, help="Stop after releasing; do not start the server.")
@click.option("--host", default=None, help="Address to bind (default REGCAT_HOST).")
@click.option("--port", default=None, type=int, help="Port (default REGCAT_PORT).")
@pass_state
def demo(state: State, no_serve: bool, host: str | None, port: int | None) -> None:
    """Set up, ingest the five sample registers, release 1.0.0.0 and serve."""
    from catalogue.services import demo_account, publishing, reading, releasing, samples, setup

    with _context(state) as ctx:
        _run(state, lambda: setup.initialise(ctx))
        summaries = _run(state, lambda: reading.datastore_summaries(ctx))
        default = next((s for s in summaries if s.name == state.config.default_datastore), None)
        if default and default.latest_version:
            console.print(state.t("demo-already", version=default.latest_version))
        else:
            for folder in samples.sample_register_folders():
                console.print(state.t("demo-ingesting", path=folder))
                _run(state, functools.partial(publishing.ingest_extract, ctx, folder))
            version = _run(
                state,
                lambda: releasing.release_draft(
                    ctx,
                    "Sample registers: Folkeregisteret, NUDB, income and tax, Kreftregisteret, NPR",
                ),
            )
            console.print(
                state.t(
                    "released",
                    datastore=version.datastore,
                    version=version.version,
                    count=version.dataset_count,
                )
            )
        account = _run(state, lambda: demo_account.demo_researcher(ctx))
    served = state.config.with_values(
        host=host or state.config["host"], port=str(port or state.config["port"])
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
        serve.callback(host=host, port=port, workers=2, dev=False)  # type: ignore[misc]


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@pass_state
def reindex(state: State, as_json: bool) -> None:
    """Rebuild the search index of every datastore from the database.

    Releases rebuild it by themselves; use this after restoring a database or when a
    release reported that the index could not be built. Searches keep using the old
    index until the new one is complete.
    """
    from catalogue.services import indexing

    with _context(state) as ctx:
        summary = _run(state, lambda: indexing.rebuild_index(ctx))
    if as_json:
        click.echo(_as_json(summary))
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


@export.command("dcat")
@click.option("--datastore", default=None, help="Only this datastore (default: every datastore).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ttl", "jsonld", "xml", "nt"]),
    default="ttl",
    show_default=True,
    help="Turtle, JSON-LD, RDF/XML or N-Triples.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="File to write ('-' for standard output).",
)
@pass_state
def export_dcat(state: State, datastore: str | None, fmt: str, out: Path) -> None:
    """The DCAT-AP-NO / DCAT-AP 3 catalogue of released variables, with code lists."""
    from catalogue.services import exporting

    with _context(state) as ctx:
        document = _run(state, lambda: exporting.catalogue_rdf(ctx, fmt, datastore))
    _write_export(state, out, document.body)


@export.command("ddi")
@click.option("--datastore", default=None, help="Datastore (default REGCAT_DEFAULT_DATASTORE).")
@click.option(
    "--version", default=None, help="Released version, e.g. 1.0.0.0 (default: the latest)."
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="File to write ('-' for standard output).",
)
@pass_state
def export_ddi(state: State, datastore: str | None, version: str | None, out: Path) -> None:
    """The DDI-Codebook 2.5 document of one released datastore version."""
    from catalogue.services import exporting

    with _context(state) as ctx:
        name = datastore or ctx.config.default_datastore
        document = _run(state, lambda: exporting.ddi_codebook_document(ctx, name, version))
    _write_export(state, out, document.body)


# --- accounts and API tokens (the operator is trusted: it holds the database and key) ---


def _both(state: State, nb: str, en: str) -> str:
    return en if state.language == "en" else nb


@main.group()
def token() -> None:
    """API tokens: create (shown once), list and revoke."""


@token.command("create")
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
@click.option("--json", "as_json", is_flag=True, help="Print the token and its details as JSON.")
@pass_state
def token_create(
    state: State, username: str, scopes: tuple[str, ...], name: str, days: int | None, as_json: bool
) -> None:
    """Create a token for USERNAME. It is printed once and stored only as a digest."""
    from catalogue.services import identities, tokens

    with _context(state) as ctx:
        new = _run(
            state,
            lambda: tokens.create_token(
                ctx, identities.operator(ctx), username, scopes, name, days
            ),
        )
    if as_json:
        console.print_json(_as_json({"token": new.token, **dataclasses.asdict(new.view)}))
        return
    console.print(
        _both(
            state,
            "Kopier tokenet nå; det vises aldri igjen:",
            "Copy the token now; it is never shown again:",
        )
    )
    print(new.token)
    shown = ", ".join(named("scope", s, state.language) for s in new.view.scopes)
    console.print(f"{new.view.prefix} · {shown} · {new.view.expires_at:%Y-%m-%d}")


@token.command("revoke")
@click.argument("prefix")
@pass_state
def token_revoke(state: State, prefix: str) -> None:
    """Revoke the token whose prefix (the part after rgc_) is PREFIX."""
    from catalogue.services import identities, tokens

    with _context(state) as ctx:
        view = _run(state, lambda: tokens.revoke_token(ctx, identities.operator(ctx), prefix))
    console.print(
        _both(
            state,
            f"Trakk tilbake {view.prefix} ({view.username}).",
            f"Revoked {view.prefix} ({view.username}).",
        )
    )


@token.command("list")
@click.argument("username")
@click.option("--json", "as_json", is_flag=True, help="Print the tokens as JSON.")
@pass_state
def token_list(state: State, username: str, as_json: bool) -> None:
    """USERNAME's tokens (never their secrets)."""
    from catalogue.services import tokens

    with _context(state) as ctx:
        views = _run(state, lambda: tokens.list_tokens(ctx, username))
    if as_json:
        console.print_json(_as_json([{**dataclasses.asdict(v), "state": v.state} for v in views]))
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


@accounts.command("create-institution")
@click.argument("key")
@click.option("--name", default="", help="The institution's name.")
@click.option(
    "--agreement-from", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Agreement start."
)
@click.option(
    "--agreement-until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Agreement end."
)
@pass_state
def accounts_create_institution(
    state: State, key: str, name: str, agreement_from: Any, agreement_until: Any
) -> None:
    """Register an institution that has signed an agreement."""
    from catalogue.services import identities, institution_accounts

    until = agreement_until.date() if agreement_until else None
    with _context(state) as ctx:
        view = _run(
            state,
            lambda: institution_accounts.create_institution(
                ctx, identities.operator(ctx), key, name, agreement_from.date(), until
            ),
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
        click.prompt(_both(state, "Passord", "Password"), hide_input=True, confirmation_prompt=True)
    )


@accounts.command("create-user")
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
@pass_state
def accounts_create_user(
    state: State,
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
    with _context(state) as ctx:
        view = _run(
            state,
            lambda: user_accounts.enrol_user(
                ctx,
                identities.operator(ctx),
                username,
                display_name=name,
                email=email,
                institution=institution,
                roles=roles or ("researcher",),
                steward_of=registers,
                password=password,
            ),
        )
    granted = ", ".join(named("role", r, state.language) for r in view.roles)
    console.print(f"{view.username}: {granted} {', '.join(view.steward_of)}")


@accounts.command("create-admin")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_state
def accounts_create_admin(state: State, username: str, password_stdin: bool) -> None:
    """Bootstrap: the first platform admin, who then registers institutions on the web."""
    from catalogue.services import identities, user_accounts

    password = _password(state, password_stdin, False)
    with _context(state) as ctx:
        view = _run(
            state,
            lambda: user_accounts.enrol_user(
                ctx, identities.operator(ctx), username, roles=("admin",), password=password
            ),
        )
    console.print(f"{view.username}: {named('role', 'admin', state.language)}")


@accounts.command("expire")
@click.option("--json", "as_json", is_flag=True, help="Print the deactivated usernames as JSON.")
@pass_state
def accounts_expire(state: State, as_json: bool) -> None:
    """Deactivate accounts unused for REGCAT_ACCOUNT_IDLE_DAYS (18 months); run it daily."""
    from catalogue.services import account_activity

    with _context(state) as ctx:
        names = _run(state, lambda: account_activity.expire_idle_accounts(ctx))
    if as_json:
        console.print_json(_as_json(names))
        return
    console.print(state.t("accounts-expired", count=len(names)))
    for name in names:
        console.print(f"  {escape(name)}")


@accounts.command("reactivate")
@click.argument("username")
@pass_state
def accounts_reactivate(state: State, username: str) -> None:
    """Reactivate USERNAME (normally done by the institution's admin on the web)."""
    from catalogue.services import identities, user_accounts

    with _context(state) as ctx:
        _run(state, lambda: user_accounts.reactivate_user(ctx, identities.operator(ctx), username))
    console.print(_both(state, f"{username} er aktiv igjen.", f"{username} is active again."))


@main.group()
def audit() -> None:
    """The analysis audit log: every request and every release, hash-chained."""


@audit.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@pass_state
def audit_verify(state: State, as_json: bool) -> None:
    """Check the whole chain: an edited, missing or deleted entry is reported (exit code 1)."""
    from catalogue.services import audit as service

    with _context(state) as ctx:
        outcome = _run(state, lambda: service.verify(ctx))
    if as_json:
        click.echo(_as_json({**dataclasses.asdict(outcome), "ok": outcome.ok}))
    else:
        for p in outcome.problems:
            errors.print(
                f"[red]{p.code}[/] {p.seq}: {escape(p.en if state.language == 'en' else p.nb)}"
            )
        summary = (
            f"{outcome.entries} entries checked, {len(outcome.problems)} problems; head {outcome.head_seq} {outcome.head_hash[:16]}"
            if state.language == "en"
            else f"{outcome.entries} oppføringer kontrollert, {len(outcome.problems)} feil; siste {outcome.head_seq} {outcome.head_hash[:16]}"
        )
        console.print(escape(summary))
    if not outcome.ok:
        sys.exit(1)


@audit.command("flags")
@click.option("--json", "as_json", is_flag=True, help="Print the flags as JSON.")
@pass_state
def audit_flags(state: State, as_json: bool) -> None:
    """Request sequences typical of attacks on output control, for the steward to judge:
    runs of refusals, an exhausted budget, many new or near-identical derived variables."""
    from catalogue.services import behaviour

    with _context(state) as ctx:
        found = _run(state, lambda: behaviour.flags(ctx))
    if as_json:
        click.echo(_as_json([flag.to_json_dict(state.language) for flag in found]))
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
