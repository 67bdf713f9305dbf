"""Queries and writes of saved scripts and the script library, inside one service
transaction. Stores take and return plain values and the small records below: no row
leaves this module.

The library's search is a plain, case-insensitive substring match in SQL (LIKE on the
lower-cased title, description and tags), the same on SQLite and PostgreSQL: a library
of a few thousand scripts needs no index of its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from catalogue.storage.records import aware, record_of
from catalogue.storage.script_models import LibraryScriptRow, SavedScriptRow

# The pins as stored: "NAME:MAJOR" -> [datastore, version] (JSON has no tuples).
StoredPins = Mapping[str, tuple[str, str]]


def _pins(stored: Any) -> dict[str, tuple[str, str]]:
    return {key: (str(pair[0]), str(pair[1])) for key, pair in (stored or {}).items()}


@dataclass(frozen=True)
class SavedScript:
    script_id: str
    owner: str
    title: str
    text: str
    pins: Mapping[str, tuple[str, str]]
    created_at: datetime
    forked_from: str | None

    @classmethod
    def of(cls, row: SavedScriptRow) -> SavedScript:
        return record_of(cls, row, pins=_pins, created_at=aware)


@dataclass(frozen=True)
class LibraryEntry:
    entry_id: str
    script_id: str
    publisher: str
    title: str
    description: str
    tags: tuple[str, ...]
    text: str
    pins: Mapping[str, tuple[str, str]]
    published_at: datetime

    @classmethod
    def of(cls, row: LibraryScriptRow) -> LibraryEntry:
        return record_of(
            cls,
            row,
            tags=lambda tags: tuple(t for t in tags.split("\n") if t),
            pins=_pins,
            published_at=aware,
        )


class ScriptStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- saved scripts --------------------------------------------------------------------

    def save(
        self,
        script_id: str,
        owner: str,
        title: str,
        text: str,
        pins: StoredPins,
        now: datetime,
        forked_from: str | None = None,
    ) -> SavedScript:
        row = SavedScriptRow(
            script_id=script_id,
            owner=owner,
            title=title,
            text=text,
            pins={key: list(pair) for key, pair in pins.items()},
            created_at=now,
            forked_from=forked_from,
        )
        self.session.add(row)
        self.session.flush()
        return SavedScript.of(row)

    def saved(self, script_id: str) -> SavedScript | None:
        row = self.session.scalar(
            select(SavedScriptRow).where(SavedScriptRow.script_id == script_id)
        )
        return SavedScript.of(row) if row is not None else None

    def saved_by(self, owner: str) -> list[SavedScript]:
        rows = self.session.scalars(
            select(SavedScriptRow)
            .where(SavedScriptRow.owner == owner)
            .order_by(SavedScriptRow.created_at.desc(), SavedScriptRow.id.desc())
        )
        return [SavedScript.of(row) for row in rows]

    def count_saved(self, owner: str) -> int:
        query = select(func.count()).select_from(SavedScriptRow)
        return int(self.session.scalar(query.where(SavedScriptRow.owner == owner)) or 0)

    def delete_saved(self, script_id: str) -> None:
        self.session.execute(delete(SavedScriptRow).where(SavedScriptRow.script_id == script_id))

    # --- the library ----------------------------------------------------------------------

    def publish(
        self,
        entry_id: str,
        script: SavedScript,
        description: str,
        tags: tuple[str, ...],
        now: datetime,
    ) -> LibraryEntry:
        row = LibraryScriptRow(
            entry_id=entry_id,
            script_id=script.script_id,
            publisher=script.owner,
            title=script.title,
            description=description,
            tags="\n".join(tag.lower() for tag in tags),
            text=script.text,
            pins={key: list(pair) for key, pair in script.pins.items()},
            published_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return LibraryEntry.of(row)

    def entry(self, entry_id: str) -> LibraryEntry | None:
        row = self.session.scalar(
            select(LibraryScriptRow).where(LibraryScriptRow.entry_id == entry_id)
        )
        return LibraryEntry.of(row) if row is not None else None

    def entry_of_script(self, script_id: str) -> LibraryEntry | None:
        row = self.session.scalar(
            select(LibraryScriptRow).where(LibraryScriptRow.script_id == script_id)
        )
        return LibraryEntry.of(row) if row is not None else None

    def search(self, words: tuple[str, ...], limit: int) -> list[LibraryEntry]:
        """Entries whose title, description or tags hold every word (newest first)."""
        query = select(LibraryScriptRow)
        for word in words:
            pattern = f"%{_escaped(word.lower())}%"
            query = query.where(
                or_(
                    func.lower(LibraryScriptRow.title).like(pattern, escape="\\"),
                    func.lower(LibraryScriptRow.description).like(pattern, escape="\\"),
                    LibraryScriptRow.tags.like(pattern, escape="\\"),
                )
            )
        query = query.order_by(
            LibraryScriptRow.published_at.desc(), LibraryScriptRow.id.desc()
        ).limit(limit)
        return [LibraryEntry.of(row) for row in self.session.scalars(query)]


def _escaped(word: str) -> str:
    """A word as a LIKE pattern matches it literally (% and _ are not wildcards)."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
