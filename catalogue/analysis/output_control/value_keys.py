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

from hashlib import blake2b

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
