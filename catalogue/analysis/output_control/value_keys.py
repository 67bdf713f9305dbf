"""Keys of units *and their values*: what selects the noise of every number computed from
values (sums, means, smoothed extremes, summaries, model coefficients).

A count's noise is chosen by its cell's record keys, so it depends only on which units are
counted. A magnitude must also change its noise when any one unit's value changes:
otherwise Σ 2y and Σ 2y·[unit ≠ u] over the same units get the same noise and their
difference is 2·y_u exactly (OUTPUT_CONTROL.md §4, cases 17 and 18). So each (unit, value)
pair gets a 64-bit key

    value_key = mix(set_id ^ mix(bits(value) ^ salt))

from the unit's secret set id (cell_key.py: a keyed HMAC of its pseudonym, never output)
and the exact IEEE bits of its value (−0.0 counted as 0.0), with `mix` splitmix64's
finaliser, a bijection with full avalanche. A cell's *value digest* is the sum of its
pairs' keys mod 2^64: independent of row order, query text and variable names (a renamed
copy of a variable has the same digest), and a change of any one value or any one member
gives an unrelated digest. Values are never rounded first: a key blind to a 1 % change in
one value lets (1.01·S1 − S2)/0.01 recover it.

From a digest, `uniforms` draws the keys in [0, 1) that pick perturbation values: stream j
of a digest is mix(digest ^ salt_j), so the top-k contributions of one cell, and the
several statistics of one summary, get unrelated noise.

The compiled `_loops.cell_magnitudes` computes the same digests in its pass over the pairs;
`pair_keys` here is its numpy twin (a test holds them equal)."""

from __future__ import annotations

from collections.abc import Callable
from hashlib import blake2b
from typing import NamedTuple

import numpy as np

from .fingerprint import splitmix64

VALUE_SALT = np.uint64(0x5851F42D4C957F2D)
STREAM_SALT = np.uint64(0x2545F4914F6CDD1D)
_SIGNED_ZERO = np.float64(0.0)


def pair_keys(set_ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    """One key per (unit, value) pair: `set_ids[i]` is the unit of `values[i]`."""
    canonical = np.asarray(values, dtype=np.float64) + _SIGNED_ZERO  # −0.0 → 0.0
    return keyed_bits(set_ids, np.ascontiguousarray(canonical).view(np.uint64))


def keyed_bits(set_ids: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """Pair keys from 64 bits standing for each pair's value (a number's IEEE bits, or a
    hash of several values: a model row's outcome and regressors)."""
    bits = np.asarray(bits, dtype=np.uint64)
    return splitmix64(np.asarray(set_ids, dtype=np.uint64) ^ splitmix64(bits ^ VALUE_SALT))


def label_keys(set_ids: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Pair keys for values that are codes or texts (the mode): each distinct label is
    hashed once (BLAKE2b), and the hash stands in for a number's bits."""
    distinct, index = np.unique(np.asarray(labels).astype(str), return_inverse=True)
    hashed = np.array(
        [int.from_bytes(blake2b(v.encode(), digest_size=8).digest(), "little") for v in distinct],
        dtype=np.uint64,
    )
    bits = hashed[index.reshape(-1)] if len(distinct) else np.zeros(0, dtype=np.uint64)
    return keyed_bits(set_ids, bits)


def cell_digests(keys: np.ndarray, cell: np.ndarray, n_cells: int) -> np.ndarray:
    """Each cell's sum of its pairs' keys mod 2^64. Summed exactly in three 22-bit parts
    (float64 bincount sums stay exact below 2^53, far above 5.5 million × 2^22)."""
    keys = np.asarray(keys, dtype=np.uint64)
    cell = np.asarray(cell, dtype=np.int64)
    total = np.zeros(n_cells, dtype=np.uint64)
    mask = np.uint64((1 << 22) - 1)
    for shift in (0, 22, 44):
        part = ((keys >> np.uint64(shift)) & mask).astype(np.float64)
        sums = np.bincount(cell, weights=part, minlength=n_cells).astype(np.uint64)
        total += sums << np.uint64(shift)  # uint64 shifts and sums wrap: mod 2^64
    return total


def digest(keys: np.ndarray) -> int:
    """The digest of one set of pairs (numpy's uint64 sum wraps mod 2^64)."""
    return int(np.sum(np.asarray(keys, dtype=np.uint64), dtype=np.uint64))


def uniforms(digests: np.ndarray, stream: int) -> np.ndarray:
    """Per digest a key in [0, 1) for stream `stream` (53 bits, exactly representable)."""
    salt = splitmix64(np.array([stream], dtype=np.uint64) ^ STREAM_SALT)[0]
    mixed = splitmix64(np.asarray(digests, dtype=np.uint64) ^ salt)
    return (mixed >> np.uint64(11)).astype(np.float64) * 2.0**-53


def measure(digest_value: int, what: str = "values") -> str:
    """The differencing guard's measure for statistics of values: a digest of the pairs, so
    the same values under another name are the same measure (A's guard tells a repeat by
    set, measure and statistic). Keyed by the secret set ids: it tells nothing outside."""
    return f"{what}:{digest_value % (1 << 64):016x}"


SET_KEY_STREAM = 1 << 20  # apart from the streams the noise of magnitudes draws


def set_keys(id_xor: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Per set a key in [0, 1) of its units alone, from its fingerprint (the xors of its
    units' keyed ids, fingerprint.py): the same for the same units whatever their values.
    It jitters the bounds of rules that decide on exact values (p %, leverage)."""
    folded = np.sum(np.asarray(id_xor, dtype=np.uint64), axis=1, dtype=np.uint64)
    folded ^= np.asarray(sizes).astype(np.uint64)
    return uniforms(folded, stream=SET_KEY_STREAM)


# Two independent choices of anchor units for a model's affine form (`affine_canonical`,
# `span_canonical`):
# a model answered by one is registered under both, so a model with one unit's value
# changed is found under the choice whose anchors that unit is not.
AFFINE_SALTS = (np.uint64(0xD6E8FEB86659FD93), np.uint64(0xA0761D6478BD642F))
AFFINE_DECIMALS = 9  # the canonical values' grid: affine images computed in floats agree on it
_NO_KEY = np.uint64((1 << 64) - 1)


def affine_canonical(
    row_keys: np.ndarray,
    row_pattern: np.ndarray,
    design: np.ndarray,
    movable: np.ndarray,
    shifts: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """A model's design in a form that is the same for every affine image of its columns
    (x ↦ k·x + c, k ≠ 0, each column its own k and c), and per column the map (a, s) back:
    x = a + s·z. Each `movable` column is taken to z = (x − x_A)/(x_B − x_A), with A the
    pattern of the row of the smallest key (`row_keys`: secret, from each row's unit) and B
    that of the smallest-keyed row whose value differs from A's; with `shifts` False (a
    model without a constant of ones, where x + c is another model) a = 0 and B is the
    smallest-keyed row away from 0. z is rounded to AFFINE_DECIMALS so k·x + c computed in
    floats gives the same z; a change of one value below that grid changes no published
    figure (4 significant figures).

    Why anchors at units chosen by secret keys, not the column's mean, spread or extremes:
    the form must not move when one unit's value changes, or a model with the target's
    value changed iff it is diagnosed would be found (the same model, its answer given
    again) iff it is not (models.py). A mean moves every z with any one value; an extreme
    or a mode is the attacker's to build on the target. A keyed unit is one the attacker
    cannot name, and it anchors one choice of two (AFFINE_SALTS): a target that is an
    anchor of one choice is found by the other. Constant columns and columns held at one
    value keep (0, 1) and their values."""
    x = np.asarray(design, dtype=np.float64)
    patterns = x.shape[0]
    p = x.shape[1] if x.ndim == 2 else 0
    maps = np.tile(np.array([0.0, 1.0]), (p, 1))
    z = x.copy()
    if patterns == 0 or p == 0 or len(row_pattern) == 0:
        return maps, z
    first = np.full(patterns, _NO_KEY, dtype=np.uint64)
    np.minimum.at(first, np.asarray(row_pattern, dtype=np.int64), np.asarray(row_keys, np.uint64))
    held = first != _NO_KEY
    anchor = int(np.argmin(first))
    for j in range(p):
        if not movable[j]:
            continue
        column = x[:, j]
        base = float(column[anchor]) if shifts else 0.0
        away = held & (column != base)
        if not away.any():
            continue
        other = int(np.argmin(np.where(away, first, _NO_KEY)))
        scale = float(column[other]) - base
        maps[j] = (base, scale)
        # Values near the largest float overflow on the way to the grid (an ±∞ or NaN in z
        # is hashed as any value is), never a warning raised (red team test_non_finite).
        with np.errstate(all="ignore"):
            z[:, j] = np.round((column - base) / scale, AFFINE_DECIMALS) + 0.0
    return maps, z


# A pattern within this (relative) of the anchors' span adds no rank. Not below √ε (1.5e-8):
# an anchor taken at a residual r gives its direction q an error of about ε/r, and a row
# in the anchors' span then shows a residual of that size off the basis; at 1e-9 a row in
# the span passed for an anchor and X_A was singular (`_reorthogonalised`). At 1e-6 such a
# residual is ε/1e-6 = 2e-10, far under it (2026-12-07: 1e-9 → 1e-6).
SPAN_TOLERANCE = 1e-6
# The largest |Z| = |X·X_A⁻¹| a form may hold: a registered answer is carried to another
# model through X_A⁻¹ (models.py, b' = X'_A⁻¹·(s'·g + y'_A)), and the error that adds to
# the model's fitted values at any row is at most |Z|·p·ε of those at the anchors. Anchors
# near a dependent set (Z's values from 1e15 up: a linear predictor carried to garbage)
# give no form; a well-posed design's |Z| is far under this (its rows over the anchors').
SPAN_GROWTH = 1e8
_SPAN_CHUNK = 4096  # candidate patterns tested against the anchors at once


class Span(NamedTuple):
    """`span_canonical`'s form: the design at the anchors (X_A, anchors by columns), the
    form Z rounded, the anchors' patterns, and Z before rounding."""

    anchors: np.ndarray
    form: np.ndarray
    patterns: np.ndarray
    exact: np.ndarray


def span_canonical(
    row_keys: np.ndarray,
    row_pattern: np.ndarray,
    design: np.ndarray,
    ties: np.ndarray | None = None,
) -> Span | None:
    """A model's design in a form that is the same for every basis of its column space
    (X ↦ X·T, T any invertible p × p matrix: a regressor replaced by x₂ + m·x₁, two by
    x₁ + x₂ and x₁ − x₂, each column scaled or shifted by the constant), and the anchors'
    rows X_A that map it back: Z = X·X_A⁻¹, so X = Z·X_A. The anchors are p patterns
    taken in the order of their rows' smallest key (`row_keys`: secret, from each row's
    unit), each the first whose row is not in the span of those before it: whether a set of
    rows is independent does not change under X ↦ X·T, so every basis picks the same
    anchors, and X·T·(X_A·T)⁻¹ = X·X_A⁻¹. Z's column k is 1 at anchor k and 0 at the other
    anchors, and a fit's coefficients in this form are its linear predictor at the anchors
    (g = X_A·b): every basis's b = X_A⁻¹·g is one fit. Z is rounded to AFFINE_DECIMALS (on
    columns equilibrated by the anchors' scale), so bases computed in floats agree on it.
    None: the design has fewer than p independent patterns (no fit to find).

    Why keyed anchors, as `affine_canonical`'s: the form must not move when one unit's
    value changes (the same model with the target's value changed iff diagnosed must be
    found either way); a unit the attacker cannot name anchors one choice of two.
    `ties`: per pattern a second key, ascending, for patterns whose smallest row key is
    one unit's (a panel: a unit's rows in several patterns); without it such patterns come
    in the order of their index, which need not be the same for the same rows."""
    return _span(row_keys, row_pattern, design, _span_anchors, ties)


# How many draws of row keys a choice of anchors takes (`span_redrawn`) before it has none.
SPAN_DRAWS = 3


def span_redrawn(
    keys_of: Callable[[int], np.ndarray], row_pattern: np.ndarray, design: np.ndarray
) -> tuple[Span, np.ndarray] | None:
    """`span_canonical` under the row keys `keys_of(0)`, or, when their anchors are near a
    dependent set (|Z| over SPAN_GROWTH, or not finite), under `keys_of(1)`, … up to
    SPAN_DRAWS draws; with the keys it took. None: the design has fewer than p independent
    patterns, or every draw's anchors are near a dependent set.

    Why draw again rather than have no form: the keys are the same for every image the
    choice finds (the unit and the outcome's form), so the draws and the one taken are
    too; without it a model whose first anchors were near-dependent had no form at all,
    and every k·y + c of it was a fresh draw (did with unit effects, 51 within-transformed
    columns: |Z| 1.06e9 under one key set in 18, tests/test_models_panel_outcome_draws.py
    failing in CI with 5 distinct readings). The draw a target's changed value would move
    is one choice's, as its anchors are (the other choice finds it)."""
    for draw in range(SPAN_DRAWS):
        keys = keys_of(draw)
        found = _span_or_why(keys, row_pattern, design, _span_anchors)
        if isinstance(found, Span):
            return found, keys
        if not found:  # no full rank: no other draw has one
            return None
    return None


def _span(
    row_keys: np.ndarray,
    row_pattern: np.ndarray,
    design: np.ndarray,
    search: Callable[[np.ndarray, np.ndarray], list[int]],
    ties: np.ndarray | None = None,
) -> Span | None:
    """`span_canonical` with the anchor search `search` (rows scaled, their order)."""
    found = _span_or_why(row_keys, row_pattern, design, search, ties)
    return found if isinstance(found, Span) else None


def _span_or_why(
    row_keys: np.ndarray,
    row_pattern: np.ndarray,
    design: np.ndarray,
    search: Callable[[np.ndarray, np.ndarray], list[int]],
    ties: np.ndarray | None = None,
) -> Span | bool:
    """`_span`, or why not: True when p anchors were found but are near a dependent set
    (another draw of keys may find better), False when there are not p of them."""
    x = np.asarray(design, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0 or len(row_pattern) == 0:
        return False
    patterns, p = x.shape
    first = np.full(patterns, _NO_KEY, dtype=np.uint64)
    np.minimum.at(first, np.asarray(row_pattern, dtype=np.int64), np.asarray(row_keys, np.uint64))
    held = np.flatnonzero(first != _NO_KEY)
    if ties is None:
        order = held[np.argsort(first[held], kind="stable")]
    else:
        order = held[np.lexsort((np.asarray(ties)[held], first[held]))]
    scale = np.max(np.abs(x[held]), axis=0)
    if np.any(scale <= 0) or not np.all(np.isfinite(scale)):
        return False
    unit = x / scale
    anchors = search(unit, order)
    if len(anchors) < p:
        return False
    chosen = x[anchors]
    try:
        z = np.linalg.solve((chosen / scale).T, unit.T).T
    except np.linalg.LinAlgError:
        return True
    if not np.all(np.isfinite(z)) or float(np.max(np.abs(z), initial=0.0)) > SPAN_GROWTH:
        return True
    return Span(chosen, np.round(z, AFFINE_DECIMALS) + 0.0, np.array(anchors, np.int64), z)


def _span_anchors(unit: np.ndarray, order: np.ndarray) -> list[int]:
    """The anchors of `span_canonical`: in `order`, each row of `unit` (taken to length 1)
    whose residual off the span of the anchors before it is longer than SPAN_TOLERANCE, up
    to p of them. The same steps as `_span_anchors_reference` (the reference twin, held
    equal by tests/test_output_control_span.py), one Gram-Schmidt of the same kind (each
    residual r = v − Σ (v·q)·q from the row v itself), but a window of rows is projected
    off the basis once, and each anchor found then only takes its own q off the rows
    after it: the reference projects every row after an anchor off the whole basis
    again, p times p² work on a window (a model on i.v with 500 levels: 500 anchors, 0.3
    CPU s here against 16 s; test_presence's level-limit test 134 CPU s against 604)."""
    p = unit.shape[1]
    norms = np.linalg.norm(unit, axis=1)
    basis = np.empty((p, p))
    anchors: list[int] = []
    window = max(64, min(_SPAN_CHUNK, (1 << 16) // p))
    at = 0
    while len(anchors) < p and at < len(order):
        chunk = order[at : at + window]
        rows = unit[chunk] / np.maximum(norms[chunk], 1e-300)[:, None]
        known = basis[: len(anchors)]
        residual = rows - (rows @ known.T) @ known
        start = 0
        while len(anchors) < p and start < len(chunk):
            free = np.flatnonzero(np.linalg.norm(residual[start:], axis=1) > SPAN_TOLERANCE)
            if len(free) == 0:
                break
            i = start + int(free[0])
            start = i + 1
            found = _reorthogonalised(residual[i], basis[: len(anchors)])
            size = float(np.linalg.norm(found))
            if size <= SPAN_TOLERANCE:  # in the span, but for the first pass's rounding
                continue
            q = found / size
            basis[len(anchors)] = q
            anchors.append(int(chunk[i]))
            residual[start:] -= (rows[start:] @ q)[:, None] * q
        at += len(chunk)
    return anchors


def _reorthogonalised(residual: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """A candidate's residual projected off the anchors' basis a second time ("twice is
    enough"): one pass of Gram-Schmidt leaves of a row in the span a residual of the
    basis's lost orthogonality, not 0, and a basis built from such a residual loses more.
    Found on did with unit effects (50 within-transformed columns, one secret in two): a
    row in the span left 4.1e-9 > SPAN_TOLERANCE (1e-9), was taken as an anchor, and X_A was
    singular (condition 3.6e18): the registered answer carried through X_A⁻¹ came out
    thousands of standard errors off (red team test_monthly, panel fits of k·lonn + c;
    tests/test_models_panel_outcome_draws.py). SPAN_TOLERANCE was 1e-9 then; with this
    pass alone one draw of keys in 40 still took such a row (anchors at residuals near
    1e-9 leave their directions off by ε/1e-9): it is 1e-6 since
    (tests/test_output_control_span.py)."""
    if len(basis) == 0:
        return residual
    return residual - (residual @ basis.T) @ basis


def _span_anchors_reference(unit: np.ndarray, order: np.ndarray) -> list[int]:
    """`_span_anchors` as first written (the reference twin): after each anchor, the rows
    after it are projected off the whole basis afresh."""
    p = unit.shape[1]
    norms = np.linalg.norm(unit, axis=1)
    basis = np.zeros((0, p))
    anchors: list[int] = []
    at = 0
    while len(anchors) < p and at < len(order):
        chunk = order[at : at + _SPAN_CHUNK]
        rows = unit[chunk] / np.maximum(norms[chunk], 1e-300)[:, None]
        residual = rows - (rows @ basis.T) @ basis
        free = np.flatnonzero(np.linalg.norm(residual, axis=1) > SPAN_TOLERANCE)
        if len(free) == 0:
            at += len(chunk)
            continue
        found = _reorthogonalised(residual[free[0]], basis)
        size = float(np.linalg.norm(found))
        if size > SPAN_TOLERANCE:
            basis = np.vstack([basis, found / size])
            anchors.append(int(chunk[free[0]]))
        at += int(free[0]) + 1
    return anchors
