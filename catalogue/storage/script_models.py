"""Tables of saved scripts and the script library (docs/SCRIPT_LANGUAGE.md, "Saving,
rerunning and the library"). Changes go through alembic (migration 0008).

A saved script keeps its text and the datastore versions its `require`s resolved to when
it was saved (`pins`), so a rerun computes on the same data and gets the same answer. A
library entry is a copy of a saved script at the moment it was published (text, pins,
title, description, tags): what others read, fork and rerun does not change when the
author edits or deletes the script afterwards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.storage.models import Base, UtcDateTime


class SavedScriptRow(Base):
    __tablename__ = "saved_scripts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    script_id: Mapped[str] = mapped_column(String(40), unique=True)  # the URL's id
    owner: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    pins: Mapped[Any] = mapped_column(JSON)  # "NAME:MAJOR" -> [datastore, version]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The library entry it was forked from (None: written by its owner).
    forked_from: Mapped[str | None] = mapped_column(String(80), nullable=True)


class LibraryScriptRow(Base):
    __tablename__ = "script_library"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(40), unique=True)
    script_id: Mapped[str] = mapped_column(String(40), unique=True)  # published once
    publisher: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(Text)  # one per line, lower case: searched with LIKE
    text: Mapped[str] = mapped_column(Text)
    pins: Mapped[Any] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)
