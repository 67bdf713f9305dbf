"""Rows to records: the one way a store turns what it read (an ORM row, or a mapping of a
Core query's columns) into the small frozen record a service gets, so that no row leaves a
store. A record's field reads the column of its name; a store says only what differs (a
converter, or a column of another name)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

R = TypeVar("R")


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def aware_or_none(moment: datetime | None) -> datetime | None:
    return aware(moment) if moment else None


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def record_of(
    cls: type[R],
    source: Any,
    columns: Mapping[str, str] | None = None,
    /,
    **convert: Callable[[Any], Any],
) -> R:
    """`cls` (a dataclass) read from `source`, an ORM row (its attributes) or a mapping of
    columns: each field from the column of its name (or the one `columns` names for it),
    passed through `convert[field]` where one is given."""
    read: Callable[[str], Any] = (
        source.__getitem__ if isinstance(source, Mapping) else partial(getattr, source)
    )
    renamed = columns or {}
    values = {}
    for name in _field_names(cls):
        value = read(renamed.get(name, name))
        change = convert.get(name)
        values[name] = change(value) if change is not None else value
    return cls(**values)
