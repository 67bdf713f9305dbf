"""Scripts as first-class analyses (docs/SCRIPT_LANGUAGE.md, "Saving, rerunning and the
library"): a researcher saves a script under a stable id, reruns it, lists and deletes
their own; publishes one to the library; searches the library (their colleagues' published
scripts and the snippets regcat ships), forks an entry into their own scripts and runs it.

Invariants:
- Saving pins the data: each `require NAME:MAJOR` is resolved when the script is saved and
  the (datastore, version) kept with it; a rerun uses those, never a newer release, so
  the same script gives the same answer (output control's noise is a function of the
  question and the data, so it is the same too).
- A saved script is its owner's: anyone else gets 404 `unknown-script`, as for a script
  that never existed (its existence is not revealed).
- A library entry is a copy made when the script was published, readable by every
  researcher; deleting the saved script leaves the entry. A fork records where it came
  from. Snippets are entries too (`std-…`, catalogue.services.script_snippets).
- Running goes through catalogue.services.scripts, so it releases what the same JSON
  requests would, under the runner's own budget and audit."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from catalogue.domain.errors import RegcatError, conflict, not_found, unprocessable
from catalogue.script import Script
from catalogue.script import nodes as n
from catalogue.services import script_snippets, scripts
from catalogue.services.context import Context
from catalogue.services.script_datastores import resolve_required
from catalogue.storage.script_store import LibraryEntry, SavedScript, ScriptStore

# A saved script's id: "scr-" and 16 hex digits. The web binds its routes to this form, so
# /api/v1/scripts/run and /api/v1/scripts/library are never taken for an id.
SCRIPT_ID_PATTERN = r"scr-[0-9a-f]{16}"
SEARCH_LIMIT = 100  # entries a search answers at most (newest published first)
# Saved scripts one researcher may keep: the table cannot be filled by one account (a
# script may be 500,000 characters), and a thousand is far more than a person curates.
MAX_SAVED_SCRIPTS = 1_000


# What a title, tag, description or search may not hold: control characters (a title or
# tag is one line) and lone surrogates (JSON can carry "\ud800"). PostgreSQL cannot store
# NUL and no database can store a surrogate as UTF-8: refused here, not a 5xx there.
_NOT_IN_LINE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_NOT_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def checked_text(field: str, value: str, multiline: bool = False) -> str:
    found = (_NOT_IN_TEXT if multiline else _NOT_IN_LINE).search(value)
    if found is None:
        return value
    return _unstorable(field, found.start(), found.group())


def _unstorable(field: str, position: int, char: str) -> str:
    raise unprocessable(
        "unstorable-text",
        f"«{field}» har et tegn som ikke kan lagres (U+{ord(char):04X}, tegn {position + 1}): "
        "kontrolltegn og enslige surrogater. Fjern det og send igjen.",
        f"'{field}' holds a character that cannot be stored (U+{ord(char):04X}, character "
        f"{position + 1}): control characters and lone surrogates. Remove it and send again.",
        field=field,
        position=position + 1,
    )


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def unknown_script(script_id: str) -> RegcatError:
    return not_found(
        "unknown-script",
        f"Skriptet «{script_id}» finnes ikke, eller det tilhører en annen bruker. "
        "GET /api/v1/scripts viser dine lagrede skript.",
        f"The script '{script_id}' does not exist, or it belongs to another user. "
        "GET /api/v1/scripts lists your saved scripts.",
        script=script_id,
    )


def unknown_entry(entry_id: str) -> RegcatError:
    return not_found(
        "unknown-library-script",
        f"Biblioteket har ikke noe skript «{entry_id}». GET /api/v1/scripts/library viser dem.",
        f"The library has no script '{entry_id}'. GET /api/v1/scripts/library lists them.",
        entry=entry_id,
    )


# --- pinning ------------------------------------------------------------------------------


def pins_of(ctx: Context, script: Script) -> dict[str, tuple[str, str]]:
    """What each `require` of the script resolves to now: "NAME:MAJOR" -> (datastore,
    version). An unknown datastore or version is the resolver's own 404."""
    pins: dict[str, tuple[str, str]] = {}
    for item in script.items:
        if isinstance(item, n.Require) and scripts.require_key(item) not in pins:
            datastore, version, _ = resolve_required(ctx, item.datastore, item.major)
            pins[scripts.require_key(item)] = (datastore, version)
    return pins


# --- saved scripts ------------------------------------------------------------------------


def too_many_saved(owner: str) -> RegcatError:
    return conflict(
        "too-many-saved-scripts",
        f"Du har allerede {MAX_SAVED_SCRIPTS} lagrede skript. Slett noen du ikke trenger "
        "(DELETE /api/v1/scripts/{id}) og lagre igjen.",
        f"You already have {MAX_SAVED_SCRIPTS} saved scripts. Delete some you do not need "
        "(DELETE /api/v1/scripts/{id}) and save again.",
        limit=MAX_SAVED_SCRIPTS,
    )


def _store_new(
    store: ScriptStore,
    owner: str,
    title: str,
    text: str,
    pins: Mapping[str, tuple[str, str]],
    now: datetime | None,
    forked_from: str | None,
) -> SavedScript:
    if store.count_saved(owner) >= MAX_SAVED_SCRIPTS:
        raise too_many_saved(owner)
    new_id = "scr-" + secrets.token_hex(8)
    return store.save(new_id, owner, title, text, pins, _now(now), forked_from)


def save_script(
    ctx: Context,
    owner: str,
    title: str,
    text: str,
    now: datetime | None = None,
    forked_from: str | None = None,
) -> SavedScript:
    """Parses the script (a RegcatError at its line if it does not parse: nothing saved),
    pins its `require`s and saves it under a new id."""
    checked_text("title", title)
    pins = pins_of(ctx, scripts.parse(text))
    with ctx.db.transaction() as session:
        return _store_new(ScriptStore(session), owner, title, text, pins, now, forked_from)


def get_script(ctx: Context, owner: str, script_id: str) -> SavedScript:
    with ctx.db.transaction() as session:
        found = ScriptStore(session).saved(script_id)
    if found is None or found.owner != owner:
        raise unknown_script(script_id)
    return found


def list_scripts(ctx: Context, owner: str) -> list[SavedScript]:
    with ctx.db.transaction() as session:
        return ScriptStore(session).saved_by(owner)


def delete_script(ctx: Context, owner: str, script_id: str) -> None:
    """Deletes the owner's saved script; a library entry published from it stays."""
    with ctx.db.transaction() as session:
        store = ScriptStore(session)
        found = store.saved(script_id)
        if found is None or found.owner != owner:
            raise unknown_script(script_id)
        store.delete_saved(script_id)


def rerun_script(
    ctx: Context, owner: str, script_id: str, language: str = "nb", now: datetime | None = None
) -> tuple[SavedScript, scripts.ScriptRun]:
    """Runs the owner's saved script on its pinned versions."""
    saved = get_script(ctx, owner, script_id)
    return saved, scripts.run_script(ctx, owner, saved.text, language, now, saved.pins)


# --- the library --------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryView:
    """A library entry as a reader sees it: a published script or a shipped snippet."""

    entry_id: str
    title: str
    description: str
    tags: tuple[str, ...]
    publisher: str
    published_at: datetime | None  # None for a snippet (it ships with regcat)
    shipped: bool
    text: str
    pins: dict[str, tuple[str, str]]
    script: str | None = None  # the saved script it was published from

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry_id,
            "title": self.title,
            "description": self.description,
            "tags": list(self.tags),
            "publisher": self.publisher,
            "published_at": self.published_at,
            "shipped": self.shipped,
            "script": self.text,
            "pins": pins_json(self.pins),
        }


def pins_json(pins: Any) -> dict[str, dict[str, str]]:
    return {key: {"datastore": d, "version": v} for key, (d, v) in pins.items()}


def _published(entry: LibraryEntry) -> LibraryView:
    return LibraryView(
        entry.entry_id,
        entry.title,
        entry.description,
        entry.tags,
        entry.publisher,
        entry.published_at,
        False,
        entry.text,
        dict(entry.pins),
        entry.script_id,
    )


def _shipped(snippet: script_snippets.Snippet, language: str) -> LibraryView:
    return LibraryView(
        snippet.entry_id,
        snippet.title_in(language),
        snippet.description_in(language),
        snippet.tags,
        script_snippets.PUBLISHER,
        None,
        True,
        snippet.text,
        {},
    )


def publish_script(
    ctx: Context,
    owner: str,
    script_id: str,
    description: str,
    tags: list[str],
    now: datetime | None = None,
) -> LibraryView:
    """Copies the owner's saved script (text, pins, title) into the library, once."""
    checked_text("description", description, multiline=True)
    for tag in tags:
        checked_text("tags", tag)
    with ctx.db.transaction() as session:
        store = ScriptStore(session)
        saved = store.saved(script_id)
        if saved is None or saved.owner != owner:
            raise unknown_script(script_id)
        already = store.entry_of_script(script_id)
        if already is not None:
            raise conflict(
                "script-already-published",
                f"Skriptet «{script_id}» er allerede publisert som «{already.entry_id}». "
                "Lagre en ny versjon av det og publiser den.",
                f"The script '{script_id}' is already published as '{already.entry_id}'. "
                "Save a new version of it and publish that.",
                script=script_id,
                entry=already.entry_id,
            )
        entry = store.publish(
            "lib-" + secrets.token_hex(8),
            saved,
            description,
            tuple(dict.fromkeys(t.strip() for t in tags if t.strip())),
            _now(now),
        )
    return _published(entry)


def search_library(ctx: Context, query: str = "", language: str = "nb") -> list[LibraryView]:
    """Entries holding every word of `query` in their title, description or tags
    (case-insensitive substring match): the shipped snippets first, then published scripts,
    newest first, at most SEARCH_LIMIT of those."""
    words = tuple(checked_text("q", query).split())
    shipped = [
        _shipped(s, language)
        for s in script_snippets.snippets()
        if script_snippets.matches(s, words)
    ]
    with ctx.db.transaction() as session:
        published = ScriptStore(session).search(words, SEARCH_LIMIT)
    return shipped + [_published(entry) for entry in published]


def library_entry(ctx: Context, entry_id: str, language: str = "nb") -> LibraryView:
    snippet = script_snippets.snippet(entry_id)
    if snippet is not None:
        return _shipped(snippet, language)
    with ctx.db.transaction() as session:
        entry = ScriptStore(session).entry(entry_id)
    if entry is None:
        raise unknown_entry(entry_id)
    return _published(entry)


def fork_entry(
    ctx: Context,
    owner: str,
    entry_id: str,
    title: str | None = None,
    language: str = "nb",
    now: datetime | None = None,
) -> SavedScript:
    """A saved script of the owner's, copied from a library entry (which it records). A
    published script keeps its pins; a snippet is pinned now, as a new script would be."""
    if title is not None:
        checked_text("title", title)
    entry = library_entry(ctx, entry_id, language)
    if entry.shipped:
        return save_script(ctx, owner, title or entry.title, entry.text, now, entry_id)
    with ctx.db.transaction() as session:
        store = ScriptStore(session)
        return _store_new(store, owner, title or entry.title, entry.text, entry.pins, now, entry_id)


def run_entry(
    ctx: Context, owner: str, entry_id: str, language: str = "nb", now: datetime | None = None
) -> tuple[LibraryView, scripts.ScriptRun]:
    """Runs a library entry as the owner: a published one on its pinned versions, a
    snippet on the newest release of each `require`."""
    entry = library_entry(ctx, entry_id, language)
    return entry, scripts.run_script(ctx, owner, entry.text, language, now, entry.pins)


def saved_json(saved: SavedScript) -> dict[str, Any]:
    """A saved script as the API answers it."""
    return {
        "id": saved.script_id,
        "title": saved.title,
        "owner": saved.owner,
        "created_at": saved.created_at,
        "script": saved.text,
        "pins": pins_json(saved.pins),
        "forked_from": saved.forked_from,
    }
