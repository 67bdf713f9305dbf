"""The search page works without JavaScript: an ordinary GET form, rendered on the server."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.test_search_api import client as client  # the released sample catalogue's app


def html(client: FlaskClient, query: str = "", status: int = 200) -> str:
    response = client.get(f"/?{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def rows(page: str) -> list[str]:
    return re.findall(r'<a class="name" href="/variables/no\.regcat\.demo/(\w+)', page)


def test_front_page_is_the_search_form(client: FlaskClient) -> None:
    page = html(client)
    assert '<form id="search-form" class="search" method="get" action="/" role="search">' in page
    assert '<label for="q">Søk etter variabler</label>' in page
    assert 'name="exportable" value="" checked' in page  # "all variables" by default
    assert "Variabler som kan utleveres" in page and "Flere filtre" in page
    assert '<label for="valid_from">Gyldig fra</label>' in page
    assert re.search(r"Funnet: \d+", page)
    assert "Kreftregisteret" in page and "Krefttilfeller - diagnostikk og primærbehandling" in page
    assert len(rows(page)) == 25  # first page


def test_query_and_filters_narrow_the_table(client: FlaskClient) -> None:
    page = html(client, "q=kreft")
    found = int(re.search(r"Funnet: (\d+)", page).group(1))  # type: ignore[union-attr]
    assert found >= 10 and all(name.startswith("KRG_") for name in rows(page))
    narrowed = html(client, "q=kreft&exportable=true&valid_from=2010-01-01")
    assert 'name="exportable" value="true" checked' in narrowed
    assert 'value="2010-01-01"' in narrowed and '<details id="more-filters" open>' in narrowed
    assert int(re.search(r"Funnet: (\d+)", narrowed).group(1)) < found  # type: ignore[union-attr]
    assert "<td>Nei</td>" not in narrowed


def test_register_and_product_tree(client: FlaskClient) -> None:
    page = html(client, "register=kreftregisteret&product=krefttilfeller-diagnostikk")
    assert 'aria-current="true">Krefttilfeller - diagnostikk og primærbehandling</a>' in page
    assert '<input type="hidden" name="register" value="kreftregisteret">' in page
    assert set(rows(page)) and all(n.startswith("KRG_") for n in rows(page))
    # The other registers stay in the tree with their counts.
    assert re.search(r"Folkeregisteret</a>\s*<span class=\"count\">7</span>", page)


def test_sortable_columns(client: FlaskClient) -> None:
    page = html(client, "q=kreft")
    assert page.count('aria-sort="none"') == 4  # relevance: no column sorted
    assert 'href="/?q=kreft&amp;sort=-valid_from"' in page
    by_date = html(client, "q=kreft&sort=-valid_from")
    assert 'aria-sort="descending"' in by_date and 'href="/?q=kreft&amp;sort=valid_from"' in by_date
    by_name = html(client, "sort=name&per_page=100")
    assert rows(by_name) == sorted(rows(by_name))


def test_paging_links(client: FlaskClient) -> None:
    page = html(client, "per_page=10")
    assert "Side 1 av" in page and 'rel="next" href="/?per_page=10&amp;page=2"' in page
    beyond = html(client, "per_page=10&page=99")
    assert rows(beyond) == [] and "Gå til første side" in beyond


def test_english(client: FlaskClient) -> None:
    page = html(client, "lang=en&q=cancer")
    assert '<html lang="en">' in page and "Found:" in page and "Exportable variables" in page
    assert '<input type="hidden" name="lang" value="en">' in page
    assert "?lang=en" in re.search(r'<a class="name" href="([^"]+)"', page).group(1)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "query",
    ["valid_from=31.12.2020", "q=" + "x" * 5000, "temporality=NEVER", "page=-1"],
)
def test_bad_input_is_an_error_page_not_a_crash(client: FlaskClient, query: str) -> None:
    page = html(client, query, status=400)
    assert '<p class="error">' in page


@pytest.mark.parametrize(
    "query", ["q=", 'q="', "q=*", "q=:", "q=(", "q=%22kreft%22*", "valid_from="]
)
def test_odd_but_harmless_input_renders(client: FlaskClient, query: str) -> None:
    assert "Funnet:" in html(client, query)


def test_the_page_is_small_and_cacheable(client: FlaskClient) -> None:
    response = client.get("/?q=kreft")
    assert len(response.data) < 40_000
    assert (
        client.get("/?q=kreft", headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )
    script = client.get("/static/search.js")
    assert script.status_code == 200 and len(script.data) < 4_000
    script.close()
