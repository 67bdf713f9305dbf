"""What converting one dataset involves, worked out once from its metadata: column types of
the Parquet files, the code list as arrays, which identifiers get pseudonyms."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from catalogue.domain.enums import DataType, Temporality
from catalogue.domain.register import UnitType
from catalogue.domain.variable import VariableMetadata
from ingest.messages import Both
from ingest.values import EPOCH, to_date
from schemas.metadata import dump_variable_metadata

_NEVER = np.iinfo(np.int32).max  # a day number after every real date
_VALUE_TYPES = {
    DataType.LONG: pa.int64(),
    DataType.DOUBLE: pa.float64(),
    DataType.DATE: pa.date32(),
    DataType.STRING: pa.string(),
}


@dataclass(frozen=True)
class CodeRules:
    """An enumerated value domain as arrays. Entry j of `dictionary` is valid on day d when
    valid_from[r, j] <= d <= valid_until[r, j] for some r: r runs over the periods in which
    the code is listed (usually one). Sentinel codes are valid on every day."""

    dictionary: pa.Array  # sorted, distinct codes and sentinel codes
    valid_from: np.ndarray  # int32 days, shape (periods, codes)
    valid_until: np.ndarray
    validity: tuple[Both, ...]  # "from 2010-01-01 to 2019-12-31" per entry, for messages

    @classmethod
    def of(cls, meta: VariableMetadata) -> CodeRules | None:
        domain = meta.measure.value_domain
        if not domain.is_enumerated:
            return None
        periods: dict[str, list[tuple[int, int]]] = {}
        for code in domain.codes:
            until = _NEVER if code.valid_until is None else (code.valid_until - EPOCH).days
            periods.setdefault(code.code, []).append(((code.valid_from - EPOCH).days, until))
        for sentinel in domain.sentinels:
            periods.setdefault(sentinel.code, []).append((-_NEVER, _NEVER))
        names = sorted(periods)
        depth = max(len(p) for p in periods.values())
        valid_from = np.full((depth, len(names)), _NEVER, dtype=np.int32)
        valid_until = np.full((depth, len(names)), -_NEVER, dtype=np.int32)
        for j, name in enumerate(names):
            for r, (first, last) in enumerate(periods[name]):
                valid_from[r, j], valid_until[r, j] = first, last
        validity = tuple(_describe_periods(periods[name]) for name in names)
        return cls(pa.array(names, pa.string()), valid_from, valid_until, validity)

    def valid_on(self, indices: np.ndarray, days: np.ndarray) -> np.ndarray:
        ok = np.zeros(len(indices), dtype=bool)
        for first, last in zip(self.valid_from, self.valid_until, strict=True):
            ok |= (first[indices] <= days) & (days <= last[indices])
        return ok


def _describe_periods(periods: list[tuple[int, int]]) -> Both:
    def day(n: int) -> str:
        return to_date(n).isoformat()

    nb, en = [], []
    for first, last in periods:
        if first == -_NEVER:
            nb.append("alltid")
            en.append("always")
        elif last == _NEVER:
            nb.append(f"fra {day(first)}")
            en.append(f"from {day(first)}")
        else:
            nb.append(f"fra {day(first)} til og med {day(last)}")
            en.append(f"from {day(first)} to {day(last)}")
    return Both(" og ".join(nb), " and ".join(en))


@dataclass(frozen=True)
class DatasetPlan:
    name: str
    temporality: Temporality
    data_type: DataType
    unit_type: UnitType
    value_unit_type: UnitType | None  # set when the value is itself an identifier
    codes: CodeRules | None
    schema: pa.Schema  # of the Parquet files, with the variable's metadata attached

    @classmethod
    def of(
        cls, meta: VariableMetadata, unit_types: Mapping[str, UnitType], version_label: str
    ) -> DatasetPlan:
        """Raises KeyError naming an unknown unit type."""
        unit_type = unit_types[meta.unit_type]
        value_unit_type = unit_types[meta.measure.unit_type] if meta.measure.unit_type else None
        codes = CodeRules.of(meta)
        if value_unit_type is not None:
            value_type = _identifier_type(value_unit_type)
        elif codes is not None and meta.measure.data_type == DataType.STRING:
            value_type = pa.dictionary(pa.int32(), pa.string())
        else:
            value_type = _VALUE_TYPES[meta.measure.data_type]
        schema = pa.schema(
            [
                pa.field("unit_id", _identifier_type(unit_type), nullable=False),
                pa.field("value", value_type, nullable=False),
                pa.field("start", pa.date32()),
                pa.field("stop", pa.date32()),
            ],
            metadata={
                "regcat.name": meta.name,
                "regcat.version": version_label,
                "regcat.temporality": meta.temporality.value,
                "regcat.unit_type": meta.unit_type,
                "regcat.metadata": json.dumps(dump_variable_metadata(meta), sort_keys=True),
            },
        )
        return cls(
            meta.name,
            meta.temporality,
            meta.measure.data_type,
            unit_type,
            value_unit_type,
            codes,
            schema,
        )

    @property
    def by_start_year(self) -> bool:
        return self.temporality in (Temporality.STATUS, Temporality.ACCUMULATED)


def _identifier_type(unit_type: UnitType) -> pa.DataType:
    return pa.int64() if unit_type.requires_pseudonymization else pa.string()
