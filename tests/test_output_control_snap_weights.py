"""The snap's ramp (rules/differencing.py): a set 10 to 19 pairs from a registered one is
taken iff the keyed weights of the pairs it differs by sum below `weight`; of the
registered sets that take a set, the one whose difference weighs least answers it. Real
fingerprints of seeded random ids (fixed draws: no flakiness) and the in-memory ledger."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from catalogue.analysis.output_control.fingerprint import fingerprint
from catalogue.analysis.output_control.ledger import (
    PAIRS_MEASURE,
    InMemoryReleaseLedger,
    Release,
    ReleasedSet,
)
from catalogue.analysis.output_control.rules.differencing import (
    Differencing,
    DifferencingParameters,
)

RULE = Differencing(DifferencingParameters())
REACH = 20
UNITS = 600


def _changed(rng: np.random.Generator, keys: np.ndarray, pairs: int) -> np.ndarray:
    """keys with pairs // 2 ids replaced (2 pairs each) and one removed if pairs is odd."""
    out = keys.copy()
    picked = rng.choice(len(keys), pairs // 2 + pairs % 2, replace=False)
    out[picked[: pairs // 2]] = rng.integers(1, 2**63, pairs // 2, dtype=np.uint64)
    return np.delete(out, picked[pairs // 2 :])


def test_certain_below_min_difference_never_beyond_reach() -> None:
    rng = np.random.default_rng(1)
    for pairs in (1, 2, 5, 9, 20, 21, 24):
        for _ in range(30):
            keys = rng.integers(1, 2**63, UNITS, dtype=np.uint64)
            taken = RULE.takes(fingerprint(_changed(rng, keys, pairs)), fingerprint(keys), REACH)
            assert taken == (pairs < 10)


def test_the_chance_falls_smoothly_over_the_ramp() -> None:
    """Documented (docs/OUTPUT_CONTROL.md §3): about 0.98 at 10 pairs, 0.5 at 14, 0.06 at
    18. Over 400 fixed draws the shares lie well inside these bounds."""
    rng = np.random.default_rng(2)
    shares = {}
    for pairs in (10, 14, 18):
        keys = [rng.integers(1, 2**63, UNITS, dtype=np.uint64) for _ in range(400)]
        shares[pairs] = np.mean(
            [RULE.takes(fingerprint(_changed(rng, k, pairs)), fingerprint(k), REACH) for k in keys]
        )
    assert shares[10] > 0.9
    assert 0.35 < shares[14] < 0.65
    assert shares[18] < 0.15


def test_a_difference_that_holds_another_is_never_taken_more_readily() -> None:
    """Monotone: if R does not take a padding, it does not take the padding with one more
    value changed (the same padding twice, red team)."""
    rng = np.random.default_rng(3)
    declined = 0
    for _ in range(300):
        keys = rng.integers(1, 2**63, UNITS, dtype=np.uint64)
        registered = fingerprint(keys)
        padding = _changed(rng, keys, 11)
        copy = padding.copy()
        same = np.isin(copy, keys)
        copy[np.flatnonzero(same)[0]] = rng.integers(1, 2**63, dtype=np.uint64)
        if not RULE.takes(fingerprint(padding), registered, REACH):
            declined += 1
            assert not RULE.takes(fingerprint(copy), registered, REACH)
    assert declined > 0  # the property was exercised


def _ledger(*sets: tuple[np.ndarray, str]) -> InMemoryReleaseLedger:
    ledger = InMemoryReleaseLedger()
    for keys, answer in sets:
        ledger.record(
            Release(
                "p",
                datetime(2026, 1, 1),
                1,
                (ReleasedSet(PAIRS_MEASURE, "sum", fingerprint(keys), answer=answer),),
            )
        )
    return ledger


def test_the_registered_set_whose_difference_weighs_least_answers() -> None:
    """A copy 2 pairs from a registered padding and 13 from an earlier registered set that
    declined the padding gets the padding's answer, whichever was registered first; a
    repeat gets its own set's answer."""
    rng = np.random.default_rng(4)
    checked = 0
    for _ in range(200):
        keys = rng.integers(1, 2**63, UNITS, dtype=np.uint64)
        padding = _changed(rng, keys, 11)
        if RULE.takes(fingerprint(padding), fingerprint(keys), REACH):
            continue
        copy = padding.copy()
        copy[np.flatnonzero(np.isin(copy, keys))[0]] = rng.integers(1, 2**63, dtype=np.uint64)
        for order in ([(keys, "R"), (padding, "S")], [(padding, "S"), (keys, "R")]):
            ledger = _ledger(*order)
            assert RULE.registered_for("sum", fingerprint(copy), ledger) == ("S", True)
            assert RULE.registered_for("sum", fingerprint(padding), ledger) == ("S", False)
            assert RULE.registered_for("sum", fingerprint(keys), ledger) == ("R", False)
        checked += 1
    assert checked > 0
