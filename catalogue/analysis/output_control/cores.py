"""Small cores of count cells, for rules/core_sharing.py (conformance case 22).

A cell S's cores are the small parts it shares with, or keeps apart from, a released set
R: S ∩ R, S ∖ R and R ∖ S whose perturbed counts lie in 1 … core_below − 1. The ledger keeps
fingerprints, not units, and a small intersection of two large sets cannot be read from
fingerprints (their difference is large), so the sets R met here are those the workspace
can name: each class of one of its variables (a code, true/false, a value of a variable
with few values) whose unit set the ledger holds as released, by any project. That is
where a padding attack's other petals live when they are asked from one workspace (the
variables x_j = A_j or G) and where its base lives (`kommune`, when the petals lie in one
municipality and G outside it).

Cost: one pass over the table's (cell, unit) pairs per variable, a fingerprint per class
(once per workspace generation) and one ledger look-up per class and per small core: none
grows with the number of registered sets (§1.10).

Sets no class of the workspace names (parts asked from fresh workspaces) are met through the
ledger's per-unit holder samples instead (CoreCheck, kernels.ledger_kernels): one sample
row looked up per unit of the table, and a holder record per published cell for the units
whose sample it enters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from . import kernels
from .cell_key import KeySource
from .fingerprint import FingerprintTable, SetFingerprint, fingerprint_table, splitmix64
from .guard_index import holder_hash
from .kernels import KernelCandidates, ledger_kernels
from .ledger import (
    CORE_MEASURE,
    COUNT_MEASURE,
    ReleasedSet,
    ReleaseLedger,
    holder_set,
    set_key,
    set_keys,
)
from .rules.cell_key_noise import CellKeyNoise, CountsWithKeys
from .rules.core_sharing import CoreCounts, CoreSharing
from .rules.threshold import Threshold
from .unit_sets import CellTotals

if TYPE_CHECKING:
    from .release import ResultBuilder

# Variables with more classes than this are not looked at (a value of a continuous variable
# names few units; a table of it shows only the common ones).
MAX_CLASSES = 64


@dataclass(eq=False)
class UnitClasses:
    """One variable's classes over the workspace's units: per unit (sorted, distinct; the
    identifiers a CountTable's `units` use) the class it is in."""

    name: str
    units: np.ndarray  # int64, sorted, distinct
    codes: np.ndarray  # int64 in [0, n_codes)
    n_codes: int
    _keyed: tuple[KeySource, FingerprintTable, np.ndarray, np.ndarray] | None = field(
        default=None, repr=False
    )
    _dense: np.ndarray | None = field(default=None, repr=False)
    _hashed: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def _hashes(self) -> tuple[np.ndarray, np.ndarray]:
        if self._hashed is None:
            hashes = kernels.unit_hashes(self.units)
            self._hashed = hashes, kernels.class_keys(self.codes, hashes, self.n_codes)
        return self._hashed

    def unit_hashes(self) -> np.ndarray:
        """Each unit's hash (kernels.unit_hashes), in `units` order (kept)."""
        return self._hashes()[0]

    def class_keys(self) -> np.ndarray:
        """Each class's key of its unit set (kernels.class_keys; kept): equal for copies."""
        return self._hashes()[1]

    def _keys(self, keys: KeySource) -> tuple[KeySource, FingerprintTable, np.ndarray, np.ndarray]:
        if self._keyed is None or self._keyed[0] is not keys:
            found = keys.locate(self.units).keys()
            table = fingerprint_table(self.codes, found.set_ids, self.n_codes)
            sums = np.bincount(
                self.codes, weights=found.record_keys.astype(np.float64), minlength=self.n_codes
            )
            self._keyed = (keys, table, sums, found.set_ids)
        return self._keyed

    def fingerprints(self, keys: KeySource) -> FingerprintTable:
        """Each class's unit set, fingerprinted (kept for the same key source)."""
        return self._keys(keys)[1]

    def key_sums(self, keys: KeySource) -> np.ndarray:
        """Each class's sum of record keys."""
        return self._keys(keys)[2]

    def code_of(self, units: np.ndarray) -> np.ndarray:
        """Each unit's class, −1 for a unit the variable does not hold."""
        if self._dense is None:
            top = int(self.units[-1]) if len(self.units) else -1
            if (
                int(self.units[0] if len(self.units) else 0) >= 0
                and top < 4 * len(self.units) + 1024
            ):
                # Key positions (a workspace's units) are small integers: one array look-up.
                dense = np.full(top + 1, -1, dtype=np.int64)
                dense[self.units] = self.codes
                self._dense = dense
            else:
                self._dense = np.zeros(0, dtype=np.int64)
        if len(self._dense):
            found = np.full(len(units), -1, dtype=np.int64)
            ok = (units >= 0) & (units < len(self._dense))
            found[ok] = self._dense[units[ok]]
            return found
        at = np.searchsorted(self.units, units)
        ok = at < len(self.units)
        ok[ok] = self.units[at[ok]] == units[ok]
        return np.where(ok, self.codes[np.minimum(at, max(len(self.units) - 1, 0))], -1)

    def set_ids(self, keys: KeySource) -> np.ndarray:
        """Each unit's set id, in `units` order."""
        return self._keys(keys)[3]

    @classmethod
    def of(cls, name: str, units: np.ndarray, values: np.ndarray) -> UnitClasses | None:
        """From one value per unit (rows repeating a unit with the same value are one);
        None when a unit has two values or there are more than MAX_CLASSES."""
        units = np.asarray(units, dtype=np.int64)
        _, codes = np.unique(np.asarray(values), return_inverse=True)
        codes = codes.reshape(-1).astype(np.int64)
        n_codes = int(codes.max()) + 1 if len(codes) else 0
        if n_codes > MAX_CLASSES or n_codes < 2:
            return None
        order = np.lexsort((codes, units))
        units, codes = units[order], codes[order]
        first = np.ones(len(units), dtype=bool)
        first[1:] = (units[1:] != units[:-1]) | (codes[1:] != codes[:-1])
        units, codes = units[first], codes[first]
        if len(units) > 1 and bool(np.any(units[1:] == units[:-1])):
            return None  # a unit in two classes: not a variable of the unit
        return cls(name, units, codes, n_codes)


@dataclass(frozen=True)
class CellCores:
    """Per cell: the keys of its small cores (empty for a cell not published) and, per
    core, what answering the cell without it changes: (count, key sum) to add, negative for
    a core inside the cell (S ∩ R, S ∖ R), positive for one beyond it (R ∖ S)."""

    cores: Sequence[Sequence[str]]
    deltas: Sequence[Sequence[tuple[int, int]]] = ()
    # Per cell: what answering it without its shared kernel changes (kernels.py's sense:
    # a set of any size that `witnesses` or more registered classes forming a sunflower
    # meet the cell in), or None.
    kernels: Sequence[tuple[int, int] | None] = ()


def find_cores(
    index: np.ndarray,
    units: np.ndarray,
    n_cells: int,
    published: Sequence[bool],
    classes: Sequence[UnitClasses],
    keys: KeySource,
    ledger: ReleaseLedger,
    noise: CellKeyNoise,
    core_below: int,
    blocks: Sequence[tuple[np.ndarray, int]] = (),
    witnesses: int = 0,
) -> CellCores:
    """The small cores of each published cell against the registered classes. `index` gives
    each row its cell among the first `n_cells`; `blocks`, when the table has margins and no
    unit is in two of those cells, gives per margin block each of those cells' cell in the
    block (and the block's size): a block's cells follow the first `n_cells` in order, and
    each is the union of the cells it is made of. A margin aggregates its units as a cell
    does (principle 6), so it is met with the registered classes like one: its counts are
    summed from the cells' (no pass over the rows), and the rows are read again only for
    the few small cores found.

    `witnesses` > 0: also each published cell's *shared kernel* of any size (kernels.py):
    a set K, not small, that `witnesses` or more registered classes meet the cell in
    (K = S ∩ R, or K = R ∖ S beyond it) while they form a sunflower among themselves."""
    cell = np.asarray(index, dtype=np.int64)
    unit = np.asarray(units, dtype=np.int64)
    where = keys.locate(unit)
    if not where.distinct():  # rows repeating a unit: each (cell, unit) once, sorted
        order = np.lexsort((unit, cell))
        cell, unit = cell[order], unit[order]
        first = np.ones(len(cell), dtype=bool)
        first[1:] = (cell[1:] != cell[:-1]) | (unit[1:] != unit[:-1])
        cell, unit = cell[first], unit[first]
        where = keys.locate(unit)
    located = where.keys()
    record_keys = located.record_keys.astype(np.float64)
    set_ids = located.set_ids
    sizes = np.bincount(cell, minlength=n_cells)
    key_sums = np.bincount(cell, weights=record_keys, minlength=n_cells)
    views = [_View(0, n_cells, None, cell)]
    for target, size in blocks:
        views.append(_View(views[-1].offset + views[-1].size, size, target, cell))
    n_total = views[-1].offset + views[-1].size
    shown = np.asarray(published, dtype=bool)
    reach = core_below + noise.parameters.max_noise  # exact counts a perturbed < core_below needs
    owners: list[int] = []  # per core found: its cell
    deltas: list[tuple[int, int]] = []  # per core found: (count, key sum) answering without it
    members: list[np.ndarray] = []  # set ids of the cores' units, in batches
    member_of: list[np.ndarray] = []  # for each of those units, its core (index in owners)
    large = KernelCandidates(n_total) if witnesses > 0 else None
    for v, found in enumerate(classes):
        registered = _registered(found, keys, ledger)
        if not registered.any():
            continue
        code = found.code_of(unit)
        n = found.n_codes
        inside = code >= 0
        flat = cell[inside] * n + code[inside]
        met = np.bincount(flat, minlength=n_cells * n).reshape(n_cells, n)
        met_keys = np.bincount(flat, weights=record_keys[inside], minlength=n_cells * n)
        met_keys = met_keys.reshape(n_cells, n)
        # The class beyond the cell: a set released before that holds the core apart from
        # this cell (A ∪ G before A ∪ B: G is what the earlier set holds beyond the new).
        whole = np.bincount(found.codes, minlength=n)
        whole_keys = found.key_sums(keys)
        for view in views:
            v_met, v_keys = view.summed(met), view.summed(met_keys)
            v_sizes, v_sums = view.summed(sizes), view.summed(key_sums)
            v_shown = shown[view.offset : view.offset + view.size]
            for kind, counts, sums in (
                ("in", v_met, v_keys),
                ("out", v_sizes[:, None] - v_met, v_sums[:, None] - v_keys),
                ("beyond", whole[None, :] - v_met, whole_keys[None, :] - v_keys),
            ):
                usable = v_shown[:, None] & registered[None, :]
                near = (counts >= 1) & (counts < reach) & usable
                cs, xs = np.nonzero(near)
                noised = noise.apply(
                    CountsWithKeys(
                        counts[cs, xs].astype(np.int64), np.rint(sums[cs, xs]).astype(np.int64)
                    )
                )
                values = np.array([int(d.value or 0) for d in noised], dtype=np.int64)
                if large is not None and kind != "out":
                    # Kernels: every other proper intersection (not small, not empty).
                    below = values < core_below
                    large.meet(
                        v, view.offset, kind == "in", counts, sums, v_met, v_sizes, whole,
                        usable, (cs[below], xs[below]),
                    )  # fmt: skip
                if not len(cs):
                    continue
                small = (values >= 1) & (values < core_below)
                cs, xs = cs[small], xs[small]
                sign = 1 if kind == "beyond" else -1
                deltas.extend(
                    zip(
                        (sign * counts[cs, xs]).astype(np.int64).tolist(),
                        (sign * np.rint(sums[cs, xs])).astype(np.int64).tolist(),
                        strict=True,
                    )
                )
                if kind == "in":
                    # All at once: each row of a small (cell, class) pair goes to its core.
                    flat_v = view.row_cells()[inside] * n + code[inside]
                    slot = np.full(view.size * n, -1, dtype=np.int64)
                    slot[cs * n + xs] = np.arange(len(cs)) + len(owners)
                    at = np.full(len(cell), -1, dtype=np.int64)
                    at[inside] = slot[flat_v]
                    picked = at >= 0
                    owners.extend((cs + view.offset).tolist())
                    member_of.append(at[picked])
                    members.append(set_ids[picked])
                    continue
                for c, x in zip(cs.tolist(), xs.tolist(), strict=True):
                    part = view.rows_of(c)
                    if kind == "beyond":
                        held = found.codes == x
                        ids = found.set_ids(keys)[held]
                        ids = ids[~np.isin(found.units[held], unit[part])]
                    else:
                        ids = set_ids[part][code[part] != x]
                    member_of.append(np.full(len(ids), len(owners), dtype=np.int64))
                    owners.append(c + view.offset)
                    members.append(ids)
    cores: list[list[str]] = [[] for _ in range(n_total)]
    changes: list[list[tuple[int, int]]] = [[] for _ in range(n_total)]
    kernels = large.kernels(classes, witnesses) if large is not None else []
    if owners:
        keyed = core_keys(np.concatenate(member_of), np.concatenate(members), len(owners))
        for c, key, delta in zip(owners, keyed, deltas, strict=True):
            if key not in cores[c]:
                cores[c].append(key)
                changes[c].append(delta)
    return CellCores(cores, changes, kernels)


_CORE_SALT = np.uint64(0x6A09E667F3BCC909)


def core_keys(core: np.ndarray, set_ids: np.ndarray, n_cores: int) -> list[str]:
    """A key per core from its units' set ids alone (keyed hashes, so a core's key is the
    same in every request and workspace): their xor, their sum mod 2⁶⁴ and their number,
    mixed. One pass, whatever the number of cores (a fingerprint each would cost 3 KB)."""
    order = np.argsort(core, kind="stable")
    ids = np.asarray(set_ids, dtype=np.uint64)[order]
    starts = np.searchsorted(core[order], np.arange(n_cores))
    xor = np.bitwise_xor.reduceat(ids, starts) if len(ids) else np.zeros(n_cores, np.uint64)
    total = np.add.reduceat(ids, starts) if len(ids) else np.zeros(n_cores, np.uint64)
    sizes = np.bincount(core, minlength=n_cores).astype(np.uint64)
    mixed = splitmix64(xor ^ splitmix64(total ^ splitmix64(sizes ^ _CORE_SALT)))
    return [f"{int(k):016x}" for k in mixed]


class _View:
    """One block of a table's cells (the interior, or a margin block) as find_cores meets
    them: `target` maps each interior cell to its cell in the block (None: the interior)."""

    def __init__(self, offset: int, size: int, target: np.ndarray | None, cell: np.ndarray):
        self.offset, self.size, self.target, self._cell = offset, size, target, cell
        self._rows: _RowsByCell | None = None

    def summed(self, per_cell: np.ndarray) -> np.ndarray:
        """Per block cell, the sum over the interior cells it is made of (rows: cells)."""
        if self.target is None:
            return per_cell
        out = np.zeros((self.size, *per_cell.shape[1:]), dtype=np.float64)
        np.add.at(out, self.target, per_cell)
        return out.astype(per_cell.dtype)

    def row_cells(self) -> np.ndarray:
        """Each row's cell in this block."""
        return self._cell if self.target is None else self.target[self._cell]

    def rows_of(self, c: int) -> np.ndarray:
        if self._rows is None:
            self._rows = _RowsByCell(self.row_cells())
        return self._rows(c)


class _RowsByCell:
    """The rows of one cell at a time, sorting (once) only when first asked: most tables
    have no small core at all."""

    def __init__(self, cell: np.ndarray) -> None:
        self.cell = cell
        self._order: np.ndarray | None = None
        self._starts: np.ndarray | None = None

    def __call__(self, c: int) -> np.ndarray:
        if self._order is None or self._starts is None:
            self._order = np.argsort(self.cell, kind="stable")
            self._starts = np.searchsorted(self.cell[self._order], np.arange(self.cell.max() + 2))
        return self._order[self._starts[c] : self._starts[c + 1]]


def _registered(found: UnitClasses, keys: KeySource, ledger: ReleaseLedger) -> np.ndarray:
    """Per class whether its unit set is registered (released, by any project)."""
    table = found.fingerprints(keys)
    out = np.zeros(found.n_codes, dtype=bool)
    for x in range(found.n_codes):
        fp = table[x]
        if fp.size == 0:
            continue
        out[x] = any(r.fingerprint.same_set(fp) for r in ledger.near(fp, 1))
    return out


def held_elsewhere(
    found: CellCores, sets: Sequence[SetFingerprint | None], ledger: ReleaseLedger
) -> CoreCounts:
    """Per cell, for each core, how many released sets other than the cell's own held it."""
    held: list[list[int]] = []
    for cores, fp in zip(found.cores, sets, strict=True):
        # set_key hashes the whole set: only worth it for a cell that has a core (most have none;
        # 327,184 calls took a third of a presence attack's CPU).
        own = set_key(fp) if fp is not None and cores else ""
        held.append([len(h) - (own in h) for h in (ledger.core_holders(k) for k in cores)])
    return CoreCounts(held)


def registered_count(fp: SetFingerprint, ledger: ReleaseLedger) -> float | None:
    """The count published for this very set before (a repeat), or None."""
    for r in ledger.near(fp, 1):
        if r.measure == COUNT_MEASURE and r.published is not None and r.fingerprint.same_set(fp):
            return r.published
    return None


def core_records(
    found: CellCores, sets: Sequence[SetFingerprint | None], published: Sequence[bool]
) -> list[ReleasedSet]:
    """What the ledger keeps of the cores of the cells published: one entry per core and
    set (the set's fingerprint under the core's key)."""
    return [
        ReleasedSet(CORE_MEASURE, key, fp)
        for cores, fp, shown in zip(found.cores, sets, published, strict=True)
        if shown and fp is not None
        for key in cores
    ]


class CoreCheck:
    """The core-sharing rule over a count table's cells, margins included (`blocks`, see
    find_cores; or, when a unit is in two interior cells, `index` over every cell and
    `overlapping` the margin blocks after the interior), around the other count rules. Before them: `withheld` (per cell, the rule's reason or None: the `withhold`
    answer), `adjusted` (the cells' totals, each cell over an over-held core counted
    without it: the `without-core` answer) and `registered` (per cell, the count published
    for the very same set before, or None). After them: `hold` records the cores of the
    cells that ended up published.

    A cell over an over-held core whose set was published before, before or after the core
    became one, is a repeat: it gets the count published then (principle 4), never a new
    decision."""

    def __init__(
        self,
        out: ResultBuilder,
        index: np.ndarray,
        units: np.ndarray,
        sets: Sequence[SetFingerprint | None],
        sizes: Sequence[int],
        blocks: Sequence[tuple[np.ndarray, int]] = (),
        overlapping: Sequence[tuple[np.ndarray, int]] = (),
    ) -> None:
        self.out = out
        self.sets = list(sets)
        context = out.context
        rule = out.rule(CoreSharing)
        published = [n >= out.rule(Threshold).parameters.min_count for n in sizes]
        if context.classes is None or not rule.parameters.enabled:
            self.found = CellCores([[] for _ in sets], [[] for _ in sets])
        else:
            self.found = find_cores(
                index,
                units,
                len(self.sets) - sum(size for _, size in blocks),
                published,
                context.classes(),
                context.keys,
                context.ledger,
                out.rule(CellKeyNoise),
                rule.parameters.core_below,
                blocks,
                witnesses=rule.parameters.max_sets,
            )
        n = len(self.sets)
        self._views: list[_LedgerView] = []
        across: list[tuple[int, int] | None] = [None] * n
        if rule.parameters.enabled:
            self._views = _ledger_views(index, units, context.keys, n, blocks, overlapping)
            across = self._across(context.ledger, published, rule.parameters.max_sets)
        self.withheld: list[str | None] = [None] * n
        self.registered: list[int | None] = [None] * n
        self.changes: list[tuple[int, int] | None] = [None] * n
        decisions = rule.apply(held_elsewhere(self.found, self.sets, context.ledger))
        kernels = list(self.found.kernels) or [None] * n
        # The ledger's kernels first: a view's moves keep it additive only all together.
        kernels = [a if a is not None else k for k, a in zip(kernels, across, strict=True)]
        for i, decision in enumerate(decisions):
            kernel = kernels[i] if rule.parameters.enabled else None
            if not decision.withheld and (decision.value or 0) < 0 and kernel is None:
                continue
            fp = self.sets[i]
            before = registered_count(fp, context.ledger) if fp is not None else None
            if before is not None:
                self.registered[i] = round(before)
            elif decision.withheld:  # not today's rule (it never withholds); kept honest
                self.withheld[i] = str(decision.reason)
            elif (decision.value or 0) >= 0:
                self.changes[i] = self.found.deltas[i][int(decision.value or 0)]
            else:  # a shared kernel of any size (kernels.py)
                self.changes[i] = kernel
        answered = sum(c is not None for c in self.changes)
        if answered:
            out.steward[CoreSharing.code] = out.steward.get(CoreSharing.code, 0) + answered

    def adjusted(self, cells: CellTotals) -> CellTotals:
        """The table's totals with each cell over an over-held core counted without it (its
        count and key sum less the core's, or plus a core beyond it): the answer the same
        request would get if the core's units were not there, so nothing about them, and
        no decision, shows (§3 core-sharing)."""
        if not any(c is not None for c in self.changes):
            return cells
        counts = cells.counts.copy()
        key_sums = cells.key_sums.copy()
        for i, change in enumerate(self.changes):
            if change is not None:
                counts[i] += change[0]
                key_sums[i] += change[1]
        return CellTotals(counts, key_sums, cells.fingerprint_table)

    def repeated(
        self, values: list[int | None], reasons: list[list[str]]
    ) -> tuple[list[int | None], list[list[str]]]:
        """`values` with every repeat given the count published for its set before (and
        only the noise's reason: it was published then)."""
        for i, before in enumerate(self.registered):
            if before is not None:
                values[i] = before
                reasons[i] = [r for r in reasons[i] if r == CellKeyNoise.code]
        return values, reasons

    def _across(
        self, ledger: ReleaseLedger, published: Sequence[bool], witnesses: int
    ) -> list[tuple[int, int] | None]:
        """Per cell, its change by a kernel across the ledger (kernels.ledger_kernels)."""
        out: list[tuple[int, int] | None] = [None] * len(self.sets)
        looked_up: tuple[np.ndarray, np.ndarray] | None = None
        for view in self._views:
            # The margin blocks meet the interior's units (the same array): one look-up
            # serves them all (a sample row is 128 bytes a unit, 0.6 GiB at 5 M units, and
            # every view holds its samples until `hold`). Nothing writes to the samples.
            if looked_up is not None and looked_up[0] is view.set_ids:
                view.samples = looked_up[1]
            else:
                view.samples = ledger.holders(view.set_ids)
                looked_up = (view.set_ids, view.samples)
            shown = np.asarray(published[view.offset : view.offset + view.size], dtype=bool)
            found = ledger_kernels(
                view.cell, view.set_ids, view.record_keys, view.samples, ledger.holder_sizes,
                shown, witnesses, view.groupings,
            )  # fmt: skip
            for c, change in enumerate(found):
                if change is not None and out[view.offset + c] is None:
                    out[view.offset + c] = change
        return out

    def hold(self, values: Sequence[int | None]) -> None:
        shown = [bool(v) for v in values[: len(self.sets)]]
        self.out.hold_cores(core_records(self.found, self.sets, shown))
        for view in self._views:
            if view.samples is not None:
                at = slice(view.offset, view.offset + view.size)
                self.out.hold_cores(
                    holder_records(view.cell, view.set_ids, view.samples, self.sets[at], shown[at])
                )


def holder_records(
    cell: np.ndarray,
    set_ids: np.ndarray,
    samples: np.ndarray,
    sets: Sequence[SetFingerprint | None],
    shown: Sequence[bool],
) -> list[ReleasedSet]:
    """Each published cell of a view (`cell` per unit, `samples` the units' holder samples
    as looked up for the release) as a holder of its units (HolderSamples): a record for
    the units whose sample it enters, none for a set registered before."""
    n = len(sets)
    asked = [c for c, fp in enumerate(sets) if shown[c] and fp is not None]
    if not asked:
        return []
    fingerprints = [sets[c] for c in asked]
    keys = set_keys(
        np.array([fp.size for fp in fingerprints if fp is not None]),
        np.stack([fp.id_xor for fp in fingerprints if fp is not None]),
    )
    # Per unit, the hash of its cell as a holder, and whether that cell is recorded.
    hashes = np.zeros(n, dtype=np.uint64)
    hashes[asked] = [holder_hash(key) for key in keys]
    recorded = np.zeros(n, dtype=bool)
    recorded[asked] = True
    cell = np.asarray(cell, dtype=np.int64)
    inside = (cell >= 0) & (cell < n)
    at = np.where(inside, cell, 0)
    h = hashes[at]
    enter = inside & recorded[at] & (h < samples[:, -1]) & ~(samples == h[:, None]).any(axis=1)
    entering = np.flatnonzero(enter)  # ascending: each cell's units in the table's order
    by_cell = entering[np.argsort(cell[entering], kind="stable")]
    starts = np.searchsorted(cell[by_cell], np.arange(n + 1))
    records: list[ReleasedSet] = []
    for c, key, fp in zip(asked, keys, fingerprints, strict=True):
        if starts[c + 1] > starts[c] and fp is not None:
            records.append(holder_set(key, fp.size, set_ids[by_cell[starts[c] : starts[c + 1]]]))
    return records


@dataclass(eq=False)
class _LedgerView:
    """One block of a table's cells as kernels.ledger_kernels meets it: the interior cells,
    or one margin block (`offset`, `size`: its cells among the table's), as (cell, unit)
    pairs, each once, with the unit's set id and record key (a unit is in one cell of a
    block unless the table's cells overlap); the units' holder samples once looked up."""

    offset: int
    size: int
    cell: np.ndarray
    set_ids: np.ndarray
    record_keys: np.ndarray
    groupings: Sequence[np.ndarray] = ()  # the interior's cells' cells in each margin block
    samples: np.ndarray | None = None


def _ledger_views(
    index: np.ndarray,
    units: np.ndarray,
    keys: KeySource,
    n_cells: int,
    blocks: Sequence[tuple[np.ndarray, int]],
    overlapping: Sequence[tuple[np.ndarray, int]] = (),
) -> list[_LedgerView]:
    """The table's blocks: the interior and each margin block. When each unit is in one
    interior cell, a margin block's cells follow from the interior's (`blocks`); when a
    unit is in two (a multi-valued dimension, a panel's rows), `index` gives every row its
    cell among all the table's cells and `overlapping` the margin blocks after the interior,
    each met on its own (cell, unit) pairs. Either way every block is met: a table whose
    cells overlap is no way around the samples (red team `test_holder_limits`)."""
    cell = np.asarray(index, dtype=np.int64)
    unit = np.asarray(units, dtype=np.int64)
    if not len(unit):
        return []
    order = np.lexsort((cell, unit))
    cell, unit = cell[order], unit[order]
    first = np.r_[True, (unit[1:] != unit[:-1]) | (cell[1:] != cell[:-1])]
    cell, unit = cell[first], unit[first]
    located = keys.locate(unit).keys()
    targets = [target for target, _ in (blocks or overlapping)]
    if len(unit) > 1 and bool(np.any(unit[1:] == unit[:-1])):
        interior = n_cells - sum(size for _, size in overlapping)
        views = []
        offset = 0
        for size, groupings in [(interior, targets)] + [(s, []) for _, s in overlapping]:
            at = (cell >= offset) & (cell < offset + size)
            views.append(
                _LedgerView(
                    offset, size, cell[at] - offset, located.set_ids[at],
                    located.record_keys[at], groupings,
                )
            )  # fmt: skip
            offset += size
        return views
    interior = n_cells - sum(size for _, size in blocks)
    views = [_LedgerView(0, interior, cell, located.set_ids, located.record_keys, targets)]
    for target, size in blocks:
        offset = views[-1].offset + views[-1].size
        views.append(_LedgerView(offset, size, target[cell], located.set_ids, located.record_keys))
    return views
