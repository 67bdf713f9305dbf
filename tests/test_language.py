"""Everything a user reads exists in bokmål and English, and neither language shows words
of the other (issue 12, defect 12): every page, public and signed in, error pages and forms
with errors; API error messages with marshmallow's field messages; every message
catalogue, where every code has both texts with the same placeholders; counted nouns
("1 problem", not "1 problemer")."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from catalogue.domain import account_names, plurals
from catalogue.domain.accounts import ExportStatus, Role, Scope
from catalogue.domain.error_codes import ERROR_CODES
from catalogue.domain.text import by_language, pick
from catalogue.services import messages, tokens, user_accounts
from catalogue.services.workspaces import add_steps, create_workspace
from catalogue.web import accounts_pages, wording
from ingest import messages as ingest_messages
from ingest.report import Report
from schemas import translations
from tests import test_accounts_support as support
from tests.language_check import foreign_words, page_text
from tests.test_accounts_support import OPERATOR, World, post
from tests.test_export_population import BREAST_CANCER_STEPS

released_world = support.released_world
released_people_home = support.released_people_home

LANGUAGES = ("nb", "en")
# The researcher's own words are shown as written; these are neither language's (listed) words.
PURPOSE = "Brystkreft C50, kohort 1990–2020: masteroppgave UiO 2025."
VARIABLE = "/variables/no.regcat.demo"


def _prepare(world: World) -> None:
    """Accounts, tokens and export requests in every state the pages can show."""
    ctx = world.ctx
    tokens.create_token(ctx, OPERATOR, "forsker@uio", ["analysis"], "analyse")
    old = tokens.create_token(ctx, OPERATOR, "forsker@uio", ["search"], "gammelt")
    tokens.revoke_token(ctx, OPERATOR, old.view.prefix)
    user_accounts.enrol_user(ctx, OPERATOR, "student@uio", institution="uio", roles=["researcher"])
    user_accounts.deactivate_user(ctx, OPERATOR, "student@uio")
    space = create_workspace(ctx, "forsker@uio")
    add_steps(ctx, "forsker@uio", space.handle, BREAST_CANCER_STEPS)
    researcher = world.client("forsker@uio")

    def request(**extra: Any) -> int:
        body = {"variables": ["BEFOLKNING_KJOENN"], "purpose": PURPOSE, **extra}
        made = post(researcher, "/api/v1/export-requests", json=body)
        assert made.status_code == 201, made.get_json()
        return int(made.get_json()["id"])

    def decide(steward: str, request_id: int, approve: bool) -> None:
        url = f"/api/v1/export-requests/{request_id}/decisions"
        body = {"approve": approve, "comment": "Vurdert."}
        assert post(world.client(steward), url, json=body).status_code == 200

    request(workspace=space.handle)  # pending, with its population
    decide("forvalter-fr", request(), True)  # approved
    decide("forvalter-fr", request(), False)  # rejected
    downloaded = request()
    decide("forvalter-fr", downloaded, True)
    assert researcher.get(f"/api/v1/export-requests/{downloaded}/file").status_code == 200


def _client(world: World, language: str, username: str | None = None) -> FlaskClient:
    client = world.client(username)
    client.set_cookie("lang", language)
    return client


def _pages(world: World, language: str) -> dict[str, tuple[int, str]]:
    """name → (status, HTML) of every page, in `language`."""
    anonymous = _client(world, language)
    out: dict[str, tuple[int, str]] = {}

    def get(name: str, client: FlaskClient, url: str) -> None:
        response = client.get(url)
        out[name] = (response.status_code, response.get_data(as_text=True))

    for name, url in [
        ("search", "/"),
        ("search-hits", "/?q=kreft"),
        ("search-filtered", "/?q=kreft&exportable=true&valid_from=2015-01-01"),
        ("search-none", "/?q=zzqqxxyy"),
        ("search-beyond", "/?q=kreft&page=40"),
        ("datastores", "/datastores"),
        ("variable-codes", f"{VARIABLE}/BEFOLKNING_KJOENN"),
        ("variable-event", f"{VARIABLE}/KRG_ICD10"),
        ("variable-amount", f"{VARIABLE}/INNTEKT_WLONN"),
        ("variable-old-version", f"{VARIABLE}/BEFOLKNING_KJOENN?version=1.0.0.0"),
        ("sign-in", "/login"),
        ("api-docs", "/api/v1/docs"),
        ("error-404", "/finnes-ikke"),
        ("error-unknown-variable", f"{VARIABLE}/FINNES_IKKE"),
        ("error-bad-date", "/?valid_from=31.12.2020"),
        ("error-bad-sort", "/?sort=tilfeldig"),
    ]:
        get(name, anonymous, url)
    failed = anonymous.post(
        "/login",
        data={
            "username": "forsker@uio",
            "password": "feil passord her",
            "csrf_token": _csrf(anonymous),
        },
    )
    out["sign-in-failed"] = (failed.status_code, failed.get_data(as_text=True))

    researcher = _client(world, language, "forsker@uio")
    get("account", researcher, "/account")
    created = post(researcher, "/account/tokens", data={"name": "ny", "scope": "analysis"})
    out["account-new-token"] = (created.status_code, created.get_data(as_text=True))
    get("my-requests", researcher, "/exports")
    post(researcher, "/exports", data={"variables": "BEFOLKNING_KJOENN", "purpose": "kort"})
    get("my-requests-form-error", researcher, "/exports")
    post(researcher, "/exports", data={"variables": "BEFOLKNING_MOR", "purpose": PURPOSE})
    get("my-requests-refused", researcher, "/exports")
    get("error-403", researcher, "/admin/users")

    for steward in ("forvalter-krg", "forvalter-fr"):
        get(f"review-{steward}", _client(world, language, steward), "/exports/review")
    get("flags", _client(world, language, "forvalter-krg"), "/steward/flags")

    admin = _client(world, language, "admin@uio")
    get("users", admin, "/admin/users")
    post(admin, "/admin/users", data={"username": "X", "role": "researcher"})
    get("users-form-error", admin, "/admin/users")
    return out


def _csrf(client: FlaskClient) -> str:
    return support.csrf(client)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_in_one_language(released_world: World, language: str) -> None:
    _prepare(released_world)
    pages = _pages(released_world, language)
    expected_errors = {"error-404": 404, "error-unknown-variable": 404, "error-403": 403}
    for name, (status, html) in pages.items():
        assert status == expected_errors.get(name, status), name
        assert status < 500, name
        text = page_text(html, language)
        assert not foreign_words(text, language), (name, foreign_words(text, language))
    # The pages did show the things that used to be in English.
    other = "en" if language == "nb" else "nb"
    account = page_text(pages["account"][1], language)
    assert account_names.name_of("role", Role.RESEARCHER, language) in account
    mine = page_text(pages["my-requests"][1], language)
    for status in (ExportStatus.PENDING, ExportStatus.APPROVED, ExportStatus.REJECTED):
        assert account_names.name_of("export-status", status, language) in mine
        if account_names.name_of("export-status", status, other) not in ("",):
            assert f" {account_names.name_of('export-status', status, other)} " not in mine
    review = page_text(pages["review-forvalter-krg"][1], language)
    assert (
        "KRG_ICD10" in pages["review-forvalter-krg"][1]
        and "keep_if" in review + pages["review-forvalter-krg"][1]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_api_errors_and_field_messages_are_in_the_asked_language(
    released_world: World, language: str
) -> None:
    client = released_world.client("forsker@uio")
    answers = [
        client.get(f"/api/v1/variables?valid_from=31.12.2020&lang={language}"),
        client.get(f"/api/v1/variables?per_page=100000&lang={language}"),
        post(
            client,
            f"/api/v1/export-requests?lang={language}",
            json={"variables": "BEFOLKNING_KJOENN", "purpose": 7, "file_format": "xls"},
        ),
        post(
            client,
            f"/api/v1/export-requests?lang={language}",
            data="{",
            content_type="application/json",
        ),
        client.get(f"/api/v1/finnes-ikke?lang={language}"),
        client.get(f"/api/v1/export-requests/99999?lang={language}"),
    ]
    for answer in answers:
        assert 400 <= answer.status_code < 500, answer.get_data(as_text=True)
        error = answer.get_json()["error"]
        fields = error["details"].get("fields", {})
        text = " ".join([error["message"], *_strings(fields)])
        for name in fields if isinstance(fields, dict) else ():  # the fields' own names
            text = text.replace(name, "")
        assert not foreign_words(text, language), (error, foreign_words(text, language))
    fields = answers[0].get_json()["error"]["details"]["fields"]
    date_message = _strings(fields)[0]
    assert date_message == ("Not a valid date." if language == "en" else "Ikke en gyldig dato.")


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


# --- message catalogues ---------------------------------------------------------------------


def _placeholders(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}


def _check_pairs(name: str, pairs: Iterable[tuple[str, str, str]]) -> None:
    """(code, bokmål, English): both present, the same placeholders, no foreign words."""
    for code, nb, en in pairs:
        assert nb.strip() and en.strip(), (name, code)
        assert _placeholders(nb) == _placeholders(en), (name, code)
        nb, en = (re.sub(r"\{[^}]*\}", " ", text) for text in (nb, en))
        assert not foreign_words(nb, "nb"), (name, code, foreign_words(nb, "nb"))
        assert not foreign_words(en, "en"), (name, code, foreign_words(en, "en"))


def test_every_message_catalogue_has_both_texts_for_every_code() -> None:
    _check_pairs("cli", ((k, nb, en) for k, (nb, en) in messages.MESSAGES.items()))
    _check_pairs("pages", ((k, nb, en) for k, (nb, en) in wording.PAGE_WORDS.items()))
    _check_pairs(
        "accounts", ((k, nb, en) for k, (nb, en) in accounts_pages.ACCOUNT_PAGE_WORDS.items())
    )
    _check_pairs(
        "ingest",
        (
            (code, t.nb + " " + t.hint_nb, t.en + " " + t.hint_en)
            for code, t in ingest_messages.CATALOGUE.items()
        ),
    )
    for table in (
        ingest_messages.EXPECTED_TYPE,
        ingest_messages.NAME_REASONS,
        ingest_messages.JSON_REASONS,
    ):
        _check_pairs("ingest", ((k, v.nb, v.en) for k, v in table.items()))
    for kind, names in account_names.NAMES.items():
        _check_pairs(kind, ((k, nb, en) for k, (nb, en) in names.items()))
    _check_pairs(
        "nouns", ((k, f"{a} {b}", f"{c} {d}") for k, (a, b, c, d) in plurals.NOUNS.items())
    )
    _check_pairs("errors", ((k, e.nb, e.en) for k, e in ERROR_CODES.items()))
    table = {**translations.BOKMAL, **translations.range_messages()}
    _check_pairs("marshmallow", ((en, nb, en) for en, nb in table.items()))


def test_every_code_of_accounts_has_a_name() -> None:
    for kind, codes in (
        ("role", Role),
        ("scope", Scope),
        ("export-status", ExportStatus),
        ("token-state", ("active", "expired", "revoked")),
        ("deactivation", ("by-admin", "idle")),
    ):
        for code in codes:
            assert code in account_names.NAMES[kind], (kind, code)


def test_every_marshmallow_message_has_a_bokmal_text() -> None:
    missing = translations.library_templates() - set(translations.BOKMAL)
    assert not missing
    assert translations.in_bokmal("Not a valid date.") == "Ikke en gyldig dato."
    assert translations.in_bokmal("Length must be between 1 and 100.") == (
        "Lengden må være mellom 1 og 100."
    )
    assert translations.in_bokmal("Must be greater than or equal to 1.") == (
        "Må være større enn eller lik 1."
    )
    assert translations.in_bokmal("Something marshmallow may say one day.") == "Ugyldig verdi."


def test_counted_nouns_agree_with_their_number() -> None:
    report = Report(max_problems=0)
    report.record("missing-value", "X.csv", 1, "value")
    assert report.render("nb")[-1] == "1 feil, 0 advarsler."
    assert report.render("en")[-1] == "1 error, 0 warnings."
    assert report.render("nb")[0] == "... og 1 problem til som ikke er listet."
    assert messages.say("verify-summary", "nb", files=1, revisions=2, problems=1) == (
        "Kontrollerte 1 fil i 2 revisjoner: 1 problem."
    )
    assert messages.say("released", "en", datastore="d", version="1", count=1) == (
        "Released d 1 (1 dataset)."
    )
    assert wording.word("codes-count", "nb", count=1) == "1 kode"
    assert wording.word("rows-units", "en", rows=12345, units=1) == "12 345 rows, 1 unit"


# --- messages written where they are raised -------------------------------------------------

# Calls that take a message in bokmål and English, and the positions of the two texts.
_BILINGUAL_CALLS = {
    "RegcatError": (1, 2),
    "invalid_input": (1, 2),
    "not_found": (1, 2),
    "conflict": (1, 2),
    "unprocessable": (1, 2),
    "forbidden": (1, 2),
    "step_error": (1, 2),
    "too_many": (1, 2),
    "_both": (1, 2),
    "Both": (0, 1),
    "Template": (0, 1),
    "Refusal": (2, 3),
}
REPO = Path(__file__).resolve().parents[1]


def _literal(node: ast.expr) -> str | None:
    """The text of a string literal, an f-string (its values left out) or a sum of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else " " for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        return None if left is None or right is None else left + right
    return None


def test_messages_written_in_code_are_in_one_language() -> None:
    """Every error and message given in both languages where it is raised."""
    sources = [REPO / "cli.py"]
    for package in ("catalogue", "ingest", "schemas"):
        sources += sorted((REPO / package).rglob("*.py"))
    checked, wrong = 0, []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in _BILINGUAL_CALLS:
                continue
            nb_at, en_at = _BILINGUAL_CALLS[name]
            if len(node.args) <= en_at:
                continue
            nb, en = _literal(node.args[nb_at]), _literal(node.args[en_at])
            if nb is None or en is None:
                continue
            checked += 1
            bad = foreign_words(nb, "nb") + foreign_words(en, "en")
            if bad:
                wrong.append(f"{path.relative_to(REPO)}:{node.lineno} {bad}")
    assert checked > 200  # the scan does find the messages
    assert not wrong, wrong


def test_a_text_kept_by_language_code_falls_back_past_an_empty_value() -> None:
    """The search index keeps a variable's labels by language code, with "" for a language
    the register did not write: the page shows the other language rather than nothing."""
    labels = {"nb": "", "en": "Wage income"}
    assert pick(by_language(labels), "nb") == "Wage income"
    assert pick(by_language({"nb": "Lønn", "en": ""}), "en") == "Lønn"
    assert pick(by_language({"nb": "Lønn", "en": "Wage"}), "en") == "Wage"
    assert pick(by_language({"nb": "", "en": ""}), "en") == ""
