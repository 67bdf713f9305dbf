"""Pseudonyms and the key file."""

from __future__ import annotations

import hmac
import stat
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from catalogue.domain.errors import RegcatError
from ingest import PseudonymKeys, create_key_file, load_keys
from ingest.id_cache import CachedPseudonyms, group_ids, numeric_keys, texts_of_keys

MASTER = bytes(range(32))


def reference_pseudonym(master: bytes, unit_type: str, identifier: str) -> int:
    """The definition, written with the standard library's hmac module."""
    unit_key = hmac.digest(master, b"regcat-unit-type:" + unit_type.encode(), "sha256")
    digest = hmac.digest(unit_key, identifier.encode("utf-8"), "sha256")
    return int.from_bytes(digest[:8], "little", signed=True)


IDS = ["01017012345", "12345678901", "0", "007", "7", "A-123", "æøå", "12345678901"]


def test_pseudonyms_follow_the_definition() -> None:
    keys = PseudonymKeys(MASTER)
    found = keys.pseudonymise("PERSON", pa.array(IDS)).to_pylist()
    assert found == [reference_pseudonym(MASTER, "PERSON", i) for i in IDS]


def test_numeric_and_text_identifiers_take_different_paths_to_the_same_pseudonyms() -> None:
    numeric = ["01017012345", "1017012345", "0", "00", "99999999999999999"]
    assert numeric_keys(pa.array(numeric)) is not None
    assert numeric_keys(pa.array([*numeric, "x"])) is None
    keys = PseudonymKeys(MASTER)
    alone = keys.pseudonymise("PERSON", pa.array(numeric)).to_pylist()
    mixed = keys.pseudonymise("PERSON", pa.array([*numeric, "x"])).to_pylist()[:-1]
    assert alone == mixed == [reference_pseudonym(MASTER, "PERSON", i) for i in numeric]
    assert len(set(alone)) == len(numeric)  # leading zeros make different identifiers


def test_nulls_stay_null() -> None:
    for ids in (["123", None, "123"], ["a", None, "a"]):
        found = PseudonymKeys(MASTER).pseudonymise("PERSON", pa.array(ids))
        assert found.null_count == 1
        assert found[0] == found[2]
        cached = CachedPseudonyms(PseudonymKeys(MASTER).hasher("PERSON")).of(pa.array(ids))
        assert cached.tolist() == [found[0].as_py(), 0, found[0].as_py()]


def test_pseudonyms_differ_across_unit_types_and_keys() -> None:
    ids = pa.array(["12345678901", "A-1"])
    person = PseudonymKeys(MASTER).pseudonymise("PERSON", ids).to_pylist()
    family = PseudonymKeys(MASTER).pseudonymise("FAMILIE", ids).to_pylist()
    other_key = PseudonymKeys(bytes(32)).pseudonymise("PERSON", ids).to_pylist()
    assert not set(person) & set(family)
    assert not set(person) & set(other_key)


def test_the_cache_remembers_across_batches_and_starts_over_when_full() -> None:
    keys = PseudonymKeys(MASTER)
    cache = CachedPseudonyms(keys.hasher("PERSON"))
    first = cache.of(pa.array(["1", "2", "3"]))
    second = cache.of(pa.array(["3", "4", "1"]))
    assert second[0] == first[2] and second[2] == first[0]
    tiny = CachedPseudonyms(keys.hasher("PERSON"), capacity=2)
    for batch in (["1", "2"], ["3", "4"], ["1", "4"]):
        found = tiny.of(pa.array(batch)).tolist()
        assert found == [reference_pseudonym(MASTER, "PERSON", i) for i in batch]


def test_grouping_lists_each_identifier_once() -> None:
    grouped = group_ids(pa.chunked_array([["5", "3"], ["5", None]]))
    assert grouped.keys is not None and len(grouped.keys) == 3  # -1 for the null, 3, 5
    assert grouped.has_nulls
    assert grouped.per_row[0] == grouped.per_row[2]
    keys = numeric_keys(pa.array(["0042", "42", "7"]))
    assert keys is not None and texts_of_keys(keys) == ["0042", "42", "7"]


def test_many_batches_of_many_identifiers_match_the_definition() -> None:
    rng = np.random.default_rng(7)
    people = [str(n).zfill(11) for n in rng.integers(0, 10**11, 3_000)]
    cache = CachedPseudonyms(PseudonymKeys(MASTER).hasher("PERSON"))
    expected = dict(
        zip(
            people,
            PseudonymKeys(MASTER).pseudonymise("PERSON", pa.array(people)).to_pylist(),
            strict=True,
        )
    )
    for _ in range(6):  # more rows than one grouping slice, and the store's levels merge
        batch = [people[i] for i in rng.integers(0, len(people), 70_000)]
        found = cache.of(pa.array(batch)).tolist()
        assert found == [expected[p] for p in batch]


def test_key_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "nested" / "pseudonym.key"
    create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert len(bytes.fromhex(text.strip())) == 32
    with pytest.raises(RegcatError) as refused:
        create_key_file(path)
    assert refused.value.code == "key-file-exists"
    assert path.read_text() == text
    keys = load_keys(path)
    assert "hidden" in repr(keys) and text.strip() not in repr(keys)
    ids = pa.array(["12345678901"])
    assert keys.pseudonymise("PERSON", ids) == load_keys(path).pseudonymise("PERSON", ids)


def test_a_missing_key_file_says_to_run_init(tmp_path: Path) -> None:
    with pytest.raises(RegcatError) as missing:
        load_keys(tmp_path / "absent.key")
    assert missing.value.code == "key-file-missing"
    assert "regcat init" in missing.value.nb and "regcat init" in missing.value.en


@pytest.mark.parametrize("content", ["not hex at all", "abcd", ""])
def test_a_damaged_key_file_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.key"
    path.write_text(content)
    with pytest.raises(RegcatError) as bad:
        load_keys(path)
    assert bad.value.code == "key-file-invalid"
    assert bad.value.nb and bad.value.en


def test_a_wrong_length_master_key_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        PseudonymKeys(b"short")


def test_hashing_many_identifiers_matches_one_by_one() -> None:
    keys = PseudonymKeys(MASTER)
    ids = [str(n) for n in np.random.default_rng(1).integers(0, 10**11, 500)]
    found = keys.hasher("PERSON").digests(ids).tolist()
    assert found == [reference_pseudonym(MASTER, "PERSON", i) for i in ids]


def test_grouping_by_value_ranges_equals_numpy_unique() -> None:
    from ingest.id_cache import NULL_KEY, _unique_by_range

    rng = np.random.default_rng(11)
    long_ids = 11 * 10**17 + rng.integers(0, 10**11, 40_000)
    short_ids = 9 * 10**17 + rng.integers(0, 10**9, 30_000)
    keys = np.concatenate([long_ids, short_ids, np.full(20_000, NULL_KEY)])
    rng.shuffle(keys)
    distinct, per_row = _unique_by_range(keys)
    expected_distinct, expected_per_row = np.unique(keys, return_inverse=True)
    assert distinct.tolist() == expected_distinct.tolist()
    assert per_row.tolist() == expected_per_row.tolist()
