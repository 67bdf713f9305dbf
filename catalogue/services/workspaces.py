"""Analysis workspaces, the use cases (docs/ARCHITECTURE.md §7): create one on a pinned datastore
version, add steps, describe it, release statistics under output control, delete it.

Who may use a workspace: its owner only. Anyone else, like a handle that never existed,
gets 404 (a handle's existence is not revealed). The owner is passed in by the caller; the
web layer takes it from the request today and from the researcher's token later.

Where a workspace lives: its script (the canonical steps), pinned version, limits and expiry
are in the catalogue database; the linked rows live in a DuckDB database in this process,
kept for the workspaces used most recently. Another worker (or this one after eviction or
a restart) rebuilds the rows by replaying the script on the same pinned files, which gives
the same rows, so the same questions get the same answers.

A statistic runs in two phases: reading (under the workspace's lock, no database lock) and
releasing (in one database transaction that takes the release lock, binds the release
ledger, runs output control and writes the release and request entries of the audit log).
Every request, refused or not, is audited."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from catalogue.analysis.limits import WorkspaceLimits
from catalogue.analysis.output_control import (
    ControlContext,
    OutputControlParameters,
    Release,
    ReleasedSet,
    release_json,
)
from catalogue.analysis.output_control.group_values import GroupLedger, statistic_inputs
from catalogue.analysis.output_control.release import (
    BudgetState,
    budget_state,
    charge_inputs,
    charge_refusal,
)
from catalogue.analysis.persistent_ledger import PersistentReleaseLedger
from catalogue.analysis.sources import DatasetSource, PinnedVersion
from catalogue.analysis.statistics.shared.common import Labelled, Planned
from catalogue.analysis.step import parse_steps
from catalogue.analysis.unit_keys.record_keys import record_key_secret
from catalogue.analysis.unit_keys.store import KeyCache
from catalogue.analysis.warming import warm_key_cache
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError, not_found
from catalogue.services.audit import AuditLog
from catalogue.services.audit import record as audit_record
from catalogue.services.context import Context
from catalogue.services.reading import latest_version, new_files, released_datasets
from catalogue.storage.analysis_store import AnalysisStore, StoredWorkspace
from ingest import load_keys


@dataclass
class _Live:
    """A workspace's rows kept in the runtime's live_workspaces (at most the live_workspaces
    setting of them; the oldest is closed when another is built)."""

    workspace: Workspace
    script: list[Any]  # the canonical steps the rows were built from
    ledger: PersistentReleaseLedger
    context: tuple[int, ControlContext] | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)

    def close(self) -> None:
        with self.lock:  # after the request using it is done
            self.workspace.close()


@dataclass(frozen=True)
class WorkspaceView:
    handle: str
    owner: str
    created_at: datetime
    expires_at: datetime
    description: dict[str, Any]  # datastore, version, unit type, variables, steps

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "workspace": self.handle,
            **self.description,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
        }


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def unknown_workspace(handle: str) -> RegcatError:
    return not_found("unknown-workspace", workspace=handle)


def expired_workspace(row: StoredWorkspace) -> RegcatError:
    at = row.expires_at
    return RegcatError(
        "workspace-expired",
        f"Arbeidsområdet gikk ut {at:%Y-%m-%d %H:%M} UTC etter å ha stått ubrukt. Lag et nytt "
        "og kjør stegene (under «details.steps») på nytt.",
        f"The workspace expired {at:%Y-%m-%d %H:%M} UTC after standing unused. Create a new "
        "one and run its steps (in 'details.steps') again.",
        # The owner's own script, so the work can be redone on the same pinned version.
        {
            "workspace": row.handle,
            "expired_at": at.isoformat(),
            "datastore": row.datastore,
            "version": row.version,
            "steps": list(row.steps),
        },
        410,
    )


# --- what a workspace is built from -------------------------------------------------------


def pinned_version(ctx: Context, datastore: str | None, version: str | None) -> PinnedVersion:
    """The datasets of a released version (the latest when `version` is None). A version
    is read from the catalogue once per runtime: released versions never change (the
    latest is looked up by its number, so a new release is read when it comes)."""
    kept = ctx.runtime.pinned_versions
    name = datastore or ctx.config.default_datastore
    asked = (ctx.db.url, name, version or "")
    if version is None:
        # The latest version's number is one query; its datasets are read the first time.
        found = kept.get((ctx.db.url, name, latest_version(ctx, name)))
    else:
        found = kept.get(asked)
    if found is not None:
        return found
    datasets = released_datasets(ctx, datastore, version)
    if not datasets:
        raise not_found(
            "unknown-version",
            f"{name} har ingen publiserte variabler i versjon {version or 'siste'}.",
            f"{name} has no released variables in version {version or 'latest'}.",
            datastore=name,
            version=version,
        )
    first = datasets[0]
    pinned = kept.get_or_build(
        (ctx.db.url, first.datastore, first.version),
        lambda: PinnedVersion(
            first.datastore,
            first.version,
            {
                d.metadata.name: DatasetSource(
                    d.metadata.name, d.metadata, tuple(f.path for f in d.files)
                )
                for d in datasets
            },
            ctx.files.filesystem,
        ),
    )
    if version is not None:
        kept.put(asked, pinned)
    return pinned


def _output_control_parameters(ctx: Context, datastore: str) -> OutputControlParameters:
    """The datastore's parameters: a steward's file if there is one, else the defaults."""
    path = ctx.config.output_control_dir / f"{datastore}.json"
    if path.exists():
        return OutputControlParameters.load(path)
    return OutputControlParameters.defaults()


def _secret(ctx: Context, datastore: str) -> bytes:
    load_keys(ctx.config.key_file)  # clear errors for a missing or damaged key file
    master = bytes.fromhex(ctx.config.key_file.read_text(encoding="ascii").strip())
    return record_key_secret(master, datastore)


def warm_record_keys(ctx: Context, datastore: str | None = None, only_new: bool = False) -> int:
    """Computes the output-control keys of every unit in the datastore's latest release now
    (at release time) rather than at the first statistic on it. Returns the units (0 when
    this machine has no key file: the first statistic then computes the keys it needs).
    With `only_new`, only the files the latest release brought are read (the others' keys
    were stored at their own release, or are computed when a statistic needs them)."""
    if not ctx.config.key_file.exists():
        return 0
    pinned = pinned_version(ctx, datastore, None)
    cache = _key_cache(ctx, pinned.datastore)
    fresh = new_files(ctx, pinned.datastore, pinned.version) if only_new else None
    return warm_key_cache(
        pinned, cache, facts_folder=_analysis_folder(ctx, "facts"), only_paths=fresh
    )


def _key_cache(ctx: Context, datastore: str) -> KeyCache:
    return KeyCache(
        _secret(ctx, datastore),
        _analysis_folder(ctx, "keys"),
        loaded=ctx.runtime.key_snapshots,
    )


def _analysis_folder(ctx: Context, name: str) -> Path:
    folder = ctx.config.home / "analysis" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class _SharedValues:
    """Group statistics of a step looked up in, and registered with, the datastore's
    ledger (output_control/group_values.py): in a transaction that holds the ledger's lock,
    as a release's guard does, each recorded as a release of no cells and no charge. A
    step's statistics share one transaction (`together`); one run alone has its own."""

    def __init__(self, ctx: Context, ledger: PersistentReleaseLedger, owner: str) -> None:
        self.ctx, self.ledger, self.owner = ctx, ledger, owner
        self._local = threading.local()  # whether this thread's transaction is open

    @contextmanager
    def together(self) -> Iterator[None]:
        if getattr(self._local, "open", False):
            yield
            return
        with self.ctx.db.transaction() as session:
            store = AnalysisStore(session)
            AuditLog(store).lock()
            with self.ledger.bound(store):
                self._local.open = True
                try:
                    yield
                finally:
                    self._local.open = False

    def __call__(self, work: Callable[[GroupLedger], list[ReleasedSet]]) -> None:
        with self.together():
            fresh = work(self.ledger)
            if fresh:
                self.ledger.record(Release(self.owner, _now(None), 0, tuple(fresh)))


def _build(ctx: Context, row: StoredWorkspace) -> _Live:
    pinned = pinned_version(ctx, row.datastore, row.version)
    ledger = PersistentReleaseLedger(ctx.db.url, row.datastore, ctx.runtime.ledger_sets)
    workspace = Workspace(
        pinned,
        limits=WorkspaceLimits.from_json(row.limits),
        parameters=_output_control_parameters(ctx, row.datastore),
        key_cache=_key_cache(ctx, row.datastore),
        scratch=_analysis_folder(ctx, "spill"),
        facts_folder=_analysis_folder(ctx, "facts"),
        facts_memory=ctx.runtime.dataset_facts,
        shared_values=_SharedValues(ctx, ledger, row.owner),
    )
    try:
        if row.steps:
            workspace.apply(parse_steps(list(row.steps)))
    except BaseException:
        workspace.close()
        raise
    return _Live(workspace, list(row.steps), ledger)


def _live(ctx: Context, row: StoredWorkspace) -> _Live:
    """The workspace's rows, kept or rebuilt; a kept one built from other steps (another
    worker changed the script) is replaced, and the one replaced is closed."""
    kept = ctx.runtime.live_workspaces
    key = (ctx.db.url, row.handle)
    found: _Live | None = kept.get(key)
    if found is not None and found.script == list(row.steps):
        return found
    built: _Live = kept.put(key, _build(ctx, row))
    return built


def _forget(ctx: Context, handle: str) -> None:
    ctx.runtime.live_workspaces.pop((ctx.db.url, handle))  # and closed


def _row(store: AnalysisStore, owner: str, handle: str, now: datetime) -> StoredWorkspace:
    row = store.workspace(handle) if isinstance(handle, str) else None
    # Compared in constant time: a handle is a capability, its owner check a secret.
    if (
        row is None
        or row.deleted_at is not None
        or not hmac.compare_digest(row.owner.encode(), owner.encode())
    ):
        raise unknown_workspace(handle)
    if row.expires_at <= now:
        raise expired_workspace(row)
    return row


def _owned(ctx: Context, owner: str, handle: str, now: datetime) -> StoredWorkspace:
    """The owner's workspace `handle` (as _row checks it), read in a transaction of its own:
    what a request on a workspace looks up before it takes the live workspace's lock."""
    with ctx.db.transaction() as session:
        return _row(AnalysisStore(session), owner, handle, now)


def _expires(limits: WorkspaceLimits, now: datetime) -> datetime:
    return now + timedelta(hours=limits.idle_hours)


@contextmanager
def _audited(
    ctx: Context, owner: str, handle: str | None, endpoint: str, request: Any
) -> Iterator[None]:
    """Audit a request that fails (a successful one writes its own entry, in its
    transaction)."""
    try:
        yield
    except RegcatError as error:
        audit_record(
            ctx,
            "request",
            owner,
            handle,
            {
                "endpoint": endpoint,
                "request": request,
                "status": error.http_status,
                "error": error.code,
            },
        )
        raise


# --- the use cases ------------------------------------------------------------------------


def create_workspace(
    ctx: Context,
    owner: str,
    datastore: str | None = None,
    version: str | None = None,
    *,
    limits: WorkspaceLimits | None = None,
    now: datetime | None = None,
) -> WorkspaceView:
    moment = _now(now)
    request = {"datastore": datastore, "version": version}
    with _audited(ctx, owner, None, "create", request):
        pinned = pinned_version(ctx, datastore, version)
        chosen = limits or WorkspaceLimits()
        handle = secrets.token_urlsafe(24)
        with ctx.db.transaction() as session:
            store = AnalysisStore(session)
            row = store.create_workspace(
                handle,
                owner,
                pinned.datastore,
                pinned.version,
                chosen.to_json(),
                moment,
                _expires(chosen, moment),
            )
            AuditLog(store).append(
                "request",
                owner,
                handle,
                {
                    "endpoint": "create",
                    "request": request,
                    "status": 201,
                    "datastore": pinned.datastore,
                    "version": pinned.version,
                },
                moment,
            )
            return _view(row, _describe_empty(pinned))


def _describe_empty(pinned: PinnedVersion) -> dict[str, Any]:
    return {
        "datastore": pinned.datastore,
        "version": pinned.version,
        "unit_type": None,
        "form": "wide",
        "panel_date": None,
        "variables": [],
        "steps": [],
    }


def _view(row: StoredWorkspace, description: dict[str, Any]) -> WorkspaceView:
    return WorkspaceView(row.handle, row.owner, row.created_at, row.expires_at, description)


def describe_workspace(
    ctx: Context, owner: str, handle: str, language: str = "nb", now: datetime | None = None
) -> WorkspaceView:
    moment = _now(now)
    with _audited(ctx, owner, handle, "describe", None):
        row = _owned(ctx, owner, handle, moment)
        live = _live(ctx, row)
        with live.lock:
            view = _view(row, live.workspace.describe(language))
        audit_record(ctx, "request", owner, handle, {"endpoint": "describe", "status": 200})
        return view


@dataclass(frozen=True)
class Population:
    """A workspace's population as it is now: its units (pseudonyms, which never leave the
    server), the steps that made it and every dataset those steps read."""

    unit_type: str
    units: np.ndarray
    steps: list[Any]
    datasets: tuple[str, ...]


def population_of(ctx: Context, owner: str, handle: str) -> Population:
    row = _owned(ctx, owner, handle, _now(None))
    live = _live(ctx, row)
    with live.lock:
        unit_type, units = live.workspace.population_units()
        return Population(
            unit_type, units, list(live.script), tuple(sorted(live.workspace.datasets_read))
        )


def add_steps(
    ctx: Context, owner: str, handle: str, raw_steps: Any, now: datetime | None = None
) -> WorkspaceView:
    moment = _now(now)
    with _audited(ctx, owner, handle, "steps", raw_steps):
        row = _owned(ctx, owner, handle, moment)
        steps = parse_steps(raw_steps)
        live = _live(ctx, row)
        with live.lock:
            live.workspace.apply(steps)
            script = [s.to_json() for s in live.workspace.steps]
            try:
                with ctx.db.transaction() as session:
                    store = AnalysisStore(session)
                    log = AuditLog(store)
                    log.lock()
                    current = _row(store, owner, handle, moment)
                    store.save_steps(handle, script)
                    limits = WorkspaceLimits.from_json(current.limits)
                    saved = store.touch(handle, moment, _expires(limits, moment))
                    log.append(
                        "request",
                        owner,
                        handle,
                        {
                            "endpoint": "steps",
                            "request": [s.to_json() for s in steps],
                            "status": 200,
                        },
                        moment,
                    )
            except BaseException:
                # The rows changed but the script did not: rebuild from the script next time.
                _forget(ctx, handle)
                raise
            live.script = script
            return _view(saved, live.workspace.describe())


def delete_workspace(ctx: Context, owner: str, handle: str, now: datetime | None = None) -> None:
    moment = _now(now)
    with _audited(ctx, owner, handle, "delete", None):
        with ctx.db.transaction() as session:
            store = AnalysisStore(session)
            log = AuditLog(store)
            log.lock()
            _row(store, owner, handle, moment)  # the owner's, and not expired
            store.delete_workspace(handle, moment)
            log.append("request", owner, handle, {"endpoint": "delete", "status": 204}, moment)
        _forget(ctx, handle)


@dataclass(frozen=True)
class Released:
    """What a statistic request returns: per controlled result what it is about, the
    result as released (with its audit id), and values computed from it alone."""

    workspace: str
    statistic: str
    items: tuple[dict[str, Any], ...]
    audit_id: str  # the request's own audit entry
    budget: BudgetState  # the project's budget after the request, and what it cost

    def to_json_dict(self) -> dict[str, Any]:
        """The answer as POST /api/v1/workspaces/{handle}/<statistic> gives it (and a
        script's output item, which must be the very same)."""
        return {
            "workspace": self.workspace,
            "statistic": self.statistic,
            "audit_id": self.audit_id,
            "results": list(self.items),
            "budget": self.budget.to_json_dict(),
        }


def _context(live: _Live, owner: str) -> ControlContext:
    workspace = live.workspace
    if live.context is None or live.context[0] != workspace.generation:
        units = workspace.control_units()
        context = ControlContext(
            parameters=workspace.parameters,
            keys=units.keys,
            ledger=live.ledger,
            project=owner,
            datastore_version=f"{workspace.version.datastore}:{workspace.version.version}",
            population=units.population,
            classes=workspace.control_classes,
        )
        live.context = (workspace.generation, context)
    return live.context[1]


def run_statistic(
    ctx: Context,
    owner: str,
    handle: str,
    statistic: str,
    request: Any,
    language: str = "nb",
    now: datetime | None = None,
) -> Released:
    moment = _now(now)
    with _audited(ctx, owner, handle, statistic, request):
        row = _owned(ctx, owner, handle, moment)
        live = _live(ctx, row)
        charged: list[str] = []  # inputs whose fees fitted: paid however the release ends
        with live.lock, _refusals_charged(ctx, live, owner, moment, charged):
            plan = live.workspace.plan(statistic, request, language)
            context = _context(live, owner)
            with ctx.db.transaction() as session:
                store = AnalysisStore(session)
                log = AuditLog(store)
                log.lock()  # first: serialises releases and audit appends
                with live.ledger.bound(store):
                    before = budget_state(context).spent
                    inputs = _inputs(row, plan, live.workspace.state.population_inputs)
                    fees = charge_inputs(context, inputs)
                    charged[:] = inputs
                    released = plan.release(context)
                    after = budget_state(context, 0)
                    budget = replace(after, cost=after.spent - before)
                items = [
                    _release_entry(log, owner, handle, statistic, item, moment) for item in released
                ]
                request_id = log.append(
                    "request",
                    owner,
                    handle,
                    {
                        "endpoint": statistic,
                        "request": request,
                        "status": 200,
                        "releases": [item["result"]["audit_id"] for item in items],
                        "budget": {"cost": budget.cost, "input_fees": fees, "spent": budget.spent},
                    },
                    moment,
                )
                current = _row(store, owner, handle, moment)
                limits = WorkspaceLimits.from_json(current.limits)
                store.touch(handle, moment, _expires(limits, moment))
            return Released(handle, statistic, tuple(items), request_id, budget)


@contextmanager
def _refusals_charged(
    ctx: Context, live: _Live, owner: str, moment: datetime, charged: Sequence[str] = ()
) -> Iterator[None]:
    """A refused statistic (422: anything output control or the engine refuses about its
    content) still pays the budget's refusal fee, in a transaction of its own: the
    refused one is rolled back, and a refusal is an answer too. A release refused after
    its input fees fitted (`charged`: min-population, say) pays them too: whether they
    are paid depends on the request and definitions only, never on what the release met
    in the data (a refusal that cost less than an answer let an attacker repeat, at the
    refusal fee, the questions whose answer is a refusal)."""
    try:
        yield
    except RegcatError as error:
        if error.http_status == 422:
            with ctx.db.transaction() as session:
                store = AnalysisStore(session)
                AuditLog(store).lock()
                with live.ledger.bound(store):
                    if charged:
                        with suppress(RegcatError):  # spent meanwhile by another request
                            charge_inputs(_context(live, owner), charged)
                    charge_refusal(live.ledger, live.workspace.parameters, owner, moment)
        raise


def _inputs(row: StoredWorkspace, plan: Planned, selected_by: Sequence[str] = ()) -> list[str]:
    """The budget's inputs of a statistic: its population and every variable it names.
    A register variable is the same input in every workspace on the same version; a derived
    variable is one per definition (a rename keeps it, a replace makes a new one); a
    population is one per table the workspace's steps made; and each group statistic the
    named variables were computed from is one, as if named (group_values.statistic_inputs),
    and so is each the population was selected by (`selected_by`: State.population_inputs,
    a filter on a variable computed from them)."""

    def named(kind: str, *parts: object) -> str:
        text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
        return f"{kind}:{hashlib.sha256(text.encode()).hexdigest()[:40]}"

    found = [named("population", row.handle, plan.population)]
    for variable in plan.variables:
        if "dataset" in variable.source:
            found.append(named("register", row.datastore, row.version, dict(variable.source)))
        else:
            found.append(named("derived", row.handle, variable.column))
    # Every group statistic a named variable was computed from is an input too
    # (output_control/group_values.py: statistic_inputs).
    carried = [g for v in plan.variables for g in v.groups] + list(selected_by)
    for kind, part in statistic_inputs(carried):
        found.append(named(kind, row.handle, part))
    return list(dict.fromkeys(found))


def _release_entry(
    log: AuditLog, owner: str, handle: str, statistic: str, item: Labelled, at: datetime
) -> dict[str, Any]:
    result = release_json(item.result)
    entry = log.append(
        "release",
        owner,
        handle,
        # `extra` (a chart, code titles: from the published values and metadata only) is
        # kept too, so that services/results.py serves the chart as it was released.
        {
            "statistic": statistic,
            "about": item.about,
            "result": result,
            "extra": item.extra,
            # What output control did that the result does not show (the steward's only).
            "steward": dict(item.result.steward),
        },
        at,
    )
    released = release_json(item.result.with_audit_id(entry))
    return {"about": item.about, "result": released, **item.extra}


def list_workspaces(ctx: Context, owner: str, now: datetime | None = None) -> list[dict[str, Any]]:
    moment = _now(now)
    audit_record(ctx, "request", owner, None, {"endpoint": "list", "status": 200})
    with ctx.db.transaction() as session:
        rows = AnalysisStore(session).workspaces_of(owner)
        return [
            {
                "workspace": r.handle,
                "datastore": r.datastore,
                "version": r.version,
                "steps": len(r.steps),
                "created_at": r.created_at,
                "expires_at": r.expires_at,
                "expired": r.expires_at <= moment,
            }
            for r in rows
        ]
