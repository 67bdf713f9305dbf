"""What counts as untranslated text: words of one language found in text meant for the
other. Used by test_language.py on rendered pages, API errors and message catalogues.

The word lists hold words that exist in only one of the two languages (no "for", "i",
"status" or "problem"). Tokens that are codes rather than words are never checked: anything
with a digit, "_", "@", ".", ";" or "/" in it, or written in capitals only (dataset names,
usernames, datastore names, versions)."""

from __future__ import annotations

import re
import string

import lxml.html

ENGLISH_ONLY = frozenset(
    [
        "the",
        "and",
        "of",
        "is",
        "are",
        "not",
        "valid",
        "invalid",
        "must",
        "should",
        "could",
        "cannot",
        "field",
        "required",
        "missing",
        "error",
        "errors",
        "warning",
        "warnings",
        "pending",
        "approved",
        "rejected",
        "downloaded",
        "active",
        "revoked",
        "expired",
        "researcher",
        "steward",
        "search",
        "sign",
        "account",
        "request",
        "requests",
        "review",
        "users",
        "user",
        "download",
        "variables",
        "found",
        "results",
        "yes",
        "none",
        "please",
        "your",
        "you",
        "with",
        "from",
        "this",
        "that",
        "date",
        "number",
        "value",
        "unknown",
        "problems",
        "rows",
        "units",
        "codes",
        "datasets",
        "datastores",
        "version",
        "page",
        "next",
        "previous",
        "purpose",
        "comment",
        "approve",
        "reject",
        "state",
        "scope",
        "scopes",
        "name",
        "email",
        "password",
        "username",
        "roles",
        "role",
        "agreement",
        "accept",
        "expires",
        "revoke",
        "create",
        "enrol",
        "deactivate",
        "reactivate",
        "institution",
        "analysis",
        "stewardship",
        "mapping",
        "length",
        "between",
        "than",
        "characters",
        "digits",
        "check",
        "only",
        "one",
        "has",
        "have",
        "been",
        "was",
        "were",
        "will",
        "does",
        "waiting",
        "answer",
    ]
)
NORWEGIAN_ONLY = frozenset(
    [
        "og",
        "ikke",
        "er",
        "av",
        "til",
        "på",
        "som",
        "eller",
        "feil",
        "variabler",
        "variabel",
        "søk",
        "logg",
        "forsker",
        "venter",
        "svar",
        "godkjent",
        "avslått",
        "gyldig",
        "ugyldig",
        "utløpt",
        "problemer",
        "rad",
        "rader",
        "kolonne",
        "ingen",
        "alle",
        "fra",
        "versjon",
        "koder",
        "enheter",
        "datasett",
        "mangler",
        "påkrevd",
        "feltet",
        "ja",
        "nei",
        "brukere",
        "konto",
        "formål",
        "kommentar",
        "lastet",
        "godkjenn",
        "avslå",
        "registre",
        "populasjon",
        "tegn",
        "siffer",
        "trukket",
        "aktiv",
        "med",
        "har",
        "kan",
        "må",
        "det",
        "skal",
        "finnes",
        "ukjent",
        "verdien",
        "lengden",
        "mellom",
        "enn",
        "kontrollsifrene",
    ]
)
FORBIDDEN = {"nb": ENGLISH_ONLY, "en": NORWEGIAN_ONLY}
_SKIPPED_TAGS = ("script", "style", "code", "pre")
_ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")


def words(text: str) -> list[str]:
    """The words of `text` that are words, lower-cased (codes are left out, and so are
    quotations «like this» and template placeholders {like_this}: names of fields and
    parameters, values as the user wrote them)."""
    text = re.sub(r"«[^»]*»|\{[^}]*\}", " ", text)
    out = []
    for token in re.split(r"[\s,:()«»\"'!?…·–—→←▲▼\[\]{}<>=|*+]+", text):
        token = token.strip(string.punctuation)
        if not token or re.search(r"[\d_@./\\;]", token) or token.isupper():
            continue
        out.append(token.lower())
    return out


def foreign_words(text: str, language: str) -> list[str]:
    """Words of the other language in `text`, meant to be in `language`."""
    return [w for w in words(text) if w in FORBIDDEN[language]]


def page_text(html: str, language: str) -> str:
    """The text a reader of the page meets, without code, scripts and parts marked as
    being in the other language (the language switch)."""
    root = lxml.html.fromstring(html)
    assert root.get("lang") == language, f"<html lang={root.get('lang')}>, not {language}"
    skipped = list(root.iter(*_SKIPPED_TAGS))
    skipped += [e for e in root.xpath("//*[@lang]") if e.get("lang") != language]
    for element in skipped:
        if element is not root and element.getparent() is not None:
            element.drop_tree()
    parts = [" ".join(root.itertext())]  # elements apart: "Roller" then "forsker"
    for attribute in _ATTRIBUTES:
        parts += root.xpath(f"//@{attribute}")
    return "\n".join(str(p) for p in parts)
