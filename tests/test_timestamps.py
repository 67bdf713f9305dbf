"""Every timestamp regcat writes is timezone-aware UTC with an offset (RFC 3339 `date-time`):
read back from either database, in the API and its OpenAPI description, on pages, in RDF,
in new audit log entries and in the CLI's JSON."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError

from catalogue.services.context import Context
from catalogue.storage.models import DatastoreRow, LockRow

# RFC 3339 section 5.6 date-time: a "T", and "Z" or a numeric offset.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def is_rfc3339(text: object) -> bool:
    return isinstance(text, str) and RFC3339.match(text) is not None


# --- the storage boundary -------------------------------------------------------------------


def test_times_read_back_from_the_database_are_aware_utc(any_ctx: Context) -> None:
    with any_ctx.db.transaction() as session:
        created = session.scalars(sa.select(DatastoreRow.created_at)).all()
        rows = session.scalars(sa.select(DatastoreRow)).all()
    assert created and rows
    for moment in [*created, *(r.created_at for r in rows)]:
        assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


def test_a_time_in_another_zone_is_stored_as_the_same_instant(any_ctx: Context) -> None:
    oslo_summer = timezone(timedelta(hours=2))
    written = datetime(2026, 6, 1, 14, 30, tzinfo=oslo_summer)
    with any_ctx.db.transaction() as session:
        session.add(LockRow(name="zone-test", holder="t", host="h", pid=1, acquired_at=written))
    with any_ctx.db.transaction() as session:
        read = session.get(LockRow, "zone-test")
        assert read is not None
        assert read.acquired_at == written
        assert read.acquired_at.tzinfo == UTC
        assert read.acquired_at.hour == 12


def test_a_naive_time_is_refused_rather_than_guessed(any_ctx: Context) -> None:
    with pytest.raises(StatementError, match="naive"), any_ctx.db.transaction() as session:
        session.add(
            LockRow(name="naive", holder="t", host="h", pid=1, acquired_at=datetime(2026, 1, 1))
        )
        session.flush()
