"""The one place the web picks a request's language: every page, API blueprint, error
answer and the sign-in check asks `request_language()`, nothing reads `?lang=` or the
cookie itself.

Precedence (README, docs/SCRIPT_LANGUAGE.md: "`?lang=en` gives every page in English;
bokmål is the default"), the first source that is given wins:

1. `?lang=` in the URL. Every link and every form's action carries it (`lang_query()`),
   and so does every redirect (`keep_language()`), so a form's answer, its errors
   included, and the page after it are in the language of the page the form was on.
2. a `lang` cookie (public answers say `Vary: Cookie` for it, see caching.py).
3. REGCAT_LANGUAGE, the configured default.
4. bokmål.

An empty value is not given. A given value other than `nb` or `en` means bokmål; it does
not fall through to the next source (a link with `?lang=de` reads the same for everyone),
except on the two API routes whose OpenAPI description lists `lang` (variable search and
one variable), whose schema refuses it (400). Accept-Language is not read:
public pages are cached by URL and cookie, and the docs promise bokmål unless asked.

The choice is made by the first caller and kept for the rest of the request (`g.lang`;
read it through `request_language()` only), so an error raised by any hook, in any order,
even for a URL no route matches, is answered in the language the route would have used."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask, current_app, g, has_request_context, request

from catalogue.domain.plurals import fill

LANGUAGES = ("nb", "en")
DEFAULT = "nb"


def request_language() -> str:
    """The request's language: `nb` or `en` (see the module's precedence)."""
    if not has_request_context():
        return DEFAULT
    chosen = g.get("lang")
    if chosen is None:
        given = (
            request.args.get("lang")
            or request.cookies.get("lang")
            or current_app.config["REGCAT"].language
        )
        chosen = given if given in LANGUAGES else DEFAULT
        g.lang = chosen
    return str(chosen)


def lang_query() -> str:
    """The query that keeps the request's language on a link or a form's action."""
    return "?lang=en" if request_language() == "en" else ""


def keep_language(url: str) -> str:
    """A URL on this site to redirect to, asking for the request's language (unless it
    already names one), so a form's next page is in the language the form was in."""
    if request_language() != "en" or "lang" in parse_qs(urlsplit(url).query):
        return url
    return url + ("&" if "?" in url else "?") + "lang=en"


def reader(table: Mapping[str, tuple[str, str]]) -> Callable[..., str]:
    """`read(key, **values)`: the table's (bokmål, English) template for `key` in the
    request's language, filled with `values` (catalogue.domain.plurals.fill)."""

    def read(key: str, **values: Any) -> str:
        return fill(table[key], request_language(), **values)

    return read


def init_app(app: Flask) -> None:
    # No hook: the first caller chooses, whichever hook, view or error handler it is, so
    # the order of the hooks (auth's check is first of all) cannot change the answer.
    app.jinja_env.globals["lang_query"] = lang_query
