"""The perturbation table (OUTPUT_CONTROL.md §2): stored file = recomputation, and every
row meets the constraints."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from catalogue.analysis.output_control.ptable import (
    PerturbationTable,
    allowed_noise,
    compute_ptable,
    load_ptable,
    shipped_path,
)

D, V, JS = 5, 3.0, 0


def stored() -> PerturbationTable:
    return PerturbationTable.from_json_dict(
        json.loads(shipped_path(D, V, JS).read_text(encoding="utf-8"))
    )


def test_the_stored_table_is_the_recomputed_one():
    fresh, kept = compute_ptable(D, V, JS), stored()
    assert np.allclose(np.array(fresh.rows), np.array(kept.rows), atol=1e-9, rtol=0)
    assert kept.relaxed_rows == () and fresh.relaxed_rows == ()
    assert shipped_path(D, V, JS).name == "ptable_D5_V3_js0.json"


def test_the_stored_version_is_the_hash_of_the_content():
    data = json.loads(shipped_path(D, V, JS).read_text(encoding="utf-8"))
    assert data["version"] == stored().version
    data["rows"][1][4] += 1e-3
    try:
        PerturbationTable.from_json_dict(data)
    except ValueError as error:
        assert "version" in str(error)
    else:
        raise AssertionError("a changed table must not load under the old version")


def test_every_row_sums_to_one_with_mean_zero_and_variance_v():
    table = stored()
    d = np.arange(-D, D + 1)
    for i, row in enumerate(table.rows):
        p = np.array(row)
        assert abs(p.sum() - 1) < 1e-9
        assert abs(p @ d) < 1e-9
        assert abs(p @ d**2 - (0 if i == 0 else V)) < 1e-9
        assert np.all(p >= 0)


def test_noise_stays_within_d_and_counts_never_go_negative():
    table = stored()
    d = np.arange(-D, D + 1)
    for i, row in enumerate(table.rows):
        support = d[np.array(row) > 0]
        assert np.all(np.abs(support) <= D)
        assert np.all(i + support >= 0)
        assert set(support) <= set(allowed_noise(i, D, JS))


def test_zero_stays_zero():
    assert stored().rows[0] == tuple(1.0 if d == 0 else 0.0 for d in range(-D, D + 1))


def test_rows_from_d_on_are_one_symmetric_row():
    table = stored()
    general = np.array(table.rows[table.general_row])
    assert table.general_row == D
    assert np.allclose(general, general[::-1], atol=1e-12)
    # A large count uses the general row, shifted: the same noise for the same key.
    keys = np.linspace(0, 1, 200, endpoint=False)
    for i in (D, D + 1, 57, 10_000):
        assert np.array_equal(
            table.noise(np.full(200, i), keys), table.noise(np.full(200, D), keys)
        )


def test_the_cell_key_picks_the_interval_it_falls_in():
    table = stored()
    row = np.array(table.rows[3])
    bounds = np.cumsum(row)
    for k in range(4096):
        key = k / 4096
        expected = int(np.searchsorted(bounds, key, side="right")) - D
        # Skip keys within float noise of a boundary (searchsorted and our lookup agree
        # there too, but the check would then test floating point, not the method).
        if np.min(np.abs(bounds - key)) > 1e-12:
            assert table.noise(np.array([3]), np.array([key]))[0] == expected


def test_the_noise_distribution_over_all_keys_follows_the_row():
    table = stored()
    keys = np.arange(4096) / 4096
    noise = table.noise(np.full(4096, 100), keys)
    frequencies = np.bincount(noise + D, minlength=2 * D + 1) / 4096
    assert np.allclose(frequencies, table.rows[table.general_row], atol=1 / 4096 + 1e-12)


def test_a_steward_table_is_computed_and_cached():
    other = load_ptable(4, 2.0, 0)
    assert other is load_ptable(4, 2.0, 0)
    assert other.max_noise == 4 and len(other.rows) == 5


def test_an_infeasible_variance_is_relaxed_to_an_upper_bound():
    # D = 2, V = 3: row 1 allows noise −1..2, whose largest mean-0 variance is 2 < 3.
    table = compute_ptable(2, 3.0, 0)
    assert table.relaxed_rows == (1,)
    d = np.arange(-2, 3)
    row = np.array(table.rows[1])
    assert abs(row @ d) < 1e-9 and row @ d**2 < 3


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(st.integers(0, 10**6), min_size=1, max_size=50),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_noise_is_bounded_and_zero_is_kept(counts, seed):
    table = stored()
    keys = np.random.default_rng(seed).integers(0, 4096, size=len(counts)) / 4096
    original = np.array(counts)
    published = table.perturb(original, keys)
    assert np.all(np.abs(published - original) <= D)
    assert np.all(published >= 0)
    assert np.all(published[original == 0] == 0)
