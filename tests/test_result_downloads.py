"""Released results out, end to end through the API with researcher tokens: every release
as JSON, CSV and an Excel workbook, a chart as its Vega-Lite spec and a Vega-editor link.

Every file is read back with independent parsers (csv; the workbook's XML with zipfile and
lxml, not with the library that wrote it) and compared cell by cell with the JSON answer the
statistic gave; a withheld value must be empty in the files exactly where it is null in the
JSON; another researcher gets 404. The lz-string compression of the editor link is checked
against vectors published with lz-string's ports, and decoded back by a decompressor written
here from the algorithm's description."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from typing import Any

import pytest
from lxml import etree

from catalogue.export.results.vega_editor import EDITOR, compress_to_encoded_uri_component
from catalogue.storage.analysis_store import AnalysisStore
from tests.test_accounts_support import World
from tests.test_analysis_support import ISSUE_STEPS
from tests.test_workspaces_api import Researcher, _error, alice, bob, released_people_home
from tests.test_workspaces_api import released_world as released_world

__all__ = ["alice", "bob", "released_people_home", "released_world"]

RESULTS = "/api/v1/results"

# --- lz-string ----------------------------------------------------------------------------

# compressToEncodedURIComponent outputs published with lz-string's ports (the Rust crate
# lz-str's tests; compressToBase64 outputs of R's lzstring and others, which use the same
# symbols here: none contains + or /, and the URI form has no = padding).
VECTORS = {
    "The quick brown fox jumps over the lazy dog": (
        "CoCwpgBAjgrglgYwNYQEYCcD2B3AdhAM0wA8IArGAWwAcBnCTANzHQgBdwIAbAQwC8AnhAAmmAOZA"
    ),
    "The quick brown fox jumps over the lazy dog!": (
        "CoCwpgBAjgrglgYwNYQEYCcD2B3AdhAM0wA8IArGAWwAcBnCTANzHQgBdwIAbAQwC8AnhAAmmAOYBCIA"
    ),
    "Hello": "BIUwNmD2Q",
    '{"name":"test","level":5}': "N4IgdghgtgpiBcIAuMDOSQBoQBsYDcYcEBWAXyA",
    "Žluťoučký kůň úpěl ďábelské ódy!": (
        "r6ABsK6KaAD2aLCADWBfgBPQ9oCAlAZAvgDobEARlB4QAEOAjAUxAGd4BL5AZ4BMBPAQiA"
    ),
}
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$"


def decompress_from_encoded_uri_component(text: str) -> str:
    """lz-string's decompression: symbols of 6 bits read most significant bit first; codes
    0 and 1 bring a new 8- or 16-bit character, 2 ends the stream; the code width grows as
    the dictionary does."""
    symbols = [ALPHABET.index(c) for c in text]
    state = {"index": 0, "position": 32}

    def bits(n: int) -> int:
        out = 0
        for power in range(n):
            value = symbols[state["index"]] if state["index"] < len(symbols) else 0
            if value & state["position"]:
                out |= 1 << power
            state["position"] >>= 1
            if state["position"] == 0:
                state["position"], state["index"] = 32, state["index"] + 1
        return out

    dictionary: list[str] = ["", "", ""]
    first = bits(2)
    assert first in (0, 1)
    w = chr(bits(8 if first == 0 else 16))
    dictionary.append(w)
    units, width, enlarge = [w], 3, 4
    while True:
        code = bits(width)
        if code in (0, 1):
            dictionary.append(chr(bits(8 if code == 0 else 16)))
            code = len(dictionary) - 1
            enlarge -= 1
        elif code == 2:
            raw = "".join(units).encode("utf-16-le", "surrogatepass")
            return raw.decode("utf-16-le")
        if enlarge == 0:
            enlarge, width = 2**width, width + 1
        entry = dictionary[code] if code < len(dictionary) else w + w[0]
        units.append(entry)
        dictionary.append(w + entry[0])
        enlarge -= 1
        w = entry
        if enlarge == 0:
            enlarge, width = 2**width, width + 1


@pytest.mark.parametrize(("text", "expected"), VECTORS.items())
def test_lz_string_matches_published_vectors(text: str, expected: str) -> None:
    assert compress_to_encoded_uri_component(text) == expected
    assert decompress_from_encoded_uri_component(expected) == text


@pytest.mark.parametrize(
    "text",
    [
        "a",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "Kommune «Bø» 😀 — 0301",  # a character outside the BMP is two code units
        json.dumps({"values": [{"x": i, "y": i * i % 17} for i in range(400)]}),
    ],
)
def test_lz_string_round_trips(text: str) -> None:
    packed = compress_to_encoded_uri_component(text)
    assert set(packed) <= set(ALPHABET)
    assert decompress_from_encoded_uri_component(packed) == text


# --- reading the files back -----------------------------------------------------------------

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
OFFICE_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _cell_index(ref: str) -> tuple[int, int]:
    letters, digits = re.fullmatch(r"([A-Z]+)([0-9]+)", ref).groups()  # type: ignore[union-attr]
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return int(digits) - 1, column - 1


def read_workbook(content: bytes) -> dict[str, list[list[Any]]]:
    """Every sheet, in order, as rows of cells: a string, a float, or None for no value."""
    book = zipfile.ZipFile(io.BytesIO(content))
    shared = [
        "".join(si.itertext())
        for si in etree.fromstring(book.read("xl/sharedStrings.xml")).iter(f"{MAIN}si")
    ]
    targets = {
        r.get("Id"): r.get("Target")
        for r in etree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    }
    sheets: dict[str, list[list[Any]]] = {}
    for sheet in etree.fromstring(book.read("xl/workbook.xml")).iter(f"{MAIN}sheet"):
        target = targets[sheet.get(f"{OFFICE_REL}id")].removeprefix("/xl/")
        cells: dict[tuple[int, int], Any] = {}
        for c in etree.fromstring(book.read(f"xl/{target}")).iter(f"{MAIN}c"):
            v = c.find(f"{MAIN}v")
            if v is None:
                continue  # a blank (shaded) cell: no value
            cells[_cell_index(c.get("r"))] = (
                shared[int(v.text)] if c.get("t") == "s" else float(v.text)
            )
        height = max(r for r, _ in cells) + 1
        width = max(c for _, c in cells) + 1
        sheets[sheet.get("name")] = [
            [cells.get((r, c)) for c in range(width)] for r in range(height)
        ]
    return sheets


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # so that Excel reads UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def expected_result_table(result: dict[str, Any]) -> list[list[Any]]:
    """The result's table as the JSON has it: labels, values by column, the reason codes."""
    header = [*result["dimensions"], *result["columns"], "reasons"]
    rows = [
        [*row["labels"], *(row["values"][c] for c in result["columns"]), " ".join(row["reasons"])]
        for row in result["rows"]
    ]
    return [header, *rows]


def same_cell(found: Any, expected: Any, *, as_text: bool) -> bool:
    """A cell read back against the JSON value: null is an empty cell; a number reads back as
    the same number (from the CSV's text or the workbook's float); text is the same text."""
    if expected is None:
        return found in ("", None) if as_text else found is None
    if isinstance(expected, bool):
        return False
    if isinstance(expected, int | float):
        return float(found) == float(expected) and (
            not as_text or not isinstance(expected, int) or str(expected) == found
        )
    return bool(found == expected)


def assert_table(found: list[list[Any]], expected: list[list[Any]], *, as_text: bool) -> None:
    assert len(found) == len(expected)
    for r, (got, want) in enumerate(zip(found, expected, strict=True)):
        got = got + [None] * (len(want) - len(got))  # a row's trailing empty cells
        assert len(got) == len(want), r
        for c, (a, b) in enumerate(zip(got, want, strict=True)):
            assert same_cell(a, b, as_text=as_text), (r, c, a, b)


# --- end to end ---------------------------------------------------------------------------


def _get(who: Researcher, path: str) -> Any:
    return who.client.get(f"{RESULTS}{path}", headers=who.headers)


@pytest.fixture
def releases(alice: Researcher) -> dict[str, dict[str, Any]]:
    """One release of each shape: a table with code titles, a model with a summary, a model
    withheld as a whole (every value null), and a chart."""
    handle = alice.workspace([*ISSUE_STEPS, {"generate": "alder2", "expr": "alder * 2"}])
    asked = {
        "table": ("tabulate", {"vars": ["kjonn", "utdanning"], "percent": "row"}),
        "model": ("regress", {"y": "lonn", "x": ["kjonn", "alder"]}),
        "withheld": ("regress", {"y": "lonn", "x": ["alder", "alder2"]}),
        "chart": ("barchart", {"var": "utdanning"}),
    }
    found = {}
    for name, (path, body) in asked.items():
        response = alice.post(f"/{handle}/{path}", body)
        assert response.status_code == 200, response.get_json()
        (item,) = response.get_json()["results"]
        found[name] = {
            **item,
            "request": body,
            "statistic": path,
            "workspace": handle,
            "request_audit_id": response.get_json()["audit_id"],
        }
    return found


def test_every_release_downloads_as_released(
    alice: Researcher, releases: dict[str, dict[str, Any]]
) -> None:
    for name, item in releases.items():
        result = item["result"]
        audit_id = result["audit_id"]
        described = _get(alice, f"/{audit_id}")
        assert described.status_code == 200, (name, described.get_json())
        body = described.get_json()
        assert body["result"] == result, name  # exactly as released, audit id included
        assert body["about"] == item["about"] and body["request"] == item["request"]
        assert (body["datastore"], body["version"]) == ("no.regcat.demo", "1.0.0.0")
        assert body.get("vega_lite") == item.get("vega_lite")
        assert body.get("category_labels") == item.get("category_labels")

        csv_file = _get(alice, f"/{audit_id}.csv")
        assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
        assert f"{audit_id}-result.csv" in csv_file.headers["Content-Disposition"]
        assert_table(read_csv(csv_file.data), expected_result_table(result), as_text=True)

        workbook = _get(alice, f"/{audit_id}.xlsx")
        assert workbook.status_code == 200, workbook.get_json()
        sheets = read_workbook(workbook.data)
        assert next(iter(sheets)) == "resultat" and list(sheets)[-1] == "om"
        assert_table(sheets["resultat"], expected_result_table(result), as_text=False)
        if result["summary"]:
            # A JSON object's members have no order, and the audit log keeps them by name.
            summary = [
                ["name", "value", "reasons"],
                *sorted(
                    [k, v["value"], " ".join(v["reasons"])] for k, v in result["summary"].items()
                ),
            ]
            assert_table(sheets["sammendrag"], summary, as_text=False)
            assert_table(
                read_csv(_get(alice, f"/{audit_id}.csv?table=summary").data),
                summary,
                as_text=True,
            )
        about = dict((row[0], row[1]) for row in sheets["om"][1:])
        assert about["Datalager"] == "no.regcat.demo" and about["Versjon"] == "1.0.0.0"
        assert about["Revisjons-id"] == audit_id and about["Statistikk"] == item["statistic"]
        assert json.loads(about["Forespørsel"]) == item["request"]
        for code, text in result["reasons"].items():
            assert about[f"Begrunnelse {code}"] == text["nb"]
        applied = [row[1].split(" ", 1) for row in sheets["om"][1:] if row[0] == "Regel brukt"]
        assert [(code, json.loads(parameters)) for code, parameters in applied] == [
            (rule["code"], rule["parameters"]) for rule in result["rules"]
        ]
        assert applied, name  # every release applies rules


def test_a_withheld_value_is_empty_exactly_where_the_json_has_null(
    alice: Researcher, releases: dict[str, dict[str, Any]]
) -> None:
    result = releases["withheld"]["result"]
    (row,) = result["rows"]
    assert set(row["values"].values()) == {None} and row["reasons"] == ["regression-withheld"]
    audit_id = result["audit_id"]
    header, line = read_csv(_get(alice, f"/{audit_id}.csv").data)
    assert header == [*result["dimensions"], *result["columns"], "reasons"]
    assert line == ["model", *[""] * len(result["columns"]), "regression-withheld"]
    sheet = read_workbook(_get(alice, f"/{audit_id}.xlsx").data)["resultat"]
    assert sheet[1] == ["model", *[None] * len(result["columns"]), "regression-withheld"]
    # A release without a summary has no summary table to give.
    _error(_get(alice, f"/{audit_id}.csv?table=summary"), 404, "unknown-result-table")


def test_a_chart_downloads_as_its_spec_and_opens_in_the_vega_editor(
    alice: Researcher, releases: dict[str, dict[str, Any]]
) -> None:
    item = releases["chart"]
    audit_id = item["result"]["audit_id"]
    spec = _get(alice, f"/{audit_id}.vl.json")
    assert spec.status_code == 200 and spec.mimetype == "application/json"
    assert json.loads(spec.data) == item["vega_lite"]
    link = _get(alice, f"/{audit_id}").get_json()["vega_editor"]
    assert link.startswith(EDITOR) and EDITOR == "https://vega.github.io/editor/#/url/vega-lite/"
    decoded = decompress_from_encoded_uri_component(link.removeprefix(EDITOR))
    assert json.loads(decoded) == item["vega_lite"]
    # Drawn on the server from the spec as released: SVG and PNG.
    drawn = _get(alice, f"/{audit_id}.svg")
    assert drawn.status_code == 200 and drawn.mimetype == "image/svg+xml"
    assert drawn.data.startswith(b"<svg")
    image = _get(alice, f"/{audit_id}.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG\r\n\x1a\n")
    # A table has no chart: no spec, no picture, no link.
    table = releases["table"]["result"]["audit_id"]
    for suffix in (".vl.json", ".svg", ".png"):
        _error(_get(alice, f"/{table}{suffix}"), 404, "release-has-no-chart")
    assert _get(alice, f"/{table}").get_json()["vega_editor"] is None


def test_the_workbook_speaks_the_language_asked_for(
    alice: Researcher, releases: dict[str, dict[str, Any]]
) -> None:
    result = releases["model"]["result"]
    sheets = read_workbook(_get(alice, f"/{result['audit_id']}.xlsx?lang=en").data)
    assert list(sheets) == ["result", "summary", "about"]
    about = dict((row[0], row[1]) for row in sheets["about"][1:])
    assert about["Datastore"] == "no.regcat.demo" and about["Audit id"] == result["audit_id"]
    for code, text in result["reasons"].items():
        assert about[f"Reason {code}"] == text["en"]
    labels = read_workbook(_get(alice, f"/{releases['table']['result']['audit_id']}.xlsx").data)
    codes = releases["table"]["category_labels"]
    assert len(labels["etiketter"]) - 1 == sum(len(v) for v in codes.values())


def test_another_researcher_gets_404_for_every_download(
    released_world: World,
    alice: Researcher,
    bob: Researcher,
    releases: dict[str, dict[str, Any]],
) -> None:
    audit_id = releases["chart"]["result"]["audit_id"]
    suffixes = ("", ".csv", ".csv?table=about", ".xlsx", ".vl.json", ".svg", ".png")
    for suffix in suffixes:
        _error(_get(bob, f"/{audit_id}{suffix}"), 404, "unknown-release")
    # Not a release (a malformed id, an unknown one, a request's own audit entry): the same.
    for wrong in ("x", "0" * 24, "../" + audit_id, releases["chart"]["request_audit_id"]):
        response = _get(alice, f"/{wrong}.csv")
        assert response.status_code == 404, wrong
    # Every refusal is audited, under the one who asked.
    with released_world.ctx.db.transaction() as session:
        refused = [
            json.loads(e.payload)
            for e in AnalysisStore(session).audit_entries()
            if e.actor == bob.username and e.kind == "request"
        ]
    refused = [p for p in refused if p.get("endpoint") == "result" and p["release"] == audit_id]
    assert [(p["endpoint"], p["release"], p["status"], p["error"]) for p in refused] == [
        ("result", audit_id, 404, "unknown-release")
    ] * len(suffixes)
    assert _get(alice, f"/{'0' * 24}").get_json()["error"]["code"] == "unknown-release"
    _error(_get(alice, f"/{audit_id}.csv?table=everything"), 400, "invalid-parameters")


def test_a_release_outlives_its_workspace(
    alice: Researcher, releases: dict[str, dict[str, Any]]
) -> None:
    item = releases["model"]
    assert alice.delete(f"/{item['workspace']}").status_code == 204
    response = _get(alice, f"/{item['result']['audit_id']}")
    assert response.status_code == 200 and response.get_json()["result"] == item["result"]


# --- formula injection ------------------------------------------------------------------------

# What a spreadsheet reads as the start of a formula (or, for a tab and a carriage return, of
# a cell that a spreadsheet strips and then reads as one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# (A carriage return cannot be written in an expression's text; the CSV treats it alike.)
INJECTED = ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\t=1+2"]


def test_a_cell_a_spreadsheet_would_read_as_a_formula_is_neutralised(alice: Researcher) -> None:
    """Labels are user-controlled text (a derived variable's values, here): a CSV cell that
    starts like a formula is opened by a spreadsheet as one (`=HYPERLINK(...)`,
    `=cmd|...`). In the CSV such a text starts with an apostrophe, which a spreadsheet
    shows as text and does not show; the workbook writes every text as a text cell (never
    a formula), and numbers, negative ones included, stay numbers."""
    steps: list[dict[str, Any]] = [{"generate": "f", "expr": f'"{INJECTED[0]}"'}]
    for k, text in enumerate(INJECTED[1:], start=1):
        six = f"alder - int(alder / 6) * 6 == {k}"
        steps.append({"replace": "f", "expr": f'"{text}"', "if": six})
    handle = alice.workspace([*ISSUE_STEPS, *steps])
    response = alice.post(f"/{handle}/tabulate", {"vars": ["f"]})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()["results"][0]["result"]
    shown = {row["labels"][0] for row in result["rows"]}
    assert set(INJECTED) <= shown  # every text is a common value: a label
    rows = read_csv(_get(alice, f"/{result['audit_id']}.csv").data)
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (row, cell)
    labels = {row[0] for row in rows[1:]}
    assert {f"'{text}" for text in INJECTED} <= labels
    sheet = read_workbook(_get(alice, f"/{result['audit_id']}.xlsx").data)["resultat"]
    assert set(INJECTED) <= {row[0] for row in sheet[1:]}  # text cells, as given
    book = zipfile.ZipFile(io.BytesIO(_get(alice, f"/{result['audit_id']}.xlsx").data))
    assert all(b"<f>" not in book.read(name) for name in book.namelist())  # no formula
