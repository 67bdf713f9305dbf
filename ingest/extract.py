"""Reading an extract folder: which datasets it holds and whether their metadata is sound.

Two shapes are accepted (docs/ARCHITECTURE.md §2): a register folder (register.json plus one folder
per dataset) and microdata.no's single dataset folder NAME/NAME.json + NAME/NAME.csv, unchanged. A
folder of dataset folders without register.json is read as datasets without a register. Every
problem of every dataset is collected into one report; the data files are only looked at by
convert_dataset.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalogue.domain.code_list import duplicate_codes_in_a_period
from catalogue.domain.names import dataset_name_problem
from catalogue.domain.register import Register, UnitType
from catalogue.domain.variable import VariableMetadata
from ingest.folders import existing_folder
from ingest.messages import NAME_REASONS, Both, json_reason
from ingest.report import Report
from schemas.metadata import load_variable_metadata, metadata_problems
from schemas.problems import ValidationError, flatten_messages
from schemas.register import load_register
from schemas.translations import in_bokmal

MANIFEST = "register.json"


@dataclass(frozen=True)
class DatasetSource:
    name: str
    folder: Path
    csv_path: Path
    json_path: Path
    metadata: VariableMetadata | None  # None when the folder or its metadata has an error


@dataclass
class Extract:
    register: Register | None
    datasets: list[DatasetSource]
    report: Report = field(default_factory=Report)


_NO_EXTRACT_FOLDER = Both(
    "Finner ikke uttrekksmappen {folder}.", "The extract folder {folder} does not exist."
)


def read_extract(path: Path, unit_types: Mapping[str, UnitType], max_problems: int = 50) -> Extract:
    """The datasets of the extract folder `path`, with every metadata problem of every
    dataset in the report; a dataset with a problem has metadata None. Raises RegcatError
    "extract-not-found" when `path` is not a folder."""
    path = existing_folder(
        path, "extract-not-found", _NO_EXTRACT_FOLDER, detail="path", http_status=404
    )
    report = Report(max_problems)
    register: Register | None = None
    if (path / MANIFEST).is_file():
        register = _read_manifest(path / MANIFEST, report)
        folders = _dataset_folders(path)
    elif any(path.glob("*.json")) or any(path.glob("*.csv")):
        folders = [path]
    else:
        folders = _dataset_folders(path)
    if not folders:
        report.record("not-an-extract", path.name)
    datasets = [_read_dataset(folder, register, unit_types, report) for folder in folders]
    return Extract(register, datasets, report)


def _dataset_folders(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def _read_manifest(path: Path, report: Report) -> Register | None:
    raw = _read_json(path, report)
    if raw is None:
        return None
    try:
        return load_register(raw)
    except ValidationError as e:
        _record_schema_problems(flatten_messages(e.messages), path.name, report)
        return None


def _read_dataset(
    folder: Path,
    register: Register | None,
    unit_types: Mapping[str, UnitType],
    report: Report,
) -> DatasetSource:
    name = folder.name
    errors_before = report.total_errors
    reason = dataset_name_problem(name)
    if reason is not None:
        report.record(
            "invalid-dataset-name",
            name,
            name=name,
            reason=NAME_REASONS.get(reason, Both(reason, reason)),
        )
    json_path = _data_file(folder, name, ".json", report)
    csv_path = _data_file(folder, name, ".csv", report)
    metadata = None
    raw = _read_json(json_path, report) if json_path.is_file() else None
    if raw is not None:
        metadata = _load_metadata(raw, name, json_path.name, register, report)
    if metadata is not None and isinstance(raw, dict):
        _check_references(metadata, raw, json_path.name, register, unit_types, report)
    if report.total_errors > errors_before:
        metadata = None
    return DatasetSource(name, folder, csv_path, json_path, metadata)


def _data_file(folder: Path, name: str, suffix: str, report: Report) -> Path:
    """`folder/name+suffix`; when it is missing but exactly one other file has the suffix,
    that file, with a name-mismatch problem (the usual slip is renaming only the folder)."""
    expected = folder / f"{name}{suffix}"
    if expected.is_file():
        return expected
    others = sorted(folder.glob(f"*{suffix}"))
    if len(others) == 1:
        report.record("name-mismatch", others[0].name, found=others[0].stem, name=name)
        return others[0]
    report.record("missing-file", f"{name}/{expected.name}", expected=expected.name)
    return expected


def _read_json(path: Path, report: Report) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        not_utf8 = Both(f"ikke UTF-8 ved byte {e.start}", f"not UTF-8 at byte {e.start}")
        report.record("invalid-json", path.name, detail=not_utf8, col="-")
    except json.JSONDecodeError as e:
        report.record("invalid-json", path.name, e.lineno, detail=json_reason(e.msg), col=e.colno)
    return None


def _load_metadata(
    raw: Any, name: str, file: str, register: Register | None, report: Report
) -> VariableMetadata | None:
    problems = metadata_problems(raw)
    if not problems:
        try:
            return load_variable_metadata(raw, name, register)
        except ValidationError as e:  # a field neither the file nor the manifest gives
            problems = flatten_messages(e.messages)
    _record_schema_problems(problems, file, report)
    return None


def _record_schema_problems(problems: list[tuple[str, str]], file: str, report: Report) -> None:
    for path, message in problems:
        column = None if path in ("", "_schema") else path
        if message.startswith("Unknown field"):
            report.record("unknown-field", file, None, column, field=column)
        elif message.startswith("Missing data for required field"):
            report.record("missing-field", file, None, column, field=column)
        else:
            detail = Both(in_bokmal(message), message)  # marshmallow writes English only
            report.record("invalid-field", file, None, column, field=column or "/", detail=detail)


def _check_references(
    meta: VariableMetadata,
    raw: Mapping[str, Any],
    file: str,
    register: Register | None,
    unit_types: Mapping[str, UnitType],
    report: Report,
) -> None:
    """What the schema cannot know: names and references to other data files."""
    short_name = raw.get("shortName")
    if short_name is not None and short_name != meta.name:
        report.record("name-mismatch", file, None, "shortName", found=short_name, name=meta.name)
    known = ", ".join(sorted(unit_types)) or "-"
    for where, unit_type in (
        ("identifierVariables.0.unitType", meta.unit_type),
        ("measureVariables.0.unitType", meta.measure.unit_type),  # None: not a unit
    ):
        if unit_type is not None and unit_type not in unit_types:
            report.record("unknown-unit-type", file, None, where, unit_type=unit_type, known=known)
    for code, first_day in duplicate_codes_in_a_period(meta.measure.value_domain.codes):
        report.record(
            "duplicate-code",
            file,
            None,
            "measureVariables.0.valueDomain.codeList",
            code=code,
            date=first_day.isoformat(),
        )
    if register is not None:
        _check_data_product(meta, raw, file, register, report)


def _check_data_product(
    meta: VariableMetadata, raw: Mapping[str, Any], file: str, register: Register, report: Report
) -> None:
    product = meta.extensions.data_product
    from_file = bool((raw.get("catalogue") or {}).get("dataProduct"))
    where = (file, "catalogue.dataProduct") if from_file else (MANIFEST, "defaults.dataProduct")
    known = ", ".join(p.id for p in register.data_products) or "-"
    if product is None:
        if register.data_products:
            report.record(
                "missing-field", file, None, "catalogue.dataProduct", field="catalogue.dataProduct"
            )
    elif register.product(product) is None:
        report.record(
            "unknown-data-product", where[0], None, where[1], product=product, known=known
        )
