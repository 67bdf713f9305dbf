"""The index is derived data: `regcat reindex` rebuilds it, a missing one is rebuilt on
the first search, and an empty catalogue searches fine."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from catalogue.search import current_generation
from catalogue.services.context import Context
from catalogue.services.searching import SearchRequest, search_variables
from catalogue.web import create_app
from cli import main


def test_reindex_command_publishes_a_new_generation(released_ctx: Context) -> None:
    before = current_generation(released_ctx.config.index_dir)
    env = {f"REGCAT_{k.upper()}": v for k, v in released_ctx.config.values.items() if v}
    result = CliRunner().invoke(main, ["reindex", "--json"], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["documents"] >= 30 and summary["datastores"] == ["no.regcat.demo"]
    after = current_generation(released_ctx.config.index_dir)
    assert after is not None and after != before and str(after) == summary["folder"]
    english = CliRunner().invoke(main, ["--lang", "en", "reindex"], env=env)
    assert english.exit_code == 0 and "Search index rebuilt" in english.output
    page = search_variables(released_ctx, SearchRequest(q="kreft"))
    assert page.found >= 10


def test_a_missing_index_is_rebuilt_on_the_first_search(released_ctx: Context) -> None:
    shutil.rmtree(released_ctx.config.index_dir)
    page = search_variables(released_ctx, SearchRequest(q="bostedskommune"))
    assert page.hits[0].name == "BEFOLKNING_BOSTED_KOMMUNE"
    assert current_generation(released_ctx.config.index_dir) is not None


def test_an_empty_catalogue_searches_and_lists_nothing(sqlite_ctx: Context) -> None:
    client = create_app(sqlite_ctx.config).test_client()
    page = client.get("/")
    assert page.status_code == 200 and "Funnet: 0" in page.get_data(as_text=True)
    assert client.get("/api/v1/variables?q=kreft").get_json()["found"] == 0
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<urlset" in sitemap and "<url>" not in sitemap
    assert client.get("/variables/no.regcat.demo/BEFOLKNING_KJOENN").status_code == 404
