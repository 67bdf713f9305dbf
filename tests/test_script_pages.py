"""The script page (issue 15 item 3) with the Flask test client on the released sample
registers: a plain form POST runs a script (no JavaScript), the page shows each result as
a table and a chart drawn on the server as SVG, with the spec's download link; a script
that does not parse comes back with its text and the error at its line and column (4xx);
the saved scripts and the library have pages (save, rerun, publish, fork); bokmål by
default, English with ?lang=en; a page needs a signed-in researcher."""

from __future__ import annotations

import base64
import re

from tests import test_accounts_support as accounts_support
from tests.test_accounts_support import World, csrf, sign_in

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world

SCRIPT = """require no.regcat.demo:1 as db
import db/BEFOLKNING_KJOENN as kjonn
import db/BEFOLKNING_FOEDSELSDATO as fodselsdato
generate alder = 2020 - year(fodselsdato)
textblock
## Kjønn i befolkningen
endblock
tabulate kjonn
barchart kjonn
summarize alder
"""


def _signed_in(world: World) -> object:
    client = world.app.test_client()
    sign_in(client, "forsker@uio")
    return client


def _post(client: object, path: str, **form: str) -> object:
    return client.post(path, data={"csrf_token": csrf(client), **form})  # type: ignore[attr-defined]


def test_the_editor_runs_a_script_by_a_form_post_and_shows_tables_and_a_chart(
    released_world: World,
) -> None:
    client = _signed_in(released_world)
    page = client.get("/scripts")  # type: ignore[attr-defined]
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<form method="post" action="/scripts"' in html and "<textarea" in html
    assert "<script" not in html  # the editor is a form: nothing needs JavaScript

    ran = _post(client, "/scripts", script=SCRIPT, action="run")
    assert ran.status_code == 200  # type: ignore[attr-defined]
    html = ran.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Kommandoer kjørt: 7" in html and 'id="script-error"' not in html
    assert "<h4>Kjønn i befolkningen</h4>" in html
    assert html.count('class="script-item script-result"') == 3  # one per statistic line
    assert html.count('class="result-table" data-table="result"') >= 3
    # The chart: an SVG drawn on the server, inline as an image, and the spec to download.
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(images) == 1
    svg = base64.b64decode(images[0]).decode()
    assert svg.startswith("<svg") and "</svg>" in svg
    (audit_id,) = re.findall(r'href="/api/v1/results/([0-9a-f]{24})\.vl\.json" download', html)
    spec = client.get(f"/api/v1/results/{audit_id}.vl.json")  # type: ignore[attr-defined]
    assert spec.status_code == 200 and spec.get_json()["mark"] == "bar"


def test_english_and_a_script_that_does_not_parse_keeps_its_text(released_world: World) -> None:
    client = _signed_in(released_world)
    bad = "require no.regcat.demo:1 as db\ntabulat kjonn\n"
    answered = _post(client, "/scripts?lang=en", script=bad, action="run")
    assert answered.status_code == 422  # type: ignore[attr-defined]
    html = answered.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "(Line 2, column 1)" in html and "script-unknown-command" in html
    assert "tabulat kjonn\n</textarea>" in html and "Commands run: 0" in html
    page = client.get("/scripts?lang=en").get_data(as_text=True)  # type: ignore[attr-defined]
    assert ">Run</button>" in page and 'lang="en"' in page


def test_saved_scripts_have_pages_save_rerun_publish_fork(released_world: World) -> None:
    client = _signed_in(released_world)
    saved = _post(client, "/scripts", script=SCRIPT, action="save", title="Kjønn")
    assert saved.status_code == 302  # type: ignore[attr-defined]
    where = saved.headers["Location"]  # type: ignore[attr-defined]
    assert re.fullmatch(r"/scripts/saved/scr-[0-9a-f]{16}", where)
    page = client.get(where).get_data(as_text=True)  # type: ignore[attr-defined]
    assert "no.regcat.demo:1" in page and "1.0.0.0" in page
    listing = client.get("/scripts/saved").get_data(as_text=True)  # type: ignore[attr-defined]
    assert where in listing
    rerun = _post(client, f"{where}/rerun")
    assert rerun.status_code == 200  # type: ignore[attr-defined]
    assert "data:image/svg+xml;base64," in rerun.get_data(as_text=True)  # type: ignore[attr-defined]
    published = _post(client, f"{where}/publish", description="Kjønn og alder", tags="kjønn")
    assert published.headers["Location"] == "/scripts/library"  # type: ignore[attr-defined]
    library = client.get("/scripts/library?q=alder").get_data(as_text=True)  # type: ignore[attr-defined]
    (entry,) = re.findall(r"\((lib-[0-9a-f]+)\)", library)
    forked = _post(client, f"/scripts/library/{entry}/fork")
    assert re.fullmatch(r"/scripts/saved/scr-[0-9a-f]{16}", forked.headers["Location"])  # type: ignore[attr-defined]
    snippet = client.get("/scripts?entry=std-define-population")  # type: ignore[attr-defined]
    assert "require no.regcat.demo:1 as db" in snippet.get_data(as_text=True)
    deleted = _post(client, f"{where}/delete")
    assert deleted.status_code == 302  # type: ignore[attr-defined]
    assert client.get(where).status_code == 404  # type: ignore[attr-defined]


def test_the_pages_need_a_signed_in_researcher(released_world: World) -> None:
    anonymous = released_world.app.test_client()
    assert anonymous.get("/scripts").status_code == 302  # to the sign-in page
    steward = released_world.app.test_client()
    sign_in(steward, "forvalter-fr")
    assert steward.get("/scripts").status_code == 403
