"""Pseudonyms for a whole file, each identifier hashed about once.

Identifiers repeat across the batches of a file (a person has a row per year, in any
order), so a conversion remembers the pseudonyms it has computed. Identifiers of up to 17
decimal digits (fødselsnummer, organisasjonsnummer, serial numbers: every unit type regcat
ships) are handled as exact int64 keys, length * 10**17 + number (the length keeps
leading zeros apart), entirely in numpy: a batch is grouped into its distinct keys by
sorting (range by range of values, each small enough for the CPU cache), and those are
looked up at once in a sorted array of the keys seen so far; only new ones are hashed.
Other identifiers go through a dict, which is correct but slower.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest.pseudonym import IdHasher

NULL_KEY = -1
_DIGITS = 17
_LENGTH_UNIT = 10**_DIGITS


def numeric_keys(ids: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """The key of each identifier (NULL_KEY for nulls), or None when some identifier is not
    1–17 decimal digits."""
    lengths = pc.binary_length(ids)
    longest = pc.max(lengths).as_py()
    if longest is None or longest > _DIGITS or not pc.all(pc.ascii_is_decimal(ids)).as_py():
        return None
    keys = pc.add(pc.multiply(pc.cast(lengths, pa.int64()), _LENGTH_UNIT), pc.cast(ids, pa.int64()))
    return pc.fill_null(keys, NULL_KEY).to_numpy(zero_copy_only=False)


def key_lengths_and_numbers(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The number of digits and the value of each identifier a key was made from."""
    return np.divmod(keys, _LENGTH_UNIT)


def texts_of_keys(keys: np.ndarray) -> list[str]:
    """The identifiers the keys were made from."""
    lengths, values = key_lengths_and_numbers(keys)
    numbers = pc.cast(pa.array(values), pa.string())
    texts: list[str] = [""] * len(keys)
    for length in np.unique(lengths).tolist():
        where = np.flatnonzero(lengths == length)
        padded = pc.utf8_lpad(numbers.take(where), width=length, padding="0").to_pylist()
        if len(where) == len(keys):
            return padded
        for i, text in zip(where.tolist(), padded, strict=True):
            texts[i] = text
    return texts


@dataclass
class GroupedIds:
    """A batch's identifiers grouped: per row an index into `keys` or `texts`. Made in the
    reader thread (numpy and pyarrow sort without holding the GIL), so the main thread
    only looks up the distinct ones."""

    per_row: np.ndarray
    keys: np.ndarray | None  # sorted, distinct; NULL_KEY (first) for a null
    texts: pa.Array | None  # the distinct identifiers, when they are not numeric
    has_nulls: bool  # with texts: a null row points just past the last text


def group_ids(ids: pa.Array | pa.ChunkedArray) -> GroupedIds:
    has_nulls = ids.null_count > 0
    keys = numeric_keys(ids)
    if keys is not None:
        distinct, per_row = _unique_by_range(keys)
        return GroupedIds(per_row, distinct, None, has_nulls)
    if isinstance(ids, pa.ChunkedArray):  # one dictionary for the whole batch
        ids = ids.combine_chunks()
    encoded = pc.dictionary_encode(ids)
    texts = encoded.dictionary
    per_row = pc.fill_null(encoded.indices, len(texts)).to_numpy(zero_copy_only=False)
    return GroupedIds(per_row, None, texts, has_nulls)


_ROWS_PER_RANGE = 8192  # sorting is fastest on pieces that fit the CPU cache


def _unique_by_range(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(keys, return_inverse=True), faster: the keys are first cut into ranges of
    values (a radix pass on their top bits), each range about 8 Ki keys, and each range is
    sorted on its own. The ranges come out in order, so their distinct keys simply follow
    each other."""
    ranges = min(256, len(keys) // _ROWS_PER_RANGE)
    if ranges < 2:
        distinct, per_row = np.unique(keys, return_inverse=True)
        return distinct, per_row.astype(np.int32)
    real = keys[keys != NULL_KEY]
    low, high = (int(real.min()), int(real.max())) if len(real) else (0, 0)
    shift = max(0, (high - low).bit_length() - (ranges - 1).bit_length())
    # A null key (-1) is below every other key: it falls in the first range.
    which = np.clip((keys - low) >> shift, 0, ranges - 1).astype(np.uint8)
    order = np.argsort(which, kind="stable")  # a radix sort for 8-bit keys
    bounds = np.concatenate(([0], np.cumsum(np.bincount(which, minlength=ranges))))
    grouped = keys[order]
    per_row = np.empty(len(keys), dtype=np.int32)
    parts = []
    found = 0
    for r in np.flatnonzero(np.diff(bounds)).tolist():
        first, last = bounds[r], bounds[r + 1]
        distinct, inverse = np.unique(grouped[first:last], return_inverse=True)
        per_row[order[first:last]] = inverse + found
        parts.append(distinct)
        found += len(distinct)
    return np.concatenate(parts), per_row


class _SortedStore:
    """int64 keys to int64 values, in two arrays sorted by key; new keys are merged in."""

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype=np.int64)
        self._values = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._keys)

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(values, found) per key; values are 0 where not found. Sorted `keys` make the
        search a merge."""
        values = np.zeros(len(keys), dtype=np.int64)
        if not len(self._keys):
            return values, np.zeros(len(keys), dtype=bool)
        where = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        found = self._keys[where] == keys
        values[found] = self._values[where[found]]
        return values, found

    def add(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Add sorted, distinct keys that are not in the store yet."""
        at = np.searchsorted(self._keys, keys)
        self._keys = np.insert(self._keys, at, keys)
        self._values = np.insert(self._values, at, values)


class CachedPseudonyms:
    """The pseudonyms of one unit type over a whole conversion; see the module docstring.
    At most `capacity` identifiers are remembered (16 bytes each, 64 MiB for 4 Mi); beyond
    that the memory starts over, which is still correct, only slower."""

    def __init__(self, hasher: IdHasher, capacity: int = 4_000_000) -> None:
        self._hasher = hasher
        self._capacity = capacity
        self._by_key = _SortedStore()
        self._by_text: dict[str, int] = {}

    def of(self, ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """The pseudonym of each identifier; 0 where it is null."""
        return self.of_grouped(group_ids(ids))

    def of_grouped(self, ids: GroupedIds) -> np.ndarray:
        if ids.keys is not None:
            return self._of_keys(ids.keys)[ids.per_row]
        assert ids.texts is not None
        per_distinct = self._of_texts(ids.texts.to_pylist())
        if ids.has_nulls:
            per_distinct = np.append(per_distinct, 0)
        return per_distinct[ids.per_row]

    def _of_keys(self, keys: np.ndarray) -> np.ndarray:
        """Pseudonyms of sorted, distinct keys (0 for NULL_KEY)."""
        pseudonyms, found = self._by_key.lookup(keys)
        missing = ~found & (keys != NULL_KEY)
        if missing.any():
            new_keys = keys[missing]  # sorted and distinct, as `keys` are
            fresh = self._hasher.digests(texts_of_keys(new_keys))
            if len(self._by_key) + len(new_keys) > self._capacity:
                self._by_key = _SortedStore()
            self._by_key.add(new_keys, fresh)
            pseudonyms[missing] = fresh
        return pseudonyms

    def _of_texts(self, texts: list[str]) -> np.ndarray:
        known = self._by_text
        found = [known.get(text) for text in texts]
        missing = [i for i, p in enumerate(found) if p is None]
        if missing:
            fresh = self._hasher.digests([texts[i] for i in missing]).tolist()
            if len(known) + len(missing) > self._capacity:
                known.clear()
            for i, pseudonym in zip(missing, fresh, strict=True):
                found[i] = known[texts[i]] = pseudonym
        return np.fromiter(found, dtype=np.int64, count=len(found))
