"""Export requests (docs/ARCHITECTURE.md §7): the only way microdata leave regcat.

A researcher asks for export-eligible variables of a pinned datastore version, with a
purpose; the stewards of every register involved approve or reject (the registers of the
variables and, for a request from a workspace, every register whose data defined its
population: see export_populations.py); once all approved, the researcher downloads the
file once. Its unit identifiers are fresh for every export: a
random numbering made for that file alone and then forgotten, so an export links to no
other export and not to the datastore."""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from catalogue.domain.accounts import (
    ExportCandidate,
    ExportFormat,
    ExportStatus,
    Identity,
    Role,
    export_outcome,
    export_refusals,
    forbidden,
    role_required,
)
from catalogue.domain.errors import RegcatError, conflict, invalid_input, not_found, unprocessable
from catalogue.services.context import Context
from catalogue.services.export_populations import (
    PopulationSource,
    PopulationView,
    load_units,
    save_units,
    sources_of,
)
from catalogue.services.reading import ReleasedDataset, released_datasets
from catalogue.services.security_events import record_event
from catalogue.services.workspaces import Population, describe_workspace, population_of
from catalogue.storage.account_store import AccountStore, ExportRequest
from catalogue.storage.catalogue_store import now
from catalogue.storage.records import aware

MAX_VARIABLES = 100
MIN_PURPOSE = 20  # characters: a purpose a steward can judge, not "test"


@dataclass(frozen=True)
class DecisionView:
    register: str
    approved: bool
    comment: str
    steward: str
    decided_at: datetime


@dataclass(frozen=True)
class ExportRequestView:
    id: int
    requester: str
    datastore: str
    version: str
    workspace: str | None
    purpose: str
    file_format: str
    status: str
    variables: tuple[str, ...]
    registers: tuple[str, ...]  # of the variables and of the data behind the population
    awaiting: tuple[str, ...]  # registers whose steward has not answered yet
    population: PopulationView | None  # for a request from a workspace
    decisions: tuple[DecisionView, ...]
    created_at: datetime
    decided_at: datetime | None
    downloaded_at: datetime | None


@dataclass(frozen=True)
class ExportFile:
    filename: str
    media_type: str
    content: bytes
    rows: int
    units: int


def request_export(
    ctx: Context,
    identity: Identity,
    variables: Iterable[str],
    purpose: str,
    file_format: str = ExportFormat.PARQUET,
    datastore: str | None = None,
    version: str | None = None,
    workspace: str | None = None,
) -> ExportRequestView:
    requester = _require_researcher(identity)
    names = list(dict.fromkeys(v.strip().upper() for v in variables if v.strip()))
    fmt = _format(file_format)
    if not names or len(names) > MAX_VARIABLES:
        raise invalid_input(
            "export-variables",
            f"Velg mellom 1 og {MAX_VARIABLES} variabler.",
            f"Choose between 1 and {MAX_VARIABLES} variables.",
        )
    if len(purpose.strip()) < MIN_PURPOSE:
        raise invalid_input(
            "export-purpose",
            f"Beskriv formålet med minst {MIN_PURPOSE} tegn, så forvalteren kan vurdere det.",
            f"Describe the purpose in at least {MIN_PURPOSE} characters so the steward can "
            "judge it.",
        )
    population: Population | None = None
    if workspace:
        # The workspace's own pin wins: the export is of the data the researcher analysed.
        # Describing it also checks that it is the researcher's (404 otherwise).
        pinned = describe_workspace(ctx, identity.username, workspace).description
        datastore, version = pinned["datastore"], pinned["version"]
        # The export is of the persons analysed, as they are now.
        population = population_of(ctx, identity.username, workspace)
    name = datastore or ctx.config.default_datastore
    released = {d.metadata.name: d for d in released_datasets(ctx, name, version)}
    chosen = _eligible(ctx, identity, names, released)
    sources = sources_of(population, released) if population else []
    label = chosen[0].version
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        added = store.add_export_request(
            requester,
            workspace,
            name,
            label,
            purpose.strip(),
            fmt.value,
            ExportStatus.PENDING.value,
            now(),
            population.steps if population else None,
        )
        if population:
            save_units(ctx, added.id, population)
        for source in sources:
            store.add_export_population_source(added.id, source.dataset, source.register)
        for d in chosen:
            store.add_export_variable(
                added.id, d.metadata.name, d.metadata.extensions.register or ""
            )
        view = _view(store, added)
    record_event(
        ctx,
        identity.username,
        "export.requested",
        {"request": view.id, "datastore": name, "version": label, "variables": list(names)},
    )
    return view


def _eligible(
    ctx: Context, identity: Identity, names: list[str], released: dict[str, ReleasedDataset]
) -> list[ReleasedDataset]:
    unknown = [n for n in names if n not in released]
    if unknown:
        raise not_found(
            "unknown-variable",
            f"Finnes ikke i versjonen: {', '.join(unknown)}.",
            f"Not in the version: {', '.join(unknown)}.",
            variables=unknown,
        )
    chosen = [released[n] for n in names]
    refusals = export_refusals(
        ExportCandidate(
            d.metadata.name,
            d.metadata.extensions.register,
            d.metadata.extensions.exportable,
            d.metadata.unit_type,
            d.metadata.measure.unit_type is not None,
        )
        for d in chosen
    )
    unit_types = sorted({d.metadata.unit_type for d in chosen})
    if refusals or len(unit_types) > 1:
        reasons = [
            {"variable": r.variable, "code": r.code, "nb": r.nb, "en": r.en} for r in refusals
        ]
        record_event(
            ctx,
            identity.username,
            "export.refused",
            {"variables": names, "reasons": [r["code"] for r in reasons]},
        )
        if refusals:
            raise unprocessable(
                "export-not-eligible",
                "Forespørselen er avvist: "
                + " ".join(r.nb for r in refusals)
                + " Bare variabler merket «Kan utleveres» kan utleveres.",
                "The request is refused: "
                + " ".join(r.en for r in refusals)
                + " Only export-eligible variables can be exported.",
                refused=reasons,
            )
        raise unprocessable(
            "export-mixed-unit-types",
            f"Alle variablene må ha samme enhetstype; her er det {', '.join(unit_types)}.",
            f"All variables must have the same unit type; these have {', '.join(unit_types)}.",
            unit_types=unit_types,
        )
    return chosen


def my_requests(ctx: Context, identity: Identity) -> list[ExportRequestView]:
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        if identity.user_id is None:
            return []
        return [_view(store, r) for r in store.export_requests_of(identity.user_id)]


def requests_to_review(ctx: Context, identity: Identity) -> list[ExportRequestView]:
    """Every request involving a register the steward manages, those waiting for it first."""
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        views = [_view(store, r) for r in store.export_requests_for_registers(identity.steward_of)]
    return sorted(views, key=lambda v: (not set(v.awaiting) & identity.steward_of, -v.id))


def get_request(ctx: Context, identity: Identity, request_id: int) -> ExportRequestView:
    """The requester, a steward of a register involved, or an admin may see a request."""
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        view = _view(store, _request(store, request_id))
    mine = view.requester == identity.username
    if not (mine or set(view.registers) & identity.steward_of or identity.has(Role.ADMIN)):
        raise _unknown_request(request_id)
    return view


def decide(
    ctx: Context, identity: Identity, request_id: int, approve: bool, comment: str
) -> ExportRequestView:
    """Answer for every register involved that `identity` is steward of and that has not
    answered yet. A rejection needs a comment the researcher can act on."""
    if not approve and not comment.strip():
        raise invalid_input("comment-required")
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        row = _request(store, request_id, lock=True)
        involved = _involved(store, row.id)
        decided = {d.register_key for d in store.export_decisions(row.id)}
        mine = (involved & identity.steward_of) - decided
        if not involved & identity.steward_of:
            raise _unknown_request(request_id)
        if row.user_id == identity.user_id:
            raise forbidden("own-request")
        if row.status != ExportStatus.PENDING or not mine:
            raise conflict("already-decided", status=row.status)
        moment = now()
        for register in sorted(mine):
            store.add_export_decision(
                row.id, register, approve, comment.strip(), identity.user_id, moment
            )
        answers = {d.register_key: d.approved for d in store.export_decisions(row.id)}
        status = export_outcome(involved, answers)
        if status != ExportStatus.PENDING:
            row = store.decide_export_request(row.id, status.value, moment)
        view = _view(store, row)
    record_event(
        ctx,
        identity.username,
        "export.approved" if approve else "export.rejected",
        {"request": request_id, "registers": sorted(mine), "status": view.status},
    )
    return view


def download(ctx: Context, identity: Identity, request_id: int) -> ExportFile:
    """The approved file, once. It is built, then the request is marked downloaded in a
    locked transaction; only the caller who marks it gets the file."""
    view = get_request(ctx, identity, request_id)
    if view.requester != identity.username:
        raise _unknown_request(request_id)
    _require_downloadable(view)
    built = _build_file(ctx, view)
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        row = _request(store, request_id, lock=True)
        if row.status != ExportStatus.APPROVED:
            raise _already_downloaded(request_id)
        store.mark_export_downloaded(row.id, ExportStatus.DOWNLOADED.value, now())
    record_event(
        ctx,
        identity.username,
        "export.downloaded",
        {
            "request": request_id,
            "rows": built.rows,
            "units": built.units,
            "sha256": hashlib.sha256(built.content).hexdigest(),
        },
    )
    return built


def _require_downloadable(view: ExportRequestView) -> None:
    if view.status == ExportStatus.DOWNLOADED:
        raise _already_downloaded(view.id)
    if view.status != ExportStatus.APPROVED:
        raise conflict("export-not-approved", status=view.status)


def _already_downloaded(request_id: int) -> RegcatError:
    return RegcatError(
        "export-already-downloaded", details={"request": request_id}, http_status=410
    )


def _unknown_request(request_id: int) -> RegcatError:
    return not_found(
        "unknown-export-request",
        f"Fant ingen utleveringsforespørsel {request_id} du har tilgang til.",
        f"No export request {request_id} that you have access to was found.",
        request=request_id,
    )


def _request(store: AccountStore, request_id: int, lock: bool = False) -> ExportRequest:
    row = store.export_request(request_id, lock=lock)
    if row is None:
        raise _unknown_request(request_id)
    return row


def _require_researcher(identity: Identity) -> int:
    """The researcher's user id."""
    if not identity.has(Role.RESEARCHER) or identity.user_id is None:
        raise role_required(Role.RESEARCHER)
    return identity.user_id


def _format(value: str) -> ExportFormat:
    try:
        return ExportFormat(value)
    except ValueError:
        raise invalid_input("export-format", format=value) from None


def _involved(store: AccountStore, request_id: int) -> set[str]:
    """The registers that must approve: the variables' and those behind the population."""
    exported = {v.register_key for v in store.export_variables(request_id)}
    return exported | {s.register_key for s in store.export_population_sources(request_id)}


def _view(store: AccountStore, row: ExportRequest) -> ExportRequestView:
    variables = store.export_variables(row.id)
    decisions = store.export_decisions(row.id)
    requester = store.user_by_id(row.user_id)
    registers = tuple(sorted(_involved(store, row.id)))
    population = None
    if row.population_steps is not None:
        population = PopulationView(
            row.population_steps,
            tuple(
                PopulationSource(s.dataset_name, s.register_key)
                for s in store.export_population_sources(row.id)
            ),
        )
    decided = {d.register_key for d in decisions}
    stewards = {d.steward_id: store.user_by_id(d.steward_id) for d in decisions}
    return ExportRequestView(
        row.id,
        requester.username if requester else "",
        row.datastore,
        row.version,
        row.workspace,
        row.purpose,
        row.file_format,
        row.status,
        tuple(v.dataset_name for v in variables),
        registers,
        tuple(r for r in registers if r not in decided) if row.status == "pending" else (),
        population,
        tuple(
            DecisionView(
                d.register_key,
                d.approved,
                d.comment,
                getattr(stewards[d.steward_id], "username", ""),
                aware(d.decided_at),
            )
            for d in decisions
        ),
        row.created_at,
        row.decided_at,
        row.downloaded_at,
    )


# --- the file ------------------------------------------------------------------------------


def _build_file(ctx: Context, view: ExportRequestView) -> ExportFile:
    released = {d.metadata.name: d for d in released_datasets(ctx, view.datastore, view.version)}
    parts = [_read_variable(ctx, released[name]) for name in view.variables]
    if view.workspace:
        unit_type, population = load_units(ctx, view.id)
        parts = [
            part.filter(pc.is_in(part.column("unit"), value_set=population))
            if released[name].metadata.unit_type == unit_type
            else part
            for name, part in zip(view.variables, parts, strict=True)
        ]
    table = pa.concat_tables(parts)
    table, units = _fresh_identifiers(table)
    # Sorted by the new identifier: the datastore's row order would otherwise hint at the
    # datastore pseudonyms' order and so link exports of the same persons.
    table = table.sort_by(
        [("unit", "ascending"), ("variable", "ascending"), ("start", "ascending")]
    )
    buffer = io.BytesIO()
    if view.file_format == ExportFormat.CSV:
        pacsv.write_csv(table, buffer)
        media_type, suffix = "text/csv; charset=utf-8", "csv"
    else:
        pq.write_table(table, buffer, compression="zstd")
        media_type, suffix = "application/vnd.apache.parquet", "parquet"
    return ExportFile(
        f"regcat-export-{view.id}.{suffix}", media_type, buffer.getvalue(), table.num_rows, units
    )


def _read_variable(ctx: Context, dataset: ReleasedDataset) -> pa.Table:
    """One variable in long form: unit, variable, value (as text), start, stop."""
    pieces: Sequence[pa.Table] = [
        pq.read_table(f.path, filesystem=ctx.files.filesystem) for f in dataset.files
    ]
    raw = pa.concat_tables(pieces) if pieces else pa.table({})
    n = raw.num_rows
    date = pa.date32()
    return pa.table(
        {
            "unit": raw.column("unit_id").cast(pa.int64()) if n else pa.array([], pa.int64()),
            "variable": pa.array([dataset.metadata.name] * n, pa.string()),
            "value": _as_text(raw.column("value")) if n else pa.array([], pa.string()),
            "start": raw.column("start").cast(date) if n else pa.array([], date),
            "stop": raw.column("stop").cast(date) if n else pa.array([], date),
        }
    )


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return column.cast(pa.string())


def _fresh_identifiers(table: pa.Table) -> tuple[pa.Table, int]:
    """Replace every unit identifier by 1..N in an order drawn at random for this export
    alone; the numbering is not kept anywhere."""
    units = pc.unique(table.column("unit"))
    rng = np.random.default_rng(secrets.randbits(128))
    numbering = pa.array(rng.permutation(len(units)) + 1, pa.int64())
    positions = pc.index_in(table.column("unit"), value_set=units)
    fresh = pc.take(numbering, positions)
    return table.set_column(0, "unit", fresh), len(units)
