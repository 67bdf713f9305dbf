"""The shortcuts that make output control fast on millions of units give exactly what the
direct computation gives: margins summed from disjoint interior cells, the rows' key
positions found by guessing from the previous row, cached fingerprint hashes and regression
evidence read off the patterns."""

from __future__ import annotations

import struct
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from catalogue.analysis import db
from catalogue.analysis.output_control import CountTable, KeyTable
from catalogue.analysis.output_control import cell_key as cell_key_module
from catalogue.analysis.output_control import fingerprint as fingerprint_module
from catalogue.analysis.output_control import magnitudes as magnitudes_module
from catalogue.analysis.output_control import unit_sets as unit_sets_module
from catalogue.analysis.output_control.cell_key import HmacKeySource, derive_keys
from catalogue.analysis.output_control.controller import (
    _count_cells,
    _table_cells,
    zeroed_aggregates,
)
from catalogue.analysis.output_control.fingerprint import UnitHashes, fingerprint
from catalogue.analysis.output_control.magnitudes import Magnitudes
from catalogue.analysis.output_control.unit_sets import CellUnits
from catalogue.analysis.statistics.shared.common import DataView
from catalogue.analysis.statistics.shared.design import parse_terms
from catalogue.analysis.statistics.shared.model_levels import common_levels
from catalogue.analysis.statistics.shared.model_rows import evidence_of
from catalogue.analysis.step import parse_steps
from catalogue.analysis.unit_keys import rows as row_keys
from catalogue.analysis.unit_keys.store import KeyCache
from catalogue.analysis.variables import PROTECT_COLUMN, UNIT_COLUMN
from catalogue.analysis.warming import warm_key_cache
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_support as support
from tests.test_output_control_helpers import SECRET, context, pseudonyms

workspace_factory = support.workspace_factory


def _table(units: np.ndarray, seed: int) -> CountTable:
    rng = np.random.default_rng(seed)
    codes = np.column_stack([rng.integers(0, 3, len(units)), rng.integers(0, 4, len(units))])
    return CountTable(("a", "b"), (("x", "y", "z"), ("1", "2", "3", "4")), codes, units)


def _assert_same_totals(fast: Any, direct: Any) -> None:
    assert np.array_equal(fast.counts, direct.counts)
    assert np.array_equal(fast.key_sums, direct.key_sums)
    for c in range(len(direct.counts)):
        assert fast.fingerprint_table[c].same_set(direct.fingerprint_table[c])


def test_margins_summed_from_disjoint_cells_equal_margins_from_their_own_units() -> None:
    units = pseudonyms(600, seed=3)
    table = _table(units, seed=4)
    ctx = context(units)
    fast, labels, _, _ = _count_cells(table, ctx, margins=True)
    index, rows, direct_labels = _table_cells(table, margins=True, total=True)
    direct = CellUnits.build(index, rows, len(direct_labels), ctx.keys)
    assert CellUnits.build(table.codes[:, 0], units, 3, ctx.keys).disjoint
    assert not direct.disjoint  # a unit is in its cell, its two margins and the total
    assert labels == direct_labels
    _assert_same_totals(fast, direct.totals())


def test_a_unit_in_two_interior_cells_takes_the_direct_way() -> None:
    units = pseudonyms(300, seed=5)
    repeated = np.concatenate([units, units[:40]])  # 40 units with a second row elsewhere
    table = _table(repeated, seed=6)
    ctx = context(units)
    found, labels, _, _ = _count_cells(table, ctx, margins=True)
    index, rows, _ = _table_cells(table, margins=True, total=True)
    _assert_same_totals(found, CellUnits.build(index, rows, len(labels), ctx.keys).totals())
    assert found.counts[-1] == 300  # the grand total counts each unit once


def test_a_fingerprint_of_disjoint_parts_merged_is_the_fingerprint_of_their_union() -> None:
    units = pseudonyms(500, seed=7)
    keys = KeyTable.build(SECRET, units).keys(units)
    cells = CellUnits.build(np.arange(500) % 5, units, 5, KeyTable.build(SECRET, units))
    merged = cells.totals().fingerprint_table.merged(np.array([0, 0, 1, 1, 1]), 2)
    assert merged[0].same_set(fingerprint(keys.set_ids[np.arange(500) % 5 < 2]))
    assert merged[1].same_set(fingerprint(keys.set_ids[np.arange(500) % 5 >= 2]))


@pytest.mark.parametrize("spread", ["keyed hashes", "small ids"])
def test_key_table_lookups_find_every_unit_and_refuse_strangers(spread: str) -> None:
    rng = np.random.default_rng(8)
    if spread == "keyed hashes":
        units = np.unique(rng.integers(-(2**63), 2**63 - 1, 5000, dtype=np.int64))
    else:
        units = np.arange(1, 5001, dtype=np.int64)
    table = KeyTable.build(SECRET, units)
    asked = rng.permutation(units)
    expected = derive_keys(SECRET, asked)
    found = table.keys(asked)
    assert np.array_equal(found.record_keys, expected.record_keys)
    assert np.array_equal(found.set_ids, expected.set_ids)
    with pytest.raises(KeyError):
        table.keys(np.array([units.max() + 1], dtype=np.int64))


def _release(ws: Workspace, request: dict[str, Any]) -> Any:
    plan = ws.prepare("tabulate", request)
    return [item.result.rows for item in plan.release(support.control_context(ws))]


def test_statistics_after_steps_match_a_workspace_built_in_one_request(
    workspace_factory: Any,
) -> None:
    """One workspace releases a statistic, then takes more steps (each a new generation of
    rows, whose keys are found again); the other takes every step at once: the same rows
    give the same released table, and no unit's keys are computed twice."""
    steps = support.ISSUE_STEPS
    request = {"vars": ["kjonn"], "summarize": "alder", "stats": ["mean"]}
    stepwise: Workspace = workspace_factory(steps)
    _release(stepwise, {"vars": ["kjonn"]})
    store_before = stepwise.control_units().rows.snapshot
    more = [
        {"keep_if": "alder >= 30"},
        {"recode": "kjonn", "rules": {"1": 1, "2": 2}},
        {"replace": "alder", "expr": "alder + 0"},
        {"generate": "eldre", "expr": "alder >= 50"},
        {"recode": "utdanning", "rules": {"1": 1, "else": 2}, "as": "utd2"},
        {"dummies": "utd2"},
        {"drop": ["eldre"]},
        {"rename": {"lonn": "inntekt"}},
        {"rename": {"inntekt": "lonn"}},
    ]
    for step in more:
        stepwise.apply(parse_steps([step]))
    fresh: Workspace = workspace_factory([*steps, *more])
    assert _release(stepwise, request) == _release(fresh, request)
    assert stepwise.control_units().rows.snapshot is store_before  # nothing new stored
    assert len(stepwise.control_units().population) == len(fresh.control_units().population)


def test_model_evidence_read_off_the_patterns_matches_counting_units(
    workspace_factory: Any,
) -> None:
    ws: Workspace = workspace_factory(support.ISSUE_STEPS)
    ws.control_units()
    assert ws.state.unique_units
    view = DataView(ws.con, ws.state, ws.limits, ws.parameters, ws.control_units().rows)
    y = view.variable("lonn", what="y")
    terms = parse_terms(view, ["kjonn", "alder", "i.utdanning", "i.kjonn#i.utdanning"])
    patterns, rows = common_levels(view, y, terms, constant=True)
    evidence = evidence_of(view, y, patterns, fitted=None, rows=rows)
    found = {s.label: (s.inside, s.outside) for s in evidence.supports}
    # The same sets counted straight from the rows, in SQL.
    columns = {n: f'"{ws.state.schema.get(n).column}"' for n in ("lonn", "kjonn", "alder")}
    utdanning = f'"{ws.state.schema.get("utdanning").column}"'
    where = " AND ".join(f"{c} IS NOT NULL" for c in [*columns.values(), utdanning])
    table = f'"{ws.state.table}"'
    total = db.one(ws.con, f"SELECT COUNT(DISTINCT {PROTECT_COLUMN}) FROM {table} WHERE {where}")[0]
    levels = [
        r[0] for r in db.rows(ws.con, f"SELECT DISTINCT {utdanning} FROM {table} WHERE {where}")
    ]
    for level in levels:
        inside = db.one(
            ws.con,
            f"SELECT COUNT(DISTINCT {PROTECT_COLUMN}) FROM {table} WHERE {where} AND {utdanning} = ?",
            [level],
        )[0]
        label = f"i.utdanning={sorted(levels, key=float).index(level)}"
        assert found[label] == (inside, total - inside)
    sexes = db.one(
        ws.con,
        f"SELECT COUNT(DISTINCT {PROTECT_COLUMN}) FILTER (WHERE {columns['kjonn']} = 1) FROM {table} "
        f"WHERE {where}",
    )[0]
    assert sorted(found["kjonn"]) == sorted((sexes, total - sexes))
    assert any(label.startswith("i.kjonn#i.utdanning=") for label in found)
    assert found["outcome"][0] + found["outcome"][1] == total


def _assert_positions_name_the_rows_units(ws: Workspace) -> None:
    """Every row's key positions give the keys of its own pseudonyms."""
    units = ws.control_units()
    rows = db.arrays(
        ws.con,
        f'SELECT rowid AS r, "{PROTECT_COLUMN}" AS p, "{UNIT_COLUMN}" AS u FROM "{ws.state.table}"',
    )
    positions = (units.rows.protected(rows["r"]), units.rows.units(rows["r"]))
    for units_asked, at in zip((rows["p"], rows["u"]), positions, strict=True):
        expected = derive_keys(support.SECRET, np.asarray(units_asked))
        found = units.keys.keys(np.asarray(at, dtype=np.int64))
        assert np.array_equal(found.record_keys, expected.record_keys)
        assert np.array_equal(found.set_ids, expected.set_ids)


@pytest.mark.parametrize(
    "script",
    [
        [
            [{"import": "BEFOLKNING_BOSTED_KOMMUNE", "date": "2020-01-01", "as": "kommune"}],
            [
                {"import": "BEFOLKNING_MOR", "as": "mor"},
                {"import": "BEFOLKNING_FOEDSELSDATO", "as": "fodt"},
            ],
            [{"keep_if": "year(fodt) >= 1960"}, {"generate": "ar", "expr": "year(fodt)"}],
            [{"collapse": {"barn": ["count", "fodt"]}, "by": "mor"}],
            [{"import": "BEFOLKNING_KJOENN", "as": "kjonn"}, {"drop_if": "barn > 3"}],
        ],
        [
            [{"import_event": "KRG_ICD10", "from": "1953-01-01", "to": "2024-12-31", "as": "icd"}],
            [{"import": "BEFOLKNING_KJOENN", "as": "kjonn"}],
            [{"keep_if": 'substr(icd, 1, 1) = "C"'}],
        ],
    ],
    ids=["persons-to-mothers", "cancer-cases"],
)
def test_key_positions_follow_the_rows_through_every_kind_of_step(
    workspace_factory: Any, script: list[list[dict[str, Any]]]
) -> None:
    ws: Workspace = workspace_factory(script[0])
    _assert_positions_name_the_rows_units(ws)
    for steps in script[1:]:
        ws.apply(parse_steps(steps))
        _assert_positions_name_the_rows_units(ws)


def _cached_units(folder: Path) -> int:
    """Distinct units stored under `folder`, whatever the secret."""
    parts = [np.load(p / "pseudonym.npy") for p in folder.rglob("part-*")]
    return len(np.unique(np.concatenate(parts))) if parts else 0


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.rglob("part-*"))


def test_a_warmed_key_cache_leaves_nothing_for_a_workspace_to_compute(
    pinned: Any, tmp_path: Path
) -> None:
    units = warm_key_cache(pinned, KeyCache(support.SECRET, tmp_path))
    parts = _parts(tmp_path)
    assert len(parts) == 1 and _cached_units(tmp_path) == units > 20_000
    workspace = Workspace(pinned, key_cache=KeyCache(support.SECRET, tmp_path))
    try:
        workspace.apply(parse_steps(support.ISSUE_STEPS))
        workspace.control_units()
        workspace.apply(parse_steps([{"import": "BEFOLKNING_MOR", "as": "mor"}]))
        workspace.apply(parse_steps([{"collapse": {"barn": ["count", "alder"]}, "by": "mor"}]))
        workspace.control_units()  # the mothers are units of the version too
    finally:
        workspace.close()
    assert _parts(tmp_path) == parts  # nothing new computed
    assert warm_key_cache(pinned, KeyCache(support.SECRET, tmp_path)) == units
    assert _parts(tmp_path) == parts


def test_a_release_warms_the_key_cache_with_every_unit_it_released(
    released_home: Path, pinned: Any, tmp_path: Path
) -> None:
    units = warm_key_cache(pinned, KeyCache(support.SECRET, tmp_path))
    assert _cached_units(released_home / "analysis" / "keys") == units


def test_an_import_giving_a_unit_two_values_is_refused_whole(pinned: Any, tmp_path: Path) -> None:
    """Released data cannot hold two values for a unit on a date (ingest refuses them), but
    if they did, the rows would stop being one unit each: the import is refused."""
    source = pinned.datasets["BEFOLKNING_KJOENN"]
    rows = pq.read_table(list(source.paths), partitioning=None)
    doubled = pa.concat_tables([rows, rows.slice(0, 5)])
    path = tmp_path / "kjoenn.parquet"
    pq.write_table(doubled, path)
    broken = replace(
        pinned,
        datasets={**pinned.datasets, source.name: replace(source, paths=(str(path),))},
    )
    population = {"import": "BEFOLKNING_BOSTED_KOMMUNE", "date": "2020-01-01", "as": "kommune"}
    kjonn = {"import": "BEFOLKNING_KJOENN", "as": "kjonn"}
    # Alone, and with a generate made in the same pass as the join: the import is named.
    generate = {"generate": "mann", "expr": 'kjonn = "1"'}
    workspace = support.new_workspace(broken, [population])
    try:
        before = workspace.state
        for steps in ([kjonn], [kjonn, generate]):
            with pytest.raises(RegcatError) as refused:
                workspace.apply(parse_steps(steps))
            assert refused.value.code == "import-not-one-value-per-unit"
            assert refused.value.details["step"] == 1
            assert refused.value.en.startswith("Step 1 (import)")
            assert workspace.state == before
            assert workspace.state.schema.names == ["kommune"]
    finally:
        workspace.close()


def test_imports_and_a_generate_made_in_one_pass_equal_steps_made_apart(pinned: Any) -> None:
    imports = support.ISSUE_STEPS[:5]
    generate = {"generate": "alder", "expr": "2020 - year(fodselsdato)"}
    request = {"vars": ["utdanning"], "summarize": "alder", "stats": ["mean", "sum"]}
    together = support.new_workspace(pinned, [*imports, generate])
    apart = support.new_workspace(pinned, imports)
    try:
        apart.apply(parse_steps([generate]))
        # The first import's rows were a view the joins read: only the last table is left.
        views = "SELECT view_name FROM duckdb_views() WHERE NOT internal"
        assert db.rows(together.con, views) == []
        tables = db.rows(together.con, "SELECT table_name FROM duckdb_tables()")
        assert tables == [(together.state.table,)]
        assert together.describe() == apart.describe()
        assert _release(together, request) == _release(apart, request)
        column = together.state.schema.get("alder").column
        sql = f'SELECT SUM("{column}"), COUNT("{column}") FROM "{{}}"'
        assert db.one(together.con, sql.format(together.state.table)) == db.one(
            apart.con, sql.format(apart.state.table)
        )
    finally:
        together.close()
        apart.close()


def test_the_compiled_unit_hashes_equal_the_numpy_ones() -> None:
    """A (unit, value) pair's hashes are computed per release (they cannot be cached per
    unit): the compiled pass must give exactly numpy's cells and checks, edge ids too."""
    assert fingerprint_module._loops is not None, "the C extension was not built"
    ids = np.random.default_rng(7).integers(0, 2**63, 100_000, dtype=np.int64).astype(np.uint64)
    ids[:4] = [0, 1, 2**63, 2**64 - 1]
    compiled, reference = UnitHashes.of(ids), UnitHashes.of_numpy(ids)
    assert np.array_equal(compiled.packed_slots, reference.packed_slots)
    assert np.array_equal(compiled.checks, reference.checks)
    assert len(UnitHashes.of(np.zeros(0, dtype=np.uint64)).checks) == 0


def test_the_compiled_fingerprint_loop_equals_the_numpy_one() -> None:
    """`make install` compiles _loops; it must add exactly what the numpy version adds, and
    refuse pairs outside the arrays the same way."""
    assert fingerprint_module._loops is not None, "the C extension was not built"
    rng = np.random.default_rng(31)
    ids = rng.integers(0, 2**63, 20_000, dtype=np.uint64)
    hashes = UnitHashes.of(ids)
    n_cells = 37
    cell = rng.integers(0, n_cells, 50_000).astype(np.int64)
    unit = rng.integers(0, len(ids), 50_000).astype(np.int64)
    tables = []
    for add in (fingerprint_module._loops.add_pairs, fingerprint_module.add_pairs_numpy):
        table = np.zeros((n_cells * 128, 3), dtype=np.uint64)
        add(cell, unit, ids, hashes.packed_slots, hashes.checks, table, 128)
        add(cell[:10], unit[:10], ids, hashes.packed_slots, hashes.checks, table, 128)
        tables.append(table)
    assert np.array_equal(tables[0], tables[1])
    assert int(tables[0][:, 0].sum()) == 4 * 50_010
    for add in (fingerprint_module._loops.add_pairs, fingerprint_module.add_pairs_numpy):
        table = np.zeros((n_cells * 128, 3), dtype=np.uint64)
        for bad_cell, bad_unit in ((n_cells, 0), (0, len(ids)), (-1, 0), (0, -1), (2**62, 0)):
            with pytest.raises(IndexError):
                add(
                    np.array([bad_cell], dtype=np.int64),
                    np.array([bad_unit], dtype=np.int64),
                    ids,
                    hashes.packed_slots,
                    hashes.checks,
                    table,
                    128,
                )
    # An array of another type is refused, never read as if it were the right one.
    table = np.zeros((n_cells * 128, 3), dtype=np.uint64)
    with pytest.raises(TypeError):
        fingerprint_module._loops.add_pairs(
            cell.astype(np.int32), unit, ids, hashes.packed_slots, hashes.checks, table, 128
        )
    with pytest.raises(TypeError):
        fingerprint_module._loops.add_pairs(
            cell, unit, ids.astype(np.float64), hashes.packed_slots, hashes.checks, table, 128
        )


def test_fingerprints_of_a_million_pairs_split_over_two_threads_are_exact() -> None:
    rng = np.random.default_rng(32)
    ids = rng.integers(0, 2**63, 300_000, dtype=np.uint64)
    hashes = UnitHashes.of(ids)
    cell = rng.integers(0, 40, 1_200_001).astype(np.int64)
    unit = rng.integers(0, len(ids), len(cell)).astype(np.int64)
    found = fingerprint_module.fingerprint_table(cell, ids, 40, unit, hashes)
    table = np.zeros((40 * 128, 3), dtype=np.uint64)
    fingerprint_module.add_pairs_numpy(
        cell, unit, ids, hashes.packed_slots, hashes.checks, table, 128
    )
    assert np.array_equal(found.counts.ravel(), table[:, 0].astype(np.int64))
    assert np.array_equal(found.id_xor.ravel(), table[:, 1])
    assert np.array_equal(found.check_xor.ravel(), table[:, 2])


@pytest.mark.parametrize("keep", [2, 3])
def test_magnitudes_from_pairs_equal_sorting_each_cell(keep: int) -> None:
    """The compiled passes and the numpy ones give each cell's total, largest contributions
    and rest exactly as sorting the cell does: with ties, zeros, negatives, cells of one unit and empty cells."""
    rng = np.random.default_rng(41)
    cell = rng.integers(0, 40, 5000)
    cell = cell[cell != 7]  # an empty cell
    values = rng.choice([0.0, 1.0, -2.5, 1e6, 3.0], size=len(cell)) * rng.integers(0, 3, len(cell))
    cell = np.concatenate([cell, [40]])  # a cell of one unit
    values = np.concatenate([values, [-9.0]])
    per_cell = [values[cell == c] for c in range(41)]
    assert magnitudes_module._loops is not None, "the C extension was not built"
    compiled = Magnitudes.of_pairs(cell, values, 41, keep)
    in_numpy = Magnitudes.of_pairs_numpy(cell, values, 41, keep)
    direct = Magnitudes.of_cells(per_cell, keep)
    for fast in (compiled, in_numpy):
        assert np.allclose(fast.totals, direct.totals, rtol=1e-12, atol=0)
        assert np.array_equal(fast.largest, direct.largest)
        assert np.allclose(fast.rest_after_two, direct.rest_after_two, rtol=1e-12, atol=0)
    # The same sums in the same order: equal to the last bit.
    assert np.array_equal(compiled.totals, in_numpy.totals)
    assert np.array_equal(compiled.rest_after_two, in_numpy.rest_after_two)
    with pytest.raises(IndexError):
        Magnitudes.of_pairs(np.array([41]), np.array([1.0]), 41, keep)


def test_value_digests_of_the_compiled_pass_equal_numpys_and_keys_written_out() -> None:
    """Each cell's value digest (the key of its magnitude noise): the compiled pass, its
    numpy twin and the definition written out one pair at a time agree, −0.0 counting as
    0.0, and row order does not matter."""
    rng = np.random.default_rng(43)
    set_ids = rng.integers(0, 2**63, 300).astype(np.uint64) * np.uint64(2) + np.uint64(1)
    unit = rng.integers(0, 300, 4000)
    cell = rng.integers(0, 12, 4000)
    values = rng.choice([0.0, -0.0, 1.5, -2.0, 1e9, np.pi], size=4000)
    compiled = Magnitudes.of_pairs(cell, values, 12, 3, unit, set_ids)
    in_numpy = Magnitudes.of_pairs_numpy(cell, values, 12, 3, unit, set_ids)
    assert compiled.digests is not None and in_numpy.digests is not None
    assert np.array_equal(compiled.digests, in_numpy.digests)

    def mix(z: int) -> int:
        mask = (1 << 64) - 1
        z ^= z >> 30
        z = (z * 0xBF58476D1CE4E5B9) & mask
        z ^= z >> 27
        z = (z * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    written_out = [0] * 12
    for c, u, v in zip(cell.tolist(), unit.tolist(), values.tolist(), strict=True):
        bits = struct.unpack("<Q", struct.pack("<d", v + 0.0))[0]
        key = mix(int(set_ids[u]) ^ mix(bits ^ 0x5851F42D4C957F2D))
        written_out[c] = (written_out[c] + key) % (1 << 64)
    assert compiled.digests.tolist() == written_out
    order = rng.permutation(4000)
    shuffled = Magnitudes.of_pairs(cell[order], values[order], 12, 3, unit[order], set_ids)
    assert np.array_equal(shuffled.digests, compiled.digests)


@pytest.mark.parametrize("unique", [True, False], ids=["one row per unit", "repeated units"])
@pytest.mark.parametrize("keep", [2, 3])
def test_cell_aggregates_of_the_compiled_pass_equal_numpys(unique: bool, keep: int) -> None:
    """The one compiled pass a magnitude table makes over its pairs (CellUnits.aggregates)
    gives every figure its numpy twin gives, to the last bit: counts, record key sums (of
    all pairs and of those with a non-zero value), signed sums, totals, largest, rests,
    value digests and both fingerprint tables; with ties, zeros, −0.0, negatives, an empty
    cell, a cell of one unit and keys from the HMAC (int64) and from a key table."""
    assert unit_sets_module._loops is not None, "the C extension was not built"
    rng = np.random.default_rng(47 + keep)
    n = 20_000
    units = pseudonyms(n if unique else n // 3, seed=5)
    rows = units if unique else rng.choice(units, n)
    cell = rng.integers(0, 30, len(rows))
    cell[cell == 11] = 12  # an empty cell
    cell[0] = 30  # a cell of one unit
    cell[cell == 30] = 29
    cell[0] = 30
    values = rng.choice([0.0, -0.0, 1.0, -2.5, 1e6, 3.0, np.pi], size=len(rows))
    values *= rng.integers(0, 3, len(rows))
    for source in (HmacKeySource(SECRET), KeyTable.build(SECRET, units)):
        built = CellUnits.build(cell, rows, 31, source, values)
        assert built.disjoint is unique
        compiled, reference = built.aggregates(keep), built.aggregates_numpy(keep)
        for name in ("counts", "key_sums", "nonzero_counts", "nonzero_key_sums", "sums"):
            found, expected = getattr(compiled, name), getattr(reference, name)
            assert found.dtype == expected.dtype and np.array_equal(found, expected), name
        for name in ("totals", "largest", "rest_after_two", "digests"):
            found, expected = (
                getattr(compiled.magnitudes, name),
                getattr(reference.magnitudes, name),
            )
            assert np.array_equal(found, expected), name
        for name in ("sizes", "counts", "id_xor", "check_xor"):
            for table in ("units", "pairs"):
                found = getattr(getattr(compiled, table), name)
                expected = getattr(getattr(reference, table), name)
                assert found.dtype == expected.dtype and np.array_equal(found, expected), (
                    table,
                    name,
                )
        assert compiled.counts[11] == 0 and compiled.counts[30] == 1
    with pytest.raises(IndexError):
        CellUnits(2, np.array([2]), np.array([0]), built.keys, np.array([1.0]), True).aggregates(2)


def _assert_same_aggregates(found: Any, expected: Any) -> None:
    for name in ("counts", "key_sums", "nonzero_counts", "nonzero_key_sums", "sums"):
        a, b = getattr(found, name), getattr(expected, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    for name in ("totals", "largest", "rest_after_two", "digests", "set_keys", "widths"):
        a, b = getattr(found.magnitudes, name), getattr(expected.magnitudes, name)
        assert (a is None and b is None) or np.array_equal(a, b), name
    for table in ("units", "pairs"):
        for name in ("sizes", "counts", "id_xor", "check_xor", "key_sums"):
            a, b = getattr(getattr(found, table), name), getattr(getattr(expected, table), name)
            assert (a is None and b is None) or (a.dtype == b.dtype and np.array_equal(a, b)), (
                table,
                name,
            )


@pytest.mark.parametrize("unique", [True, False], ids=["one row per unit", "repeated units"])
@pytest.mark.parametrize("keep", [2, 3])
def test_zeroed_aggregates_equal_a_second_pass_over_every_pair(unique: bool, keep: int) -> None:
    """A magnitude table answering a dominated cell with its largest values at 0
    (controller._dominated) aggregates again only the cells holding such a pair
    (controller.zeroed_aggregates): the same figures, to the last bit, as a second pass over
    every pair, with ties among the largest, values set to 0 in one cell or many, in
    the first and last cell, one pair or all of a cell's, and pairs in no particular order."""
    rng = np.random.default_rng(71 + keep)
    n = 20_000
    units = pseudonyms(n if unique else n // 3, seed=9)
    rows = units if unique else rng.choice(units, n)
    cell = rng.integers(0, 40, len(rows))
    values = rng.choice([0.0, -0.0, 1.0, -2.5, 1e6, 3.0, np.pi, 1e6], size=len(rows))
    values *= rng.integers(0, 3, len(rows))
    for source in (HmacKeySource(SECRET), KeyTable.build(SECRET, units)):
        built = CellUnits.build(cell, rows, 41, source, values)
        found = built.aggregates(keep)
        in_cell = [np.flatnonzero(built.cell == c) for c in range(41)]
        choices = [
            np.array([in_cell[0][0]]),  # one pair of the first cell
            in_cell[39],  # every pair of the last non-empty cell
            rng.choice(len(built.cell), 50, replace=False),  # pairs of many cells
            np.sort(rng.choice(len(built.cell), 3, replace=False)),
            np.zeros(0, dtype=np.int64),  # none
        ]
        for chosen in choices:
            chosen = np.asarray(chosen, dtype=np.int64)
            zeroed, fast = zeroed_aggregates(built, found, chosen, keep)
            mask = np.zeros(len(built.cell), dtype=bool)
            mask[chosen] = True
            reference = replace(built, values=np.where(mask, 0.0, built.values))
            assert np.array_equal(zeroed.values, reference.values)
            _assert_same_aggregates(fast, reference.aggregates(keep))
            _assert_same_aggregates(fast, reference.aggregates_numpy(keep))


@pytest.mark.parametrize(
    "ids",
    [
        np.arange(100_000, dtype=np.int64)[::-1],
        np.concatenate([np.arange(100_000), [99_999]]),
        np.array([-(2**63), 2**63 - 1, 0], dtype=np.int64),  # too wide for a bitmap: sorted
        np.array([-(2**63), 5, -(2**63)], dtype=np.int64),
        np.array([7, 7], dtype=np.int32),
        np.array([3], dtype=np.int64),
    ],
    ids=["positions", "a repeat", "wide", "wide with a repeat", "int32", "one"],
)
def test_the_compiled_distinct_check_agrees_with_sorting(ids: np.ndarray) -> None:
    assert cell_key_module._loops is not None, "the C extension was not built"
    ordered = np.sort(ids)
    expected = not bool(np.any(ordered[1:] == ordered[:-1]))
    assert cell_key_module.all_distinct(ids) is expected


def test_rows_find_their_keys_whether_or_not_rowids_count_the_rows(workspace_factory: Any) -> None:
    """Rows read in table order need no rowid; a table with gaps in its rowids (never made
    by the engine, made here by hand) is read by rowid. Both give each row its own keys,
    for every row and for the rows a condition picks."""
    ws: Workspace = workspace_factory(support.ISSUE_STEPS)
    table = ws.state.table
    assert table is not None
    where = f'w."{UNIT_COLUMN}" % 3 = 0'
    for gaps in (False, True):
        if gaps:
            ws.con.execute(f'DELETE FROM "{table}" WHERE rowid % 4 = 1')
        rows = row_keys.find_row_keys(ws.con, table, ws.key_cache)
        assert rows.rowids_are_rows is not gaps
        everything = db.arrays(ws.con, f'SELECT rowid AS r, "{UNIT_COLUMN}" AS u FROM "{table}"')
        picked = db.arrays(ws.con, f'SELECT "{UNIT_COLUMN}" AS u FROM "{table}" AS w WHERE {where}')
        keys = rows.snapshot.arrays
        expected = derive_keys(support.SECRET, np.asarray(everything["u"]))
        assert np.array_equal(keys.set_ids[rows.units(everything["r"])], expected.set_ids)
        # The rows a condition picks, in whatever order the engine gives them.
        chosen = rows.units_where(ws.con, table, where)
        expected = derive_keys(support.SECRET, np.asarray(picked["u"]))
        assert np.array_equal(np.sort(keys.set_ids[chosen]), np.sort(expected.set_ids))
        assert len(chosen) == len(picked["u"]) > 0


def test_rows_read_in_table_order_keep_their_rowids_over_many_row_groups() -> None:
    """The rows' keys are read in one scan without rowids (unit_keys/rows.py): over several row
    groups, scanned in parallel on a connection that otherwise lets the engine reorder,
    each rowid still gets its own unit's position."""
    import duckdb

    con = duckdb.connect(config={"preserve_insertion_order": False, "threads": 2})
    con.execute(
        f'CREATE TABLE rows AS SELECT 1000000000000 + i * 7919 AS "{UNIT_COLUMN}", '
        f'1000000000000 + i * 7919 AS "{PROTECT_COLUMN}" FROM range(300000) AS r(i) '
        "ORDER BY hash(i)"
    )
    cache = KeyCache(SECRET, None)
    rows = row_keys.find_row_keys(con, "rows", cache)
    assert rows.rowids_are_rows
    in_order = row_keys._in_table_order(con, "SELECT rowid AS r FROM rows")["r"]
    assert np.array_equal(in_order, np.arange(300000))  # the guarantee the lookup relies on
    fetched = db.arrays(con, f'SELECT rowid AS r, "{UNIT_COLUMN}" AS u FROM rows')
    stored = np.asarray(rows.snapshot.pseudonyms)
    assert np.array_equal(stored[rows.units(fetched["r"])], fetched["u"])
    assert np.array_equal(stored[rows.protected(fetched["r"])], fetched["u"])


def test_the_compiled_pass_over_a_models_rows_equals_numpys() -> None:
    """model_support's one pass over a model's rows (per pattern its rows and record keys,
    the outcome's inside set, the value digest): compiled and numpy agree exactly, and the
    digest changes with any one row's outcome or pattern."""
    from catalogue.analysis.output_control import model_support

    assert model_support._loops is not None, "the C extension was not built"
    rng = np.random.default_rng(47)
    units = pseudonyms(3000, seed=47)
    located = KeyTable.build(SECRET, units).locate(units)
    row_pattern = rng.integers(0, 40, 3000)
    outcome = rng.choice([0.0, -0.0, 1.0, 2.5], size=3000)
    hashes = model_support.pattern_hashes(rng.normal(size=(40, 3)))
    compiled = model_support.summarise_rows(located, row_pattern, outcome, hashes, 1.0)
    in_numpy = model_support.summarise_rows_numpy(located, row_pattern, outcome, hashes, 1.0)
    for name in ("rows_per_pattern", "keys_per_pattern"):
        assert np.array_equal(getattr(compiled, name), getattr(in_numpy, name))
    assert (compiled.inside, compiled.inside_keys, compiled.digest) == (
        in_numpy.inside,
        in_numpy.inside_keys,
        in_numpy.digest,
    )
    assert compiled.inside == int((outcome == 1.0).sum())
    moved = row_pattern.copy()
    moved[5] = (moved[5] + 1) % 40
    changed = outcome.copy()
    changed[5] += 1e-9
    for pattern, values in ((moved, outcome), (row_pattern, changed)):
        other = model_support.summarise_rows(located, pattern, values, hashes, 1.0)
        assert other.digest != compiled.digest


@pytest.mark.parametrize("clustered", [False, True], ids=["no clusters", "clusters"])
def test_the_compiled_pair_fingerprint_of_a_models_rows_equals_numpys(clustered: bool) -> None:
    """A model's pair set (each row's key of its unit, outcome, pattern and cluster,
    fingerprinted): the compiled pass and its numpy twin give the same fingerprint, with
    a unit on several rows, −0.0 and no rows at all; a changed outcome changes it."""
    from catalogue.analysis.output_control import model_support

    assert model_support._loops is not None, "the C extension was not built"
    rng = np.random.default_rng(59)
    units = pseudonyms(2000, seed=59)
    rows = rng.choice(units, 5000)
    located = KeyTable.build(SECRET, units).locate(rows)
    row_pattern = rng.integers(0, 30, 5000)
    outcome = rng.choice([0.0, -0.0, 1.0, np.pi, -7.25], size=5000)
    hashes = model_support.pattern_hashes(rng.normal(size=(30, 2)))
    clusters = rng.integers(0, 2**63, 5000).astype(np.uint64) if clustered else None
    compiled = model_support.row_pair_fingerprint(located, row_pattern, outcome, hashes, clusters)
    twin = model_support.row_pair_fingerprint_numpy(located, row_pattern, outcome, hashes, clusters)
    assert compiled.same_set(twin) and compiled.size == 5000
    for name in ("counts", "id_xor", "check_xor"):
        assert getattr(compiled, name).dtype == getattr(twin, name).dtype
    changed = outcome.copy()
    changed[7] += 1.0
    other = model_support.row_pair_fingerprint(located, row_pattern, changed, hashes, clusters)
    assert not other.same_set(compiled)
    empty = KeyTable.build(SECRET, units).locate(np.zeros(0, np.int64))
    none = np.zeros(0, np.int64)
    assert model_support.row_pair_fingerprint(empty, none, np.zeros(0), hashes).same_set(
        model_support.row_pair_fingerprint_numpy(empty, none, np.zeros(0), hashes)
    )


@pytest.mark.parametrize("seed", [61, 62, 63])
def test_the_one_pass_pair_fingerprints_equal_one_pass_per_set(seed: int) -> None:
    """A model's per-term pair sets made in one pass over the rows (row_pair_fingerprints)
    are bit for bit those of one row_pair_fingerprint per term, and of its numpy twin: with
    a unit on several rows, missing and −0.0 outcomes, terms with and without the rows'
    clusters, and no rows at all; a changed outcome or cluster moves only what holds it."""
    from catalogue.analysis.output_control import model_support

    assert getattr(model_support._loops, "row_pair_fingerprints", None) is not None
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3000, 8000))
    units = pseudonyms(2500, seed=seed)
    located = KeyTable.build(SECRET, units).locate(rng.choice(units, n))
    patterns = int(rng.integers(1, 60))
    row_pattern = rng.integers(0, patterns, n)
    outcome = rng.choice([0.0, -0.0, 1.0, np.nan, np.pi, -7.25], size=n)
    drawn = rng.random(n) < 0.3
    outcome[drawn] = rng.normal(size=int(drawn.sum()))
    design = rng.choice([0.0, 1.0, np.nan, -0.0, 2.5], size=(patterns, int(rng.integers(1, 14))))
    hashed = model_support.value_hashes(design)
    per_term = [model_support.term_hashes(hashed, design[:, j]) for j in range(design.shape[1])]
    sets = [*per_term, hashed, hashed]
    clusters = rng.integers(0, 40, n).astype(np.uint64)
    flags = [bool(f) for f in rng.integers(0, 2, len(sets))]
    flags[-2:] = [True, False]
    for chosen, flagged in ((clusters, flags), (clusters, None), (None, None), (None, flags)):
        found = model_support.row_pair_fingerprints(
            located, row_pattern, outcome, sets, chosen, flagged
        )
        with_clusters = [True] * len(sets) if flagged is None else flagged
        assert len(found) == len(sets)
        for got, hashes, flag in zip(found, sets, with_clusters, strict=True):
            own = chosen if flag else None
            one = model_support.row_pair_fingerprint(located, row_pattern, outcome, hashes, own)
            twin = model_support.row_pair_fingerprint_numpy(
                located, row_pattern, outcome, hashes, own
            )
            assert got.size == one.size == n
            for name in ("counts", "id_xor", "check_xor"):
                assert getattr(got, name).dtype == getattr(one, name).dtype
                assert np.array_equal(getattr(got, name), getattr(one, name))
            assert got.same_set(twin)
    found = model_support.row_pair_fingerprints(
        located, row_pattern, outcome, sets, clusters, flags
    )
    changed = outcome.copy()
    changed[3] = 17.5
    moved = model_support.row_pair_fingerprints(
        located, row_pattern, changed, sets, clusters, flags
    )
    assert not any(a.same_set(b) for a, b in zip(found, moved, strict=True))
    other = clusters.copy()
    other[5] += np.uint64(1)
    recluster = model_support.row_pair_fingerprints(
        located, row_pattern, outcome, sets, other, flags
    )
    for a, b, flag in zip(found, recluster, flags, strict=True):
        assert a.same_set(b) != flag
    empty = KeyTable.build(SECRET, units).locate(np.zeros(0, np.int64))
    none = np.zeros(0, np.int64)
    for got in model_support.row_pair_fingerprints(empty, none, np.zeros(0), sets):
        assert got.same_set(
            model_support.row_pair_fingerprint_numpy(empty, none, np.zeros(0), hashed)
        )
    with pytest.raises(IndexError):
        model_support.row_pair_fingerprints(located, row_pattern + patterns, outcome, sets)


@pytest.mark.parametrize("rows", [1, 2, 3, 4001])
def test_pair_fingerprints_made_in_two_halves_equal_one_pass(monkeypatch: Any, rows: int) -> None:
    """Large enough, a model's pair sets are made over each half of its rows in a thread of
    its own (model_support._in_two_halves): the same fingerprints, bit for bit, as one pass
    and as the numpy twin, with and without clusters, with an odd number of rows and a
    unit on several rows; a row naming a pattern outside the arrays still fails."""
    from catalogue.analysis.output_control import model_support

    rng = np.random.default_rng(rows)
    units = pseudonyms(700, seed=71)
    located = KeyTable.build(SECRET, units).locate(rng.choice(units, rows))
    row_pattern = rng.integers(0, 11, rows)
    outcome = rng.choice([0.0, -0.0, 1.0, np.nan, -7.25], size=rows)
    design = rng.normal(size=(11, 3))
    hashed = model_support.value_hashes(design)
    sets = [*(model_support.term_hashes(hashed, design[:, j]) for j in range(3)), hashed]
    clusters = rng.integers(0, 5, rows).astype(np.uint64)
    flags = [True, False, True, False]
    one = model_support.row_pair_fingerprints(located, row_pattern, outcome, sets, clusters, flags)
    single = [
        model_support.row_pair_fingerprint(located, row_pattern, outcome, hashed, chosen)
        for chosen in (clusters, None)
    ]
    monkeypatch.setattr(model_support, "SPLIT_WORK", 1)
    halves = model_support.row_pair_fingerprints(
        located, row_pattern, outcome, sets, clusters, flags
    )
    for a, b, hashes, flag in zip(one, halves, sets, flags, strict=True):
        for name in ("counts", "id_xor", "check_xor"):
            assert np.array_equal(getattr(a, name), getattr(b, name))
        twin = model_support.row_pair_fingerprint_numpy(
            located, row_pattern, outcome, hashes, clusters if flag else None
        )
        assert b.same_set(twin) and b.size == rows
    for chosen, before in zip((clusters, None), single, strict=True):
        after = model_support.row_pair_fingerprint(located, row_pattern, outcome, hashed, chosen)
        twin = model_support.row_pair_fingerprint_numpy(
            located, row_pattern, outcome, hashed, chosen
        )
        assert after.same_set(before) and after.same_set(twin) and after.size == rows
    with pytest.raises(IndexError):
        model_support.row_pair_fingerprints(located, row_pattern + 11, outcome, sets)
    with pytest.raises(IndexError):
        model_support.row_pair_fingerprint(located, row_pattern + 11, outcome, hashed)


def test_the_one_pass_pair_fingerprints_without_the_compiled_loop(monkeypatch: Any) -> None:
    """A C extension built before row_pair_fingerprints existed: one pass per set instead,
    with the same fingerprints."""
    from catalogue.analysis.output_control import model_support

    rng = np.random.default_rng(67)
    units = pseudonyms(500, seed=67)
    located = KeyTable.build(SECRET, units).locate(rng.choice(units, 900))
    row_pattern = rng.integers(0, 9, 900)
    outcome = rng.normal(size=900)
    sets = [model_support.pattern_hashes(rng.normal(size=(9, 2))) for _ in range(3)]
    clusters = rng.integers(0, 7, 900).astype(np.uint64)
    compiled = model_support.row_pair_fingerprints(
        located, row_pattern, outcome, sets, clusters, [True, False, True]
    )

    class Stale:
        row_pair_fingerprint = model_support._loops.row_pair_fingerprint

    monkeypatch.setattr(model_support, "_loops", Stale)
    fallback = model_support.row_pair_fingerprints(
        located, row_pattern, outcome, sets, clusters, [True, False, True]
    )
    assert all(a.same_set(b) for a, b in zip(compiled, fallback, strict=True))


def test_the_compiled_majority_vote_finds_a_value_held_by_more_than_half() -> None:
    from catalogue.analysis.output_control import model_support

    assert model_support._loops is not None, "the C extension was not built"
    rng = np.random.default_rng(53)
    for share in (0.51, 0.7, 0.99):
        values = rng.normal(size=20_000)
        values[rng.random(20_000) < share] = 3.5
        found = model_support.majority_value(values)
        assert found == 3.5 == float(np.median(values))  # the numpy twin takes the median
