"""Saved scripts and the library's search on each database backend (SQLite, and
PostgreSQL when REGCAT_TEST_DATABASE_URL is set): a saved script comes back with its pins
as saved; the search matches every word as a case-insensitive part of a title,
description or tag, `%` and `_` literally; the per-owner limit refuses the next save."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from catalogue.domain.errors import RegcatError
from catalogue.services import saved_scripts
from catalogue.services.context import Context
from catalogue.storage.script_store import ScriptStore

PINS = {"no.ssb.fdb:23": ("no.regcat.demo", "1.0.0.0")}
NOW = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)


def test_saved_scripts_keep_their_pins_and_the_search_matches_words(any_ctx: Context) -> None:
    with any_ctx.db.transaction() as session:
        store = ScriptStore(session)
        first = store.save("scr-1", "ola", "Lønn 100% etter kjønn", "summarize x", PINS, NOW)
        second = store.save("scr-2", "ola", "Flytting", "summarize y", {}, NOW)
        store.publish("lib-1", first, "Gjennomsnitt per KOMMUNE", ("Inntekt", "b_c"), NOW)
        store.publish("lib-2", second, "Flyttere mellom kommuner", ("migrasjon",), NOW)
    with any_ctx.db.transaction() as session:
        store = ScriptStore(session)
        assert store.saved("scr-1") == first
        assert first.pins == PINS and first.created_at == NOW
        assert [s.script_id for s in store.saved_by("ola")] == ["scr-2", "scr-1"]

        def found(*words: str) -> list[str]:
            return [e.entry_id for e in store.search(words, 10)]

        assert found("kommune") == ["lib-2", "lib-1"]  # newest first (same time: by id)
        assert found("kommune", "inntekt") == ["lib-1"]
        assert found("LØNN") == ["lib-1"]
        assert found("100%") == ["lib-1"] and found("0%e") == []  # % is literal
        assert found("b_c") == ["lib-1"] and found("bxc") == [] and found("b%c") == []
        assert store.entry("lib-1") is not None and store.entry("lib-1").tags == ("inntekt", "b_c")  # type: ignore[union-attr]


def test_the_per_owner_limit_refuses_the_next_save(any_ctx: Context) -> None:
    with any_ctx.db.transaction() as session:  # the limit's worth, in one transaction
        store = ScriptStore(session)
        for n in range(saved_scripts.MAX_SAVED_SCRIPTS):
            kept = store.save(f"scr-k{n}", "kari", "t", "help", {}, NOW)
        store.publish("lib-k", kept, "one of them", (), NOW)
    with pytest.raises(RegcatError) as refused:
        saved_scripts.save_script(any_ctx, "kari", "one more", "help")
    assert refused.value.code == "too-many-saved-scripts" and refused.value.http_status == 409
    with pytest.raises(RegcatError) as fork:
        saved_scripts.fork_entry(any_ctx, "kari", "lib-k")
    assert fork.value.code == "too-many-saved-scripts"
    assert len(saved_scripts.list_scripts(any_ctx, "kari")) == saved_scripts.MAX_SAVED_SCRIPTS
    assert saved_scripts.save_script(any_ctx, "per", "mine", "help").owner == "per"
