"""The whole-file checks on their own: duplicates and intersecting periods per unit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.fs as pafs

from catalogue.domain.enums import Temporality
from ingest.periods import PeriodSpill, check_partition, check_units, partitions_for

OPEN = np.iinfo(np.int32).max


def rows(*spec: tuple[int, int, int]) -> dict[str, np.ndarray]:
    """(unit, start, stop) per row; lines are 1, 2, 3, ..."""
    unit, start, stop = (
        np.array(column, dtype=dtype)
        for column, dtype in zip(
            zip(*spec, strict=True), (np.int64, np.int32, np.int32), strict=True
        )
    )
    return {
        "unit": unit,
        "start": start,
        "stop": stop,
        "line": np.arange(1, len(spec) + 1, dtype=np.int64),
    }


def found(data: dict[str, np.ndarray], temporality: Temporality) -> list[tuple[int, int]]:
    conflicts = check_partition(data, temporality, keep=100).conflicts
    return list(zip(conflicts.lines.tolist(), conflicts.other_lines.tolist(), strict=True))


def test_duplicates_point_to_the_first_row_of_the_unit() -> None:
    data = rows((7, 0, 0), (8, 0, 0), (7, 0, 0), (7, 0, 0))
    assert found(data, Temporality.FIXED) == [(3, 1), (4, 1)]
    assert check_partition(data, Temporality.FIXED, keep=100).units == 2


def test_status_rows_conflict_only_on_the_same_date() -> None:
    data = rows((7, 10, 10), (7, 11, 11), (7, 10, 10), (8, 10, 10))
    assert found(data, Temporality.STATUS) == [(3, 1)]


def test_intersections_against_the_latest_stop_so_far() -> None:
    data = rows(
        (1, 0, 100),
        (1, 10, 20),
        (1, 50, 60),
        (1, 101, 200),
        (1, 200, OPEN),
        (1, 5000, 5001),
        (2, 0, 10),
    )
    assert found(data, Temporality.EVENT) == [(2, 1), (3, 1), (5, 4), (6, 5)]


def test_units_sharing_the_top_bits_of_their_key_do_not_mix() -> None:
    a, b = 1 << 40, (1 << 40) + 1  # equal except in the bits the start goes into
    data = rows((a, 100, 200), (b, 150, 160), (a, 300, 400), (b, 170, 180), (b, 175, 176))
    assert found(data, Temporality.ACCUMULATED) == [(5, 4)]
    assert check_partition(data, Temporality.ACCUMULATED, keep=100).units == 2


def test_only_the_lowest_rows_keep_their_details() -> None:
    data = rows(*[(9, 0, OPEN)] * 20)
    conflicts = check_partition(data, Temporality.EVENT, keep=3).conflicts
    assert conflicts.total == 19
    assert conflicts.lines.tolist() == [2, 3, 4]


def test_spill_partitions_keep_every_row_of_a_unit_together(tmp_path: Path) -> None:
    spill = PeriodSpill(pafs.LocalFileSystem(), str(tmp_path / "spill"), 8, Temporality.ACCUMULATED)
    rng = np.random.default_rng(3)
    units = rng.integers(-(2**63), 2**63 - 1, 500)
    for batch in range(4):
        unit = np.repeat(units, 1)
        start = np.full(len(unit), batch * 10, dtype=np.int32)
        line = np.arange(len(unit), dtype=np.int64) + batch * 1000
        spill.add(unit, start, start + 5, line)
    spill.add(units[:1], np.array([1], np.int32), np.array([2], np.int32), np.array([9999]))
    spill.close()
    check = check_units(spill, Temporality.ACCUMULATED, keep=10)
    assert check.units == 500
    assert check.conflicts.total == 1 and check.conflicts.lines.tolist() == [9999]
    assert check.conflicts.other_lines.tolist() == [0]
    spill.remove()
    assert not (tmp_path / "spill").exists()


def test_partition_counts_are_powers_of_two_and_bounded() -> None:
    assert partitions_for(0) == 1
    assert partitions_for(160_000) == 1
    assert partitions_for(160_001) == 2
    assert partitions_for(10_000_000) == 64
    assert partitions_for(10**12) == 512
