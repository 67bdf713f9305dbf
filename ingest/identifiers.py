"""Identifiers checked against their unit type's rule (catalogue.domain.identifiers), one
batch at a time and vectorised.

The check runs on the batch's distinct identifiers, which ingest.id_cache has already
grouped for pseudonymisation, and only its verdicts are spread back to the rows. Numeric
identifiers (the usual case) arrive as int64 keys that hold their length and value, so the
number of digits is read off the key and a checksum is a few table look-ups per identifier:
the value is cut into 3-digit pieces from the right, and a table per piece holds that
piece's weighted digit sum. Other identifiers (a letter somewhere) are checked as text.
Valid data costs one pass over the distinct identifiers and nothing per row."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from catalogue.domain.identifiers import Checksum, IdentifierProblem, IdentifierRule
from ingest.id_cache import NULL_KEY, GroupedIds, key_lengths_and_numbers

# Verdicts, as small integers in arrays; 0 is a sound identifier (or a missing one, which
# is reported as missing instead).
PROBLEMS: tuple[IdentifierProblem | None, ...] = (None, *IdentifierProblem)
_CODE = {problem: code for code, problem in enumerate(PROBLEMS)}
_PIECE = 1000  # 3 digits per table look-up


@dataclass(frozen=True)
class BadIdentifiers:
    """The rows of a batch whose identifier breaks the rule, and why (per row)."""

    rows: np.ndarray  # mask over the batch's rows
    problem_codes: np.ndarray  # int8 per row, an index into PROBLEMS

    def problem(self, row: int) -> IdentifierProblem:
        found = PROBLEMS[int(self.problem_codes[row])]
        assert found is not None
        return found


def bad_identifiers(ids: GroupedIds, rule: IdentifierRule) -> BadIdentifiers | None:
    """None when every identifier of the batch keeps the rule."""
    if ids.keys is not None:
        verdicts = _numeric_verdicts(ids.keys, rule)
    else:
        assert ids.texts is not None
        verdicts = _text_verdicts(ids.texts, rule)
        if ids.has_nulls:  # a null row points just past the last text
            verdicts = np.append(verdicts, np.int8(0))
    if not verdicts.any():
        return None
    per_row = verdicts[ids.per_row]
    return BadIdentifiers(per_row != 0, per_row)


def _numeric_verdicts(keys: np.ndarray, rule: IdentifierRule) -> np.ndarray:
    lengths, numbers = key_lengths_and_numbers(keys)
    verdicts = np.zeros(len(keys), dtype=np.int8)
    present = keys != NULL_KEY
    wrong_length = present & ((lengths < rule.min_digits) | (lengths > rule.max_digits))
    verdicts[wrong_length] = _CODE[IdentifierProblem.LENGTH]
    if rule.checksums:
        checked = present & ~wrong_length
        failed = _failing_checksums(numbers[checked], rule)
        where = np.flatnonzero(checked)[failed]
        verdicts[where] = _CODE[IdentifierProblem.CHECKSUM]
    return verdicts


def _text_verdicts(texts: pa.Array, rule: IdentifierRule) -> np.ndarray:
    verdicts = np.zeros(len(texts), dtype=np.int8)
    if not len(texts):
        return verdicts
    digits_only = pc.fill_null(pc.ascii_is_decimal(texts), True).to_numpy(zero_copy_only=False)
    lengths = pc.fill_null(pc.binary_length(texts), 0).to_numpy(zero_copy_only=False)
    wrong_length = digits_only & ((lengths < rule.min_digits) | (lengths > rule.max_digits))
    verdicts[~digits_only] = _CODE[IdentifierProblem.NOT_DIGITS]
    verdicts[wrong_length] = _CODE[IdentifierProblem.LENGTH]
    if rule.checksums:
        checked = np.flatnonzero(digits_only & ~wrong_length)
        numbers = pc.cast(texts.take(pa.array(checked)), pa.int64()).to_numpy(zero_copy_only=False)
        failed = _failing_checksums(numbers, rule)
        verdicts[checked[failed]] = _CODE[IdentifierProblem.CHECKSUM]
    return verdicts


def _failing_checksums(numbers: np.ndarray, rule: IdentifierRule) -> np.ndarray:
    """Which of `numbers` (each with the rule's fixed number of digits) fail a checksum.
    The 3-digit pieces are cut once and serve every checksum."""
    pieces = []
    rest = numbers
    for _ in range(-(-rule.max_digits // 3)):
        above = rest // _PIECE
        pieces.append(rest - above * _PIECE)
        rest = above
    failed = np.zeros(len(numbers), dtype=bool)
    for checksum in rule.checksums:
        tables, multiple = _piece_tables(checksum)
        total = tables[0][pieces[0]]
        for table, piece in zip(tables[1:], pieces[1:], strict=True):
            total += table[piece]
        failed |= ~multiple[total]
    return failed


@functools.cache
def _piece_tables(checksum: Checksum) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Per 3-digit piece of the value (the last digits first), the weighted digit sum of
    each of its 1000 values, modulo the checksum's modulus; and for every possible sum of
    those, whether it is a multiple of the modulus (a look-up is cheaper than a modulo)."""
    weights = checksum.weights[::-1]  # the last digit first
    values = np.arange(_PIECE)
    tables = []
    for start in range(0, len(weights), 3):
        table = np.zeros(_PIECE, dtype=np.int64)
        for offset, weight in enumerate(weights[start : start + 3]):
            table += weight * (values // 10**offset % 10)
        tables.append((table % checksum.modulus).astype(np.int16))
    sums = np.arange(len(tables) * (checksum.modulus - 1) + 1)
    return tuple(tables), sums % checksum.modulus == 0
