"""One error hierarchy. Every error has a stable code, an HTTP status and a message in
bokmål and English; the web layer turns it into the JSON error shape or an error page, the
CLI into a message and exit code 1."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RegcatError(Exception):
    code: str
    nb: str
    en: str
    details: dict[str, Any] = field(default_factory=dict)
    http_status: int = 400

    def __post_init__(self) -> None:
        super().__init__(self.en)

    def message(self, language: str = "nb") -> str:
        return self.en if language == "en" else self.nb

    def as_dict(self, language: str = "nb") -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "status": self.http_status,
                "message": self.message(language),
                "details": self.details,
            }
        }


def invalid_input(code: str, nb: str, en: str, **details: Any) -> RegcatError:
    return RegcatError(code, nb, en, details, 400)


def not_found(code: str, nb: str, en: str, **details: Any) -> RegcatError:
    return RegcatError(code, nb, en, details, 404)


def conflict(code: str, nb: str, en: str, **details: Any) -> RegcatError:
    return RegcatError(code, nb, en, details, 409)


def unprocessable(code: str, nb: str, en: str, **details: Any) -> RegcatError:
    return RegcatError(code, nb, en, details, 422)
