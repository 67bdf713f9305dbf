"""Saved scripts and the script library end to end, as researchers with API tokens
(docs/SCRIPT_LANGUAGE.md, "Saving, rerunning and the library"): a saved script keeps the
versions its requires resolved to and reruns on them with the same answer (consistent
noise: two reruns are identical apart from audit ids); it is its owner's (404 for anyone
else); published, it is searchable, forkable (the fork records its origin) and runnable
by another researcher; bad input is a 4xx with a code, never a 5xx."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from catalogue.services.context import Context
from catalogue.services.publishing import ingest_extract
from catalogue.services.releasing import release_draft
from tests import test_accounts_support as accounts_support
from tests.conftest import SAMPLES
from tests.test_accounts_support import World

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world

SCRIPTS = "/api/v1/scripts"
LIBRARY = "/api/v1/scripts/library"

SCRIPT = """require no.regcat.demo:1 as db
import db/BEFOLKNING_KJOENN as kjonn
import db/INNTEKT_WLONN 2022-12-31 as lonn
textblock
Lønn etter kjønn
endblock
tabulate kjonn, summarize(lonn) mean
summarize lonn
"""


class Researcher(accounts_support.ApiResearcher):
    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.client.open(path, method=method, json=body, headers=self.headers)
        assert response.status_code < 500, response.get_data(as_text=True)
        return response

    def save(self, title: str, script: str) -> Any:
        return self.call("POST", SCRIPTS, {"title": title, "script": script})


alice = accounts_support.researcher_fixture(Researcher, "forsker@uio")
bob = accounts_support.researcher_fixture(Researcher, "forsker@ntnu")


_PER_REQUEST = ("audit_id", "workspace", "budget")


def _without_ids(value: Any) -> Any:
    """A run's output without what belongs to one request: its audit id, its workspace's
    handle, and the project's budget after it (which counts every release so far)."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k not in _PER_REQUEST}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def test_a_saved_script_is_pinned_and_reruns_with_the_same_answer(
    alice: Researcher, released_world: World, tmp_path: Path
) -> None:
    saved = alice.save("Lønn etter kjønn", SCRIPT)
    assert saved.status_code == 201, saved.get_json()
    body = saved.get_json()
    script_id = body["id"]
    assert body["pins"] == {
        "no.regcat.demo:1": {"datastore": "no.regcat.demo", "version": "1.0.0.0"}
    }
    assert body["owner"] == "forsker@uio" and body["forked_from"] is None
    assert alice.call("GET", f"{SCRIPTS}/{script_id}").get_json() == body
    assert [s["id"] for s in alice.call("GET", SCRIPTS).get_json()] == [script_id]

    # A newer release of the same major version appears: a new run of the text would use
    # it, the saved script stays on the version it was saved with.
    release_corrected_nudb(released_world.ctx, tmp_path)
    first = alice.call("POST", f"{SCRIPTS}/{script_id}/run").get_json()
    second = alice.call("POST", f"{SCRIPTS}/{script_id}/run").get_json()
    assert first["error"] is None, first["error"]
    assert first["pins"] == body["pins"]
    assert [o["kind"] for o in first["output"]] == ["text", "result", "result"]
    # The same answer, the same noise; only the ids and the project's budget account
    # (what was spent so far) differ.
    assert _without_ids(first) == _without_ids(second)
    ids = [o["response"]["audit_id"] for o in first["output"] + second["output"] if "response" in o]
    assert len(set(ids)) == 4  # four releases, each audited on its own
    fresh = alice.save("Samme tekst", SCRIPT).get_json()
    assert fresh["pins"]["no.regcat.demo:1"]["version"] == "1.0.1.0"


def release_corrected_nudb(ctx: Context, tmp_path: Path) -> None:
    """A second release of version 1 (1.0.1.0): NUDB with a corrected population text."""
    folder = tmp_path / "nudb"
    shutil.copytree(SAMPLES / "nudb", folder)
    meta = folder / "NUDB_FAGFELT" / "NUDB_FAGFELT.json"
    document = json.loads(meta.read_text(encoding="utf-8"))
    document["populationDescription"][0]["value"] += " (rettet)"
    meta.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    ingest_extract(ctx, folder)
    assert release_draft(ctx, "Corrected population text").version == "1.0.1.0"


def test_a_saved_script_is_its_owners_only(alice: Researcher, bob: Researcher) -> None:
    script_id = alice.save("Mitt", SCRIPT).get_json()["id"]
    for method, path in [
        ("GET", f"{SCRIPTS}/{script_id}"),
        ("POST", f"{SCRIPTS}/{script_id}/run"),
        ("DELETE", f"{SCRIPTS}/{script_id}"),
    ]:
        denied = bob.call(method, path)
        assert denied.status_code == 404, (method, path)
        assert denied.get_json()["error"]["code"] == "unknown-script"
    published = bob.call("POST", f"{SCRIPTS}/{script_id}/publish", {"description": "x"})
    assert published.status_code == 404
    assert bob.call("GET", SCRIPTS).get_json() == []
    assert alice.call("DELETE", f"{SCRIPTS}/{script_id}").status_code == 204
    gone = alice.call("GET", f"{SCRIPTS}/{script_id}")
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "unknown-script"


def test_publish_search_fork_and_run_a_library_script(alice: Researcher, bob: Researcher) -> None:
    script_id = alice.save("Lønnsgap 2022", SCRIPT).get_json()["id"]
    published = alice.call(
        "POST",
        f"{SCRIPTS}/{script_id}/publish",
        {"description": "Gjennomsnittlig lønn for kvinner og menn", "tags": ["Lønn", "kjønn"]},
    )
    assert published.status_code == 201, published.get_json()
    entry = published.get_json()
    assert entry["entry"].startswith("lib-") and entry["publisher"] == "forsker@uio"
    assert entry["tags"] == ["lønn", "kjønn"] and entry["shipped"] is False
    again = alice.call("POST", f"{SCRIPTS}/{script_id}/publish", {"description": "igjen"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "script-already-published"

    # Bob finds it by a word of its title, of its description and of its tags.
    for query in ("lønnsgap", "KVINNER", "kjønn lønn"):
        found = bob.call("GET", f"{LIBRARY}?q={query}").get_json()
        assert entry["entry"] in [e["entry"] for e in found], query
    assert bob.call("GET", f"{LIBRARY}?q=100%25").get_json() == []  # % is not a wildcard

    fork = bob.call("POST", f"{LIBRARY}/{entry['entry']}/fork", {"title": "Min kopi"})
    assert fork.status_code == 201, fork.get_json()
    forked = fork.get_json()
    assert forked["forked_from"] == entry["entry"] and forked["owner"] == "forsker@ntnu"
    assert forked["pins"] == entry["pins"] and forked["script"] == SCRIPT
    ran = bob.call("POST", f"{SCRIPTS}/{forked['id']}/run").get_json()
    assert ran["error"] is None
    direct = bob.call("POST", f"{LIBRARY}/{entry['entry']}/run").get_json()
    assert _without_ids(direct["output"]) == _without_ids(ran["output"])

    # Alice deletes her saved script: the published copy stays.
    alice.call("DELETE", f"{SCRIPTS}/{script_id}")
    assert bob.call("GET", f"{LIBRARY}/{entry['entry']}").status_code == 200


def test_a_shipped_snippet_is_listed_forked_and_run(alice: Researcher) -> None:
    listed = alice.call("GET", LIBRARY).get_json()
    shipped = [e for e in listed if e["shipped"]]
    assert len(shipped) >= 15
    english = alice.call("GET", f"{LIBRARY}/std-education-by-sex?lang=en").get_json()
    assert english["title"] == "Education by sex"
    fork = alice.call("POST", f"{LIBRARY}/std-education-by-sex/fork").get_json()
    assert fork["title"] == "Utdanning etter kjønn"
    assert fork["forked_from"] == "std-education-by-sex"
    assert fork["pins"]["no.regcat.demo:1"]["version"] == "1.0.0.0"
    ran = alice.call("POST", f"{LIBRARY}/std-education-by-sex/run").get_json()
    assert ran["error"] is None and ran["output"][0]["kind"] == "result"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", SCRIPTS, {"title": "", "script": "summarize x"}, 400, "invalid-parameters"),
        ("POST", SCRIPTS, {"title": "t"}, 400, "invalid-parameters"),
        ("POST", SCRIPTS, {"title": "t", "script": "tabulat x"}, 422, "script-unknown-command"),
        (
            "POST",
            SCRIPTS,
            {"title": "t", "script": "require no.nix:1 as db"},
            404,
            "unknown-datastore",
        ),
        ("POST", SCRIPTS, ["not", "an", "object"], 400, "invalid-parameters"),
        ("GET", f"{SCRIPTS}/scr-{'0' * 16}", None, 404, "unknown-script"),
        ("POST", f"{SCRIPTS}/scr-{'0' * 16}/run", None, 404, "unknown-script"),
        ("GET", f"{SCRIPTS}/{'x' * 500}", None, 404, "http-404"),  # not an id's form
        ("GET", f"{SCRIPTS}/run", None, 405, "http-405"),
        ("GET", f"{LIBRARY}/std-nothing", None, 404, "unknown-library-script"),
        ("POST", f"{LIBRARY}/lib-0/fork", {"title": "t"}, 404, "unknown-library-script"),
        ("POST", f"{LIBRARY}/lib-0/run", None, 404, "unknown-library-script"),
        ("GET", f"{LIBRARY}?q={'x' * 300}", None, 400, "invalid-parameters"),
        # NUL cannot be stored by PostgreSQL: refused before storing, on every backend.
        ("POST", SCRIPTS, {"title": "a\u0000b", "script": "help"}, 422, "unstorable-text"),
        ("POST", SCRIPTS, {"title": "two\nlines", "script": "help"}, 422, "unstorable-text"),
        ("GET", f"{LIBRARY}?q=a%00b", None, 422, "unstorable-text"),
        # Nor can a lone surrogate be stored as UTF-8 (JSON can carry one).
        ("POST", SCRIPTS, {"title": "a\ud800", "script": "help"}, 422, "unstorable-text"),
        # Refused for every route by the web before the parser sees it (web/errors.py).
        ("POST", SCRIPTS, {"title": "t", "script": "help\ud800"}, 422, "unstorable-text"),
        ("POST", f"{LIBRARY}/std-age-groups/fork", {"title": "\u0000"}, 422, "unstorable-text"),
    ],
)
def test_bad_input_is_a_4xx_with_a_code(
    alice: Researcher, method: str, path: str, body: Any, status: int, code: str
) -> None:
    answered = alice.call(method, path, body)
    assert answered.status_code == status, answered.get_json()
    assert answered.get_json()["error"]["code"] == code
    assert "Ugyldig verdi" not in answered.get_data(as_text=True)  # every message in bokmål
    assert alice.call("GET", SCRIPTS).get_json() == []  # nothing was saved


def test_publishing_checks_its_description_and_tags(alice: Researcher) -> None:
    script_id = alice.save("t", SCRIPT).get_json()["id"]
    for body in (
        {},
        {"description": ""},
        {"description": "d", "tags": ["x" * 41]},
    ):
        refused = alice.call("POST", f"{SCRIPTS}/{script_id}/publish", body)
        assert refused.status_code == 400, body
        assert refused.get_json()["error"]["code"] == "invalid-parameters"
    for body in ({"description": "d\u0000"}, {"description": "d", "tags": ["a\tb"]}):
        refused = alice.call("POST", f"{SCRIPTS}/{script_id}/publish", body)
        assert refused.status_code == 422, body
        assert refused.get_json()["error"]["code"] == "unstorable-text"
    listed = alice.call("GET", LIBRARY).get_json()
    assert [e for e in listed if not e["shipped"]] == []  # nothing was published
