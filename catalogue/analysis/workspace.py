"""A workspace: a private DuckDB database over one pinned datastore version, holding the
linked rows its steps built. It lives on the server; clients hold only an opaque handle.

Atomicity: a request's steps run inside one DuckDB transaction, each building a new table
from the previous one; the Python-side state (schema, table name) is adopted only after the
transaction commits. Any error, a time-out or running out of memory rolls everything back,
so a failing step list leaves the workspace exactly as it was.

Limits: the database has its own memory limit and a private spill folder of bounded size;
each request runs under a wall-clock limit after which DuckDB is interrupted."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow.dataset as pads

from catalogue.domain.enums import Temporality
from catalogue.domain.errors import RegcatError, invalid_input
from catalogue.domain.text import pick

from . import db
from .facts_cache import FactsMemory, cached_facts
from .facts_cache import facts_memory as facts_memory_of
from .limits import WorkspaceLimits, memory_limit_error, time_limit_error, too_many
from .output_control import KeySource, OutputControlParameters, PositionKeys
from .output_control.cores import MAX_CLASSES, UnitClasses
from .output_control.group_values import SharedValues
from .sources import DatasetFacts, DatasetSource, PinnedVersion, YearRange
from .state import State, StepContext
from .statistic import find
from .statistics.shared.common import DataView, Planned, Prepared
from .step import Step, at_step
from .steps.generate import Generate, apply_generate
from .steps.import_dataset import Import
from .steps.shared.importing import (
    IMPORT_NOT_ONE_VALUE,
    PendingJoin,
    join_pending,
    plan_import,
)
from .unit_keys.rows import RowKeys, find_row_keys
from .unit_keys.store import KeyCache
from .variables import UNIT_COLUMN, Kind

MIB = 1024 * 1024
MEMO_ENTRIES = 256  # read-only query answers a workspace keeps (Workspace._query_memo)


@dataclass(frozen=True)
class ControlUnits:
    """What output control needs about the current rows: the population (distinct
    protected units), the keys of every unit a statistic may name, and each row's units'
    positions among those keys."""

    population: np.ndarray
    keys: KeySource
    rows: RowKeys


def _share_units(classes: UnitClasses, known: Sequence[np.ndarray]) -> None:
    """Most variables have a value for every unit, so their classes name the same sorted
    units: one array for all of them (and the population) rather than one each."""
    for units in known:
        if units is classes.units:
            return
        if len(units) == len(classes.units) and np.array_equal(units, classes.units):
            classes.units = units
            return


def computation_failed() -> RegcatError:
    # DuckDB's own message can quote values from the data, so it is not passed on.
    return invalid_input("computation-failed")


class Workspace:
    def __init__(
        self,
        version: PinnedVersion,
        *,
        limits: WorkspaceLimits | None = None,
        parameters: OutputControlParameters | None = None,
        key_cache: KeyCache | None = None,
        scratch: Path | None = None,
        facts_folder: Path | None = None,
        facts_memory: FactsMemory | None = None,
        shared_values: SharedValues | None = None,
    ) -> None:
        self.version = version
        # The datastore's shared ledger for group statistics (output_control/group_values.py)
        self.shared_values = shared_values
        self.limits = limits or WorkspaceLimits()
        self.parameters = parameters or OutputControlParameters.defaults()
        self.key_cache = key_cache
        self.facts_folder = facts_folder  # where facts about released files are kept
        # ... and in memory: the runtime's, shared by its catalogue's workspaces
        self.facts_memory = facts_memory if facts_memory is not None else facts_memory_of(64)
        self.state = State()
        self.steps: list[Step] = []
        self.generation = 0  # bumped by every successful request that changed the rows
        self._spill = Path(tempfile.mkdtemp(prefix="regcat-workspace-", dir=scratch))
        # The spill folder goes with the workspace even if close() is never called.
        weakref.finalize(self, shutil.rmtree, self._spill, True)
        self.con = duckdb.connect(":memory:", config=self._config())
        self.con.execute("SET enable_progress_bar = false")  # a server's queries print nothing
        self._tables = 0
        self._registered: dict[tuple[str, ...], str] = {}
        self._control: tuple[int, ControlUnits] | None = None
        self._classes: tuple[tuple[object, ...], list[UnitClasses]] | None = None
        # Per column its classes (None: too many values), for the rows of (generation, table).
        self._class_columns: tuple[tuple[int, str | None], dict[str, UnitClasses | None]] = (
            (-1, None),
            {},
        )
        # Answers to read-only queries of the rows (DataView.memo), for (generation, table).
        self._memo: tuple[tuple[int, str | None], dict[object, Any]] = ((-1, None), {})
        self._timed_out = False
        # Every dataset the steps read (imports, the links they went through): whoever
        # keeps a register among them had a say in who the population is.
        self.datasets_read: frozenset[str] = frozenset()
        self._reading: set[str] = set()

    def _config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "memory_limit": f"{max(64, self.limits.memory_bytes // MIB)}MiB",
            "temp_directory": str(self._spill),
            "max_temp_directory_size": f"{max(1, self.limits.spill_bytes // MIB)}MiB",
            # Statistics never depend on row order (output control makes them invariant),
            # so DuckDB need not keep it.
            "preserve_insertion_order": False,
            # Memory DuckDB frees (a join's hash tables, a table dropped or compressed) goes
            # back to the system rather than staying with its allocator: without it a
            # workspace's process kept its largest query's memory for good.
            "allocator_background_threads": True,
        }
        if self.limits.threads:
            config["threads"] = self.limits.threads
        return config

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            shutil.rmtree(self._spill, ignore_errors=True)

    # --- reading the pinned version ------------------------------------------------------

    def scan(self, dataset: DatasetSource, years: YearRange | None = None) -> str:
        self._reading.add(dataset.name)
        paths = dataset.paths_for_years(years) or dataset.paths
        if self.version.is_local:
            listed = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
            return f"read_parquet([{listed}], hive_partitioning = false)"
        # Object storage: pyarrow reads through the catalogue's file system, DuckDB scans
        # the Arrow dataset (with projection and filter pushdown).
        if paths not in self._registered:
            name = f"source_{len(self._registered) + 1}"
            self.con.register(name, pads.dataset(list(paths), filesystem=self.version.filesystem))
            self._registered[paths] = name
        return self._registered[paths]

    def facts(self, dataset: DatasetSource) -> DatasetFacts:
        def compute() -> DatasetFacts:
            source = self.scan(dataset)
            first, last, last_stop = db.one(
                self.con, f"SELECT MIN(start), MAX(start), MAX(stop) FROM {source}"
            )
            status_dates: tuple[Any, ...] = ()
            if dataset.metadata.temporality == Temporality.STATUS:
                rows = db.rows(self.con, f"SELECT DISTINCT start FROM {source} ORDER BY 1")
                status_dates = tuple(r[0] for r in rows if r[0] is not None)
            return DatasetFacts(first, last, last_stop, status_dates)

        return cached_facts(dataset.paths, self.facts_folder, compute, self.facts_memory)

    # --- applying steps ---------------------------------------------------------------

    def _new_table(self) -> str:
        self._tables += 1
        return f"t{self._tables}"

    def _step_context(self) -> StepContext:
        return StepContext(
            con=self.con,
            version=self.version,
            scan=self.scan,
            parameters=self.parameters,
            limits=self.limits,
            new_table=self._new_table,
            facts=self.facts,
            locate_units=self._locate_units if self.key_cache is not None else None,
            shared_values=self.shared_values,
        )

    def _locate_units(self, pseudonyms: np.ndarray) -> tuple[PositionKeys, np.ndarray]:
        """The key store and the positions of these units in it, keying those it lacks.
        (Inside a step's transaction rows have no lasting rowids: units are found by their
        pseudonyms, once per aggregate or collapse.)"""
        assert self.key_cache is not None
        units = np.asarray(pseudonyms, dtype=np.int64)
        for _ in range(3):  # a store started again meanwhile numbers anew: try again
            snapshot = self.key_cache.snapshot()
            at = snapshot.locate(units)
            if np.any(at < 0):
                grown = self.key_cache.add_units(units[at < 0])
                if grown.store_id != snapshot.store_id:
                    continue
                snapshot, at = grown, grown.locate(units)
            return PositionKeys(snapshot.arrays), at.astype(np.int64)
        raise RuntimeError("the key store kept changing while units were keyed")

    def apply(self, steps: Sequence[Step]) -> None:
        """All the steps, or none of them."""
        if len(self.steps) + len(steps) > self.limits.max_steps:
            raise too_many("workspace-too-many-steps", "steg", "steps", self.limits.max_steps)
        ctx = self._step_context()
        self._reading = set(self.datasets_read)
        with self.deadline():
            self.con.execute("BEGIN TRANSACTION")
            try:
                state = self._run_steps(ctx, self.state, steps)
                self._drop_all_but(state.table)
                if self._timed_out:  # the limit passed between two queries: do not commit
                    raise time_limit_error(self.limits.seconds_per_request)
                self.con.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        changed_rows = state.table != self.state.table
        self.state = state
        self.steps.extend(steps)
        self.datasets_read = frozenset(self._reading)
        if changed_rows:
            self.generation += 1
        if steps:
            self._compact()

    def _compact(self) -> None:
        """A checkpoint of the committed rows: DuckDB then keeps the table compressed and
        folds in the columns steps added in place, whose values it otherwise keeps as
        updates beside the table (at a million persons and bench/models.py's ten variables,
        145 MiB before, 21 MiB after). Rows are never deleted, so the checkpoint keeps every
        rowid and the units' keys found by rowid (unit_keys/rows.py) stay right. A failure
        leaves the rows as they were, uncompressed: that only costs memory."""
        with contextlib.suppress(duckdb.Error):
            self.con.execute("CHECKPOINT")

    def _run_steps(self, ctx: StepContext, state: State, steps: Sequence[Step]) -> State:
        """Each step in turn; consecutive imports after the first are joined in one pass,
        which also computes a new variable generated right after them."""
        pending: list[PendingJoin] = []
        last_import = 0
        for index, step in enumerate(steps):
            try:
                following = steps[index + 1] if index + 1 < len(steps) else None
                if isinstance(step, Import):
                    joins_follow = isinstance(following, Import)
                    state, pending = plan_import(ctx, state, step, pending, joins_follow)
                    last_import = index
                elif isinstance(step, Generate) and pending:
                    state = self._generate_in_join(ctx, state, step, pending, steps, last_import)
                    pending = []
                else:
                    state = join_pending(ctx, state, pending)
                    pending = []
                    state = step.apply(ctx, state)
                if len(state.schema) > self.limits.max_variables:
                    raise too_many(
                        "workspace-too-many-variables",
                        "variabler",
                        "variables",
                        self.limits.max_variables,
                    )
                joins_later = isinstance(following, Import) or (
                    isinstance(following, Generate) and not following.replace
                )
                if pending and not joins_later:
                    state = join_pending(ctx, state, pending)
                    pending = []
            except RegcatError as error:
                if "step" in error.details:  # already says which step it is about
                    raise
                raise at_step(error, index, step.to_json()) from None
        return state

    @staticmethod
    def _generate_in_join(
        ctx: StepContext,
        state: State,
        step: Generate,
        pending: Sequence[PendingJoin],
        steps: Sequence[Step],
        last_import: int,
    ) -> State:
        """A generate computed in the pass that joins the imports before it; the join's own
        refusal still names the import."""
        try:
            return apply_generate(ctx, state, step, pending)
        except RegcatError as error:
            if error.code != IMPORT_NOT_ONE_VALUE:
                raise
            raise at_step(error, last_import, steps[last_import].to_json()) from None

    def _drop_all_but(self, keep: str | None) -> None:
        views = db.rows(
            self.con,
            "SELECT view_name FROM duckdb_views() WHERE database_name = 'memory' AND NOT internal",
        )
        for (name,) in views:
            self.con.execute(f'DROP VIEW "{name}"')
        rows = db.rows(
            self.con, "SELECT table_name FROM duckdb_tables() WHERE database_name = 'memory'"
        )
        for (name,) in rows:
            if name != keep:
                self.con.execute(f'DROP TABLE "{name}"')

    def _rollback(self) -> None:
        with contextlib.suppress(duckdb.Error):  # the transaction was already aborted
            self.con.execute("ROLLBACK")

    @contextmanager
    def deadline(self) -> Iterator[None]:
        """The request's time limit, and DuckDB's limits turned into our errors."""
        seconds = self.limits.seconds_per_request
        self._timed_out = False

        def interrupt() -> None:
            self._timed_out = True
            self.con.interrupt()

        timer = threading.Timer(seconds, interrupt)
        timer.daemon = True
        timer.start()
        try:
            yield
        except duckdb.InterruptException:
            raise time_limit_error(seconds) from None
        except duckdb.OutOfMemoryException:
            raise memory_limit_error() from None
        except duckdb.IOException as error:
            if "temp" in str(error).lower() or "disk" in str(error).lower():
                raise memory_limit_error() from None
            raise
        except (
            duckdb.ConversionException,
            duckdb.InvalidInputException,
            duckdb.OutOfRangeException,
        ):
            raise computation_failed() from None
        finally:
            timer.cancel()
        if self._timed_out:
            raise time_limit_error(seconds)

    # --- what statistics and output control read -------------------------------------

    def control_units(self) -> ControlUnits:
        """The population and the keys of its units, found once per generation of rows
        (see unit_keys/rows.py)."""
        if self._control is not None and self._control[0] == self.generation:
            return self._control[1]
        if self.key_cache is None:
            raise RuntimeError("a workspace needs a key cache to release statistics")
        rows = find_row_keys(self.con, self.state.require_population(), self.key_cache)
        population = rows.protected_positions
        if len(population) and int(population.min()) < 0:  # rows without a protected unit
            population = population[population >= 0]
        if not self.state.unique_protected:
            population = np.unique(population)
        found = ControlUnits(population, PositionKeys(rows.snapshot.arrays), rows)
        self._control = (self.generation, found)
        return found

    def control_classes(self) -> list[UnitClasses]:
        """The classes of every variable with at most MAX_CLASSES values, one value per
        unit (a code, true/false, missing as a class of its own): the sets output control
        meets a count cell with to find its small cores (output_control/cores.py). Found
        once per generation of rows, when a count table first asks.

        Each column's classes are kept while the rows are the same table of the same
        generation: a step that adds a variable adds its column to the table in place and
        no step writes to a column it did not add (steps/shared/columns.py; every other
        step makes a new table), and a column's name is never used twice in a workspace
        (Schema.fresh_column). So a request that adds one variable reads that column
        alone, not all of them again (two queries per variable, a third of a red-team
        table request's time)."""
        units = self.control_units()
        table = self.state.require_population()
        # Steps that add a variable keep the generation (the rows' units are the same).
        mark = (self.generation, table, tuple((v.column, v.name) for v in self.state.schema))
        if self._classes is not None and self._classes[0] == mark:
            return self._classes[1]
        rows = (self.generation, table)
        known = self._class_columns[1] if self._class_columns[0] == rows else {}
        variables = [v for v in self.state.schema if v.kind is not Kind.UNIT]
        fresh = [v for v in variables if v.column not in known]
        for variable in fresh:
            # One column at a time: a distinct count holds every value of its column.
            (distinct,) = db.one(
                self.con, f'SELECT COUNT(DISTINCT "{variable.column}") FROM "{table}"'
            )
            known[variable.column] = (
                self._column_classes(units, table, variable.column, variable.name)
                if int(distinct) + 1 <= MAX_CLASSES  # + 1: missing may be a class too
                else None
            )
        found: list[UnitClasses] = []
        for variable in variables:
            classes = known[variable.column]
            if classes is not None:
                _share_units(classes, [units.population] + [c.units for c in found])
                # Renamed since (the column is the same): the same classes, named anew.
                same_name = classes.name == variable.name
                found.append(classes if same_name else replace(classes, name=variable.name))
        # Only the columns the rows still hold are kept (a replaced one is dropped).
        held = {v.column for v in variables}
        self._class_columns = (rows, {c: k for c, k in known.items() if c in held})
        self._classes = (mark, found)
        return found

    def _column_classes(
        self, units: ControlUnits, table: str, column: str, name: str
    ) -> UnitClasses | None:
        fetched = db.arrays(
            self.con,
            f'SELECT rowid AS r, DENSE_RANK() OVER (ORDER BY "{column}" NULLS LAST) AS c '
            f'FROM "{table}"',
        )
        # A row without a protected unit is nobody's (as in control_units).
        owners = units.rows.protected_positions[np.asarray(fetched["r"], dtype=np.int64)]
        kept = owners >= 0
        return UnitClasses.of(name, owners[kept], np.asarray(fetched["c"])[kept])

    def _query_memo(self) -> dict[object, Any]:
        """What statistics may keep of their read-only queries (DataView.memo), for the rows
        as they are. Kept while the rows are the same table of the same generation, as
        control_classes keeps its columns: a step adds a column in place or makes a new
        table (whose name is never used again in the workspace), writes to no column it did
        not add, and a column's name is never used twice; so a query that names the table
        and its columns has the same answer until then. At most MEMO_ENTRIES answers."""
        rows = (self.generation, self.state.table)
        if self._memo[0] != rows or len(self._memo[1]) >= MEMO_ENTRIES:
            self._memo = (rows, {})
        return self._memo[1]

    def population_units(self) -> tuple[str, np.ndarray]:
        """(unit type, distinct unit pseudonyms) of the population. Server-side only: it cuts
        an approved export down to the persons the researcher analysed."""
        table = self.state.require_population()
        units = db.arrays(self.con, f'SELECT DISTINCT "{UNIT_COLUMN}" AS u FROM "{table}"')["u"]
        unit_type = self.state.schema.unit_type
        assert unit_type is not None, "a workspace with a population has a unit type"
        return unit_type, np.asarray(units, dtype=np.int64)

    def prepare(self, statistic: str, request: Any, language: str = "nb") -> Prepared:
        """Phase 1 of a statistic: read what it needs (see statistics/shared/common.py)."""
        return self.plan(statistic, request, language).plan

    def plan(self, statistic: str, request: Any, language: str = "nb") -> Planned:
        """`prepare`, with the inputs the statistic read (for the budget's input fees)."""
        run = find(statistic).prepare
        if not isinstance(request, dict):
            raise invalid_input("invalid-request")
        with self.deadline():
            units = self.control_units()  # refuses a workspace without a population
            view = DataView(
                self.con,
                self.state,
                self.limits,
                self.parameters,
                units.rows,
                memo=self._query_memo(),
            )
            plan = run(view, request, language)
            return Planned(plan, tuple(view.named.values()), view.table)

    def describe(self, language: str = "nb") -> dict[str, Any]:
        variables = []
        for variable in self.state.schema:
            entry = variable.describe()
            dataset = self.version.datasets.get(str(variable.source.get("dataset", "")))
            if dataset is not None:
                entry["label"] = pick(dataset.metadata.label, language)
            variables.append(entry)
        return {
            "datastore": self.version.datastore,
            "version": self.version.version,
            "unit_type": self.state.schema.unit_type,
            "form": "panel" if self.state.is_panel else "wide",
            "panel_date": self.state.schema.panel_date,
            "variables": variables,
            "steps": [step.to_json() for step in self.steps],
        }
