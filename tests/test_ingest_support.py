"""What the ingest tests share (no tests here): the catalogue's unit types, one fixed
pseudonym key, and the one dataset of an extract folder read and converted as the command
line converts it (the local file system). One home, so that a change to how a dataset is
converted is made once for every test that converts one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.fs as pafs

from catalogue.domain.variable import VariableMetadata
from ingest import (
    ConversionResult,
    DatasetSource,
    PseudonymKeys,
    convert_dataset,
    load_unit_types,
    read_extract,
)

REPO = Path(__file__).resolve().parents[1]
UNIT_TYPES = load_unit_types(REPO / "catalogue" / "unit_types")
KEYS = PseudonymKeys(bytes(range(32)))


def source_of(folder: Path) -> tuple[DatasetSource, VariableMetadata]:
    """The one dataset of the extract folder and its metadata (the extract has no problem)."""
    extract = read_extract(folder, UNIT_TYPES)
    assert extract.report.ok, extract.report.render("en")
    source = extract.datasets[0]
    assert source.metadata is not None
    return source, source.metadata


def convert_folder(
    folder: Path,
    out: Path,
    version_label: str = "1",
    keys: PseudonymKeys = KEYS,
    **options: Any,
) -> ConversionResult:
    """The one dataset of the extract folder converted into `out`; `options` as
    convert_dataset takes them (batch_rows, max_problems, ...)."""
    source, metadata = source_of(folder)
    return convert_dataset(
        source,
        metadata,
        UNIT_TYPES,
        keys,
        pafs.LocalFileSystem(),
        str(out),
        version_label=version_label,
        **options,
    )
