"""One catalogue of error codes (catalogue.domain.error_codes), held to the source and the docs.

The source is read with `ast` (tests/error_code_sites.py), so a new raise site is checked
without anyone listing it: its code must be in the catalogue, or be the reason of an
output-control rule (those carry their own bilingual texts and are always 422), and the
status the site states must be one the catalogue gives the code. docs/ERRORS.md must list
exactly the catalogue's codes, each with its status and both texts, and every rule reason.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from catalogue.analysis.output_control.registry import RULES
from catalogue.domain.error_codes import ERROR_CODES, HTTP_STATUS_CODES
from catalogue.domain.errors import RegcatError
from tests.error_code_sites import Site, sites

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "ERRORS.md"
ROW = re.compile(r"^\| `([a-z0-9-]+)` \| ([0-9, ]+|[a-z0-9-]+) \| (.+) \| (.+) \|$")
REASONS = {code: rule for rule in RULES for code in rule.reasons}


@pytest.fixture(scope="module")
def raised() -> dict[str, list[Site]]:
    found: dict[str, list[Site]] = defaultdict(list)
    for site in sites():
        found[site.code].append(site)
    return found


def test_the_scan_finds_sites_of_every_kind(raised: dict[str, list[Site]]) -> None:
    """The checks below could pass by finding nothing; these sites are known to exist:
    a literal code, one through a helper (forbidden), one through a module constant
    (expression errors), one through a helper found by following `code` (too_many) and
    the f-string family of werkzeug's errors."""
    for code in ("uri-too-long", "not-user-admin", "expression-too-deep"):
        assert code in raised, code
    assert "workspace-too-many-steps" in raised
    assert "http-{" in raised
    assert len(raised) > 140


def test_every_raised_code_is_catalogued(raised: dict[str, list[Site]]) -> None:
    missing = {
        code: [s.where for s in found]
        for code, found in raised.items()
        if not found[0].is_family and code not in ERROR_CODES and code not in REASONS
    }
    assert not missing, (
        "add these codes to catalogue.domain.error_codes (status, bokmål, English) and to "
        f"docs/ERRORS.md: {missing}"
    )


def test_every_family_of_codes_has_its_members_catalogued(raised: dict[str, list[Site]]) -> None:
    for code in (c for c in raised if c.endswith("{")):
        prefix = code[:-1]
        assert any(known.startswith(prefix) for known in ERROR_CODES), code


def test_each_site_states_a_status_the_catalogue_gives(raised: dict[str, list[Site]]) -> None:
    wrong = [
        (site.code, site.status, site.where)
        for found in raised.values()
        for site in found
        if site.code in ERROR_CODES
        and site.status is not None
        and site.status not in ERROR_CODES[site.code].statuses
    ]
    assert not wrong, f"(code, status, site) the catalogue gives another status: {wrong}"


def test_the_catalogue_lists_no_code_that_is_never_raised(raised: dict[str, list[Site]]) -> None:
    unused = set(ERROR_CODES) - set(raised) - set(HTTP_STATUS_CODES)
    assert not unused, f"nothing raises these; drop them from the catalogue and docs: {unused}"
    assert not set(ERROR_CODES) & set(REASONS)  # a refusal's code is its rule's reason


def test_every_entry_is_an_error_status_with_two_texts() -> None:
    for code, entry in ERROR_CODES.items():
        assert all(400 <= status < 600 for status in entry.statuses), code
        assert entry.nb.strip() and entry.en.strip() and entry.nb != entry.en, code
        assert "|" not in entry.nb + entry.en, code  # they go into a Markdown table


def test_an_error_without_a_status_takes_the_catalogues() -> None:
    assert RegcatError("unknown-workspace", "nb", "en").http_status == 404
    assert RegcatError("unknown-workspace", "nb", "en", http_status=410).http_status == 410
    assert RegcatError("not-catalogued-yet", "nb", "en").http_status == 400


def documented() -> dict[str, tuple[str, str, str]]:
    rows = map(ROW.match, DOCUMENT.read_text(encoding="utf-8").splitlines())
    return {m.group(1): (m.group(2), m.group(3), m.group(4)) for m in rows if m}


def test_the_docs_list_every_code_with_its_status_and_both_texts() -> None:
    expected = {
        code: (", ".join(map(str, entry.statuses)), entry.nb, entry.en)
        for code, entry in ERROR_CODES.items()
    }
    expected |= {
        code: (rule.code, rule.reasons[code].nb, rule.reasons[code].en)
        for code, rule in REASONS.items()
    }
    found = documented()
    assert sorted(found) == sorted(expected), (
        "docs/ERRORS.md lists other codes than the catalogue and the output-control rules: "
        f"missing {sorted(set(expected) - set(found))}, extra {sorted(set(found) - set(expected))}"
    )
    assert found == expected
