"""One error hierarchy. Every error has a stable code, an HTTP status and a message in
bokmål and English; the web layer turns it into the JSON error shape or an error page, the
CLI into a message and exit code 1. Every code is listed, with its status and meaning, in
catalogue.domain.error_codes; an error that does not state its status takes it from there,
and one that does not write its words (nb and en left out) takes the catalogue's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catalogue.domain.error_codes import ERROR_CODES
from catalogue.domain.text import localise


@dataclass
class RegcatError(Exception):
    code: str
    # "" for both: the catalogue's words for the code, where the site has nothing more
    # specific to say (so the words are written once, in error_codes, not again here)
    nb: str = ""
    en: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    http_status: int = 0  # 0: the status the catalogue gives the code (400 if it has none)

    def __post_init__(self) -> None:
        known = ERROR_CODES.get(self.code)
        if not self.http_status:
            self.http_status = known.status if known else 400
        if not (self.nb or self.en):  # a KeyError for a code the catalogue lacks: a bug
            words = ERROR_CODES[self.code]
            self.nb, self.en = words.nb, words.en
        super().__init__(self.en)

    def message(self, language: str = "nb") -> str:
        return localise((self.nb, self.en), language)

    def as_dict(self, language: str = "nb") -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "status": self.http_status,
                "message": self.message(language),
                "details": self.details,
            }
        }


def invalid_input(code: str, nb: str = "", en: str = "", **details: Any) -> RegcatError:
    return RegcatError(code, nb, en, details, 400)


def not_found(code: str, nb: str = "", en: str = "", **details: Any) -> RegcatError:
    return RegcatError(code, nb, en, details, 404)


def conflict(code: str, nb: str = "", en: str = "", **details: Any) -> RegcatError:
    return RegcatError(code, nb, en, details, 409)


def unprocessable(code: str, nb: str = "", en: str = "", **details: Any) -> RegcatError:
    return RegcatError(code, nb, en, details, 422)
