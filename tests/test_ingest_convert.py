"""Good extracts become Parquet files that explain themselves and hold no identifier."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from ingest import ConversionResult, PseudonymKeys, convert_dataset
from ingest.testing import code, person_id, variable, write_dataset
from schemas.metadata import dump_variable_metadata
from tests.test_ingest_support import KEYS, UNIT_TYPES, convert_folder, source_of


def convert(
    tmp_path: Path,
    name: str,
    document: dict[str, Any],
    lines: list[str],
    out: str = "out",
    keys: PseudonymKeys = KEYS,
    **options: Any,
) -> ConversionResult:
    folder = write_dataset(tmp_path / "extract", name, document, lines)
    result = convert_folder(folder, tmp_path / out, "0.0.0.1", keys, **options)
    assert result.ok, result.report.render("en")
    return result


def read(tmp_path: Path, result: ConversionResult, out: str = "out") -> pa.Table:
    tables = [pq.read_table(tmp_path / out / f.path) for f in result.files]
    return pa.concat_tables(tables) if tables else pa.table({})


def pseudonyms(unit_type: str, ids: list[str], keys: PseudonymKeys = KEYS) -> list[int]:
    return keys.pseudonymise(unit_type, pa.array(ids)).to_pylist()


P1, P2, P3 = person_id(0), person_id(1), person_id(2)

TEMPORALITIES = {
    "FIXED": (["{p1};K;;;", "{p2};M;;;"], ["part-00000.parquet"]),
    "STATUS": (
        [
            "{p1};5;2020-01-01;2020-01-01;",
            "{p1};6;2021-01-01;2021-01-01;",
            "{p2};7;2021-01-01;2021-01-01;",
        ],
        ["start_year=2020/part-00000.parquet", "start_year=2021/part-00000.parquet"],
    ),
    "ACCUMULATED": (
        [
            "{p1};5;2020-01-01;2020-12-31;",
            "{p2};6;2020-01-01;2020-12-31;",
            "{p1};7;2021-01-01;2021-12-31;",
        ],
        ["start_year=2020/part-00000.parquet", "start_year=2021/part-00000.parquet"],
    ),
    "EVENT": (
        ["{p1};5;2019-03-01;2020-02-01;", "{p1};6;2020-02-02;;", "{p2};7;2021-05-05;2021-05-05;"],
        ["part-00000.parquet"],
    ),
}


@pytest.mark.parametrize("temporality", sorted(TEMPORALITIES))
def test_each_temporality_converts(tmp_path: Path, temporality: str) -> None:
    template, paths = TEMPORALITIES[temporality]
    lines = [line.format(p1=P1, p2=P2) for line in template]
    data_type = "STRING" if temporality == "FIXED" else "LONG"
    result = convert(tmp_path, "VAR", variable("VAR", temporality, data_type=data_type), lines)
    assert [f.path for f in result.files] == paths
    assert result.row_count == len(lines) == sum(f.rows for f in result.files)
    assert result.unit_count == 2
    table = read(tmp_path, result)
    assert table.schema.field("unit_id").type == pa.int64()
    assert table.schema.field("start").type == pa.date32()
    assert table.schema.field("stop").type == pa.date32()
    assert set(table["unit_id"].to_pylist()) == set(pseudonyms("PERSON", [P1, P2]))
    if temporality == "FIXED":
        assert table["start"].null_count == table["stop"].null_count == len(lines)
        assert (result.start_min, result.stop_max) == (None, None)
    else:
        assert table["value"].type == pa.int64()
        assert result.start_min is not None and result.start_min.year in (2019, 2020)
    if temporality == "EVENT":
        assert table["stop"].null_count == 1  # the open spell
        assert (result.start_min, result.stop_max) == (date(2019, 3, 1), date(2021, 5, 5))


def test_files_explain_themselves(tmp_path: Path) -> None:
    document = variable(
        "SIVILSTAND",
        "EVENT",
        data_type="STRING",
        codes=[code("G", "Gift", "2000-01-01"), code("U", "Ugift", "2000-01-01")],
        sentinels={"9": "Ukjent"},
    )
    lines = [f"{P1};G;2010-01-01;2015-01-01;", f"{P1};U;2015-01-02;;", f"{P2};9;2012-01-01;;"]
    result = convert(tmp_path, "SIVILSTAND", document, lines)
    [written] = result.files
    parquet = pq.ParquetFile(tmp_path / "out" / written.path)
    schema = parquet.schema_arrow
    assert schema.field("value").type == pa.dictionary(pa.int32(), pa.string())
    assert schema.field("unit_id").type == pa.int64()
    meta = parquet.metadata
    for i in range(meta.num_columns):
        assert meta.row_group(0).column(i).compression == "ZSTD"
    kv = {k.decode(): v.decode() for k, v in meta.metadata.items()}
    assert kv["regcat.name"] == "SIVILSTAND"
    assert kv["regcat.version"] == "0.0.0.1"
    assert kv["regcat.temporality"] == "EVENT"
    assert kv["regcat.unit_type"] == "PERSON"
    _source, metadata = source_of(tmp_path / "extract" / "SIVILSTAND")
    assert json.loads(kv["regcat.metadata"]) == json.loads(
        json.dumps(dump_variable_metadata(metadata), sort_keys=True)
    )
    assert parquet.read()["value"].to_pylist() == ["G", "U", "9"]
    assert result.value_counts == {"G": 1, "U": 1, "9": 1}


def test_double_and_date_values(tmp_path: Path) -> None:
    result = convert(
        tmp_path,
        "VEKT",
        variable("VEKT", "STATUS", data_type="DOUBLE"),
        [f"{P1};3.25;2020-01-01;2020-01-01;", f"{P2};-1e3;2020-01-01;2020-01-01;"],
    )
    assert read(tmp_path, result)["value"].to_pylist() == [3.25, -1000.0]
    result = convert(
        tmp_path,
        "FOEDT",
        variable("FOEDT", "FIXED", data_type="DATE"),
        [f"{P1};1970-01-01;;;", f"{P2};1970-12-12;;;"],
        out="out2",
    )
    values = read(tmp_path, result, "out2")["value"]
    assert values.type == pa.date32()
    assert values.to_pylist() == [date(1970, 1, 1), date(1970, 12, 12)]


def test_pseudonyms_are_stable_across_runs_and_differ_across_keys(tmp_path: Path) -> None:
    document = variable("KJOENN", "FIXED", data_type="STRING")
    lines = [f"{P1};K;;;", f"{P2};M;;;"]
    first = read(tmp_path / "a", convert(tmp_path / "a", "KJOENN", document, lines))
    again = read(tmp_path / "b", convert(tmp_path / "b", "KJOENN", document, lines))
    expected = pseudonyms("PERSON", [P1, P2])
    assert first["unit_id"].to_pylist() == again["unit_id"].to_pylist() == expected
    other = PseudonymKeys(bytes(32))
    elsewhere = read(tmp_path / "c", convert(tmp_path / "c", "KJOENN", document, lines, keys=other))
    assert not set(elsewhere["unit_id"].to_pylist()) & set(first["unit_id"].to_pylist())


def read_in(folder: Path, result: ConversionResult) -> pa.Table:
    return pa.concat_tables([pq.read_table(folder / f.path) for f in result.files])


def test_the_mother_column_links_to_person_pseudonyms(tmp_path: Path) -> None:
    sex = convert(
        tmp_path,
        "KJOENN",
        variable("KJOENN", "FIXED", data_type="STRING"),
        [f"{P1};K;;;", f"{P2};M;;;", f"{P3};K;;;"],
        out="kjoenn",
    )
    mother = convert(
        tmp_path,
        "MOR",
        variable("MOR", "FIXED", measure_unit_type="PERSON"),
        [f"{P2};{P1};;;", f"{P3};{P1};;;"],
        out="mor",
    )
    people = read_in(tmp_path / "kjoenn", sex)
    mothers = read_in(tmp_path / "mor", mother)
    assert mothers.schema.field("value").type == pa.int64()
    woman = people["unit_id"][0].as_py()
    assert mothers["value"].to_pylist() == [woman, woman]
    assert set(mothers["unit_id"].to_pylist()) <= set(people["unit_id"].to_pylist())


def test_other_unit_types_get_other_pseudonyms(tmp_path: Path) -> None:
    result = convert(
        tmp_path, "FAMSTR", variable("FAMSTR", "FIXED", unit_type="FAMILIE"), [f"{P1};3;;;"]
    )
    [family] = read(tmp_path, result)["unit_id"].to_pylist()
    assert family == pseudonyms("FAMILIE", [P1])[0] != pseudonyms("PERSON", [P1])[0]


def test_unit_types_without_pseudonyms_keep_their_identifiers(tmp_path: Path) -> None:
    document = variable("INNBYGGERE", "STATUS", unit_type="KOMMUNE")
    result = convert(
        tmp_path,
        "INNBYGGERE",
        document,
        ["0301;700000;2020-01-01;2020-01-01;", "5001;200000;2020-01-01;2020-01-01;"],
    )
    table = read(tmp_path, result)
    assert table.schema.field("unit_id").type == pa.string()
    assert table["unit_id"].to_pylist() == ["0301", "5001"]


def test_no_identifier_reaches_any_output_file(tmp_path: Path) -> None:
    ids = [person_id(7919 * i) for i in range(300)]
    lines = [f"{p};{ids[(i + 1) % 300]};;;" for i, p in enumerate(ids)]
    convert(
        tmp_path, "FAR", variable("FAR", "FIXED", measure_unit_type="PERSON"), lines, batch_rows=64
    )
    blobs = [p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert blobs
    for identifier in ids:
        assert not any(identifier.encode() in blob for blob in blobs), identifier


def test_checksums_sizes_and_rows_match_the_files(tmp_path: Path) -> None:
    lines = [f"{person_id(i)};{i};{2000 + i % 7}-01-01;{2000 + i % 7}-12-31;" for i in range(700)]
    result = convert(tmp_path, "INNTEKT", variable("INNTEKT", "ACCUMULATED"), lines, batch_rows=50)
    assert len(result.files) == 7  # one per start year
    for written in result.files:
        data = (tmp_path / "out" / written.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == written.sha256
        assert len(data) == written.size
        assert pq.ParquetFile(tmp_path / "out" / written.path).metadata.num_rows == written.rows
    assert sum(f.rows for f in result.files) == 700
    on_disk = sorted(
        str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*.parquet")
    )
    assert on_disk == [f.path for f in result.files]
    assert not (tmp_path / "out" / "_spill").exists()


def test_large_files_are_split_into_parts(tmp_path: Path) -> None:
    lines = [f"{person_id(i)};{i};2020-01-01;;" for i in range(2_000)]
    result = convert(tmp_path, "HENDELSE", variable("HENDELSE", "EVENT"), lines, batch_rows=100)
    assert [f.path for f in result.files] == ["part-00000.parquet", "part-00001.parquet"]
    assert [f.rows for f in result.files] == [1_600, 400]
    assert read(tmp_path, result)["value"].to_pylist() == list(range(2_000))


def test_an_overlap_across_batches_is_found(tmp_path: Path) -> None:
    lines = [f"{person_id(i)};{i};2020-01-01;2020-12-31;" for i in range(5_000)]
    lines[4_990] = f"{person_id(10)};1;2020-07-01;2021-06-30;"
    folder = write_dataset(
        tmp_path / "extract", "INNTEKT", variable("INNTEKT", "ACCUMULATED"), lines
    )
    result = convert_folder(folder, tmp_path / "out", batch_rows=1_000)
    [problem] = result.report.errors
    assert (problem.code, problem.row, problem.column) == ("overlapping-periods", 4_991, "start")
    assert "rad 11" in problem.nb


def test_progress_is_reported_per_batch(tmp_path: Path) -> None:
    lines = [f"{person_id(i)};{i};;;" for i in range(1_000)]
    calls: list[tuple[int, int]] = []
    convert(
        tmp_path,
        "TALL",
        variable("TALL", "FIXED"),
        lines,
        batch_rows=100,
        progress=lambda done, total: calls.append((done, total)),
    )
    size = (tmp_path / "extract" / "TALL" / "TALL.csv").stat().st_size
    assert len(calls) >= 5
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (size, size)


def test_any_pyarrow_file_system_will_do(tmp_path: Path) -> None:
    filesystem = pafs.SubTreeFileSystem(str(tmp_path / "store"), pafs.LocalFileSystem())
    (tmp_path / "store").mkdir()
    source, metadata = source_of(
        write_dataset(tmp_path / "extract", "TALL", variable("TALL", "FIXED"), [f"{P1};1;;;"])
    )
    result = convert_dataset(
        source, metadata, UNIT_TYPES, KEYS, filesystem, "datastores/v1/TALL", version_label="1"
    )
    assert result.ok
    assert (tmp_path / "store/datastores/v1/TALL/part-00000.parquet").is_file()
    assert sorted(p.name for p in (tmp_path / "store/datastores/v1/TALL").iterdir()) == [
        "part-00000.parquet"
    ]


def test_an_unknown_unit_type_at_conversion_is_a_problem(tmp_path: Path) -> None:
    source, metadata = source_of(
        write_dataset(tmp_path / "extract", "TALL", variable("TALL", "FIXED"), [f"{P1};1;;;"])
    )
    result = convert_dataset(
        source, metadata, {}, KEYS, pafs.LocalFileSystem(), str(tmp_path / "out"), version_label="1"
    )
    assert not result.ok
    assert [p.code for p in result.report.errors] == ["unknown-unit-type"]
