"""The standard snippets regcat ships (catalogue/script_library/): at least 15, each with
its title and description in both languages and its tags, each parsing, each listed in
the library and found by its words, and each running through the script runner on the
committed sample registers without an error, releasing at least one result. One released
catalogue for the module; each snippet runs as its own researcher (the budget is a
project's, and one project running all of them would spend it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue.script import Command
from catalogue.services import saved_scripts, script_snippets, scripts
from catalogue.services.context import Context
from tests import script_fixtures

SNIPPETS = script_snippets.snippets()


ctx = script_fixtures.ctx


def test_at_least_fifteen_snippets_ship_each_described_in_both_languages() -> None:
    assert len(SNIPPETS) >= 15
    assert len({s.entry_id for s in SNIPPETS}) == len(SNIPPETS)
    for snippet in SNIPPETS:
        nb, en = snippet.title
        assert nb and en and nb != en, snippet.entry_id
        assert all(snippet.description), snippet.entry_id
        assert snippet.tags, snippet.entry_id


def test_a_snippet_without_its_header_is_refused_by_name(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mdscript"
    broken.write_text("// title.nb: Bare tittel\nrequire no.regcat.demo:1 as db\n")
    with pytest.raises(
        ValueError, match=r"broken\.mdscript: the header lacks title\.en, description"
    ):
        script_snippets.read_snippet(broken)


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.entry_id for s in SNIPPETS])
def test_each_snippet_parses_and_runs_on_the_sample_registers(
    ctx: Context, snippet: script_snippets.Snippet
) -> None:
    parsed = scripts.parse(snippet.text)
    commands = [item for item in parsed.items if isinstance(item, Command)]
    ran = scripts.run_script(ctx, f"snippet-{snippet.entry_id}", snippet.text, "en")
    assert ran.error is None, (ran.error.code, ran.error.en) if ran.error else None
    assert ran.commands_run == len(commands)
    results = [o for o in ran.output if o["kind"] == "result"]
    assert results, "a snippet shows at least one controlled result"
    # A command answers its own statistic; the difference-in-differences commands `did`.
    named = {"regress-event-diff": "did", "regress-panel-diff": "did"}
    assert all(o["response"]["statistic"] == named.get(o["command"], o["command"]) for o in results)


def test_every_snippet_is_in_the_library_and_found_by_its_words(ctx: Context) -> None:
    listed = {e.entry_id: e for e in saved_scripts.search_library(ctx, "", "en")}
    for snippet in SNIPPETS:
        entry = listed[snippet.entry_id]
        assert entry.shipped and entry.publisher == "regcat"
        assert entry.title == snippet.title[1] and entry.text == snippet.text
        assert entry.pins == {}
        tag = snippet.tags[0]
        assert snippet.entry_id in [e.entry_id for e in saved_scripts.search_library(ctx, tag)]
    movers = saved_scripts.search_library(ctx, "FLYTTERE kommune", "nb")
    assert [e.entry_id for e in movers] == ["std-movers-between-municipalities"]
    assert movers[0].title == "Flyttere mellom kommuner"
    assert saved_scripts.search_library(ctx, "no-such-word-anywhere") == []
