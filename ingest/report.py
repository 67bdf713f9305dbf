"""A report collects the problems of an extract instead of raising on the first one.

Every problem has a stable kebab-case code, a place (file, 1-based row, column or JSON field
path) and a message plus a hint in bokmål and English. The report lists at most
`max_problems` errors (and as many warnings) in full but counts all of them, so a file with
a million bad rows gives a readable report and an honest total.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from catalogue.domain.plurals import counted
from catalogue.domain.text import localise
from ingest.messages import describe

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    code: str
    file: str
    row: int | None
    column: str | None
    nb: str
    en: str
    hint_nb: str = ""
    hint_en: str = ""
    severity: Severity = "error"

    def message(self, language: str = "nb") -> str:
        return localise((self.nb, self.en), language)

    def hint(self, language: str = "nb") -> str:
        return localise((self.hint_nb, self.hint_en), language)

    def render(self, language: str = "nb") -> str:
        """`BEFOLKNING_KJOENN.csv, rad 12, kolonne start: message hint`."""
        in_csv = self.file.lower().endswith(".csv")
        place = [self.file] if self.file else []
        if self.row is not None:
            label = localise(("rad", "row") if in_csv else ("linje", "line"), language)
            place.append(f"{label} {self.row}")
        if self.column:
            label = localise(("kolonne", "column") if in_csv else ("felt", "field"), language)
            place.append(f"{label} {self.column}")
        if self.severity == "warning":
            place.append(localise(("advarsel", "warning"), language))
        text = " ".join(part for part in (self.message(language), self.hint(language)) if part)
        return f"{', '.join(place)}: {text}" if place else text

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    """Problems found in one extract or one dataset; see the module docstring."""

    max_problems: int = 50
    _errors: list[Problem] = field(default_factory=list)
    _warnings: list[Problem] = field(default_factory=list)
    total_errors: int = 0
    total_warnings: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    # Set when reading stopped early because of too many errors: the last line read.
    stopped_after_row: int | None = None

    @property
    def errors(self) -> list[Problem]:
        return list(self._errors)

    @property
    def warnings(self) -> list[Problem]:
        return list(self._warnings)

    @property
    def ok(self) -> bool:
        return self.total_errors == 0

    @property
    def problems(self) -> list[Problem]:
        return self._errors + self._warnings

    def add(self, problem: Problem) -> None:
        """Count `problem`, and list it while there is room."""
        self.counts[problem.code] += 1
        if problem.severity == "warning":
            self.total_warnings += 1
            if len(self._warnings) < self.max_problems:
                self._warnings.append(problem)
        else:
            self.total_errors += 1
            if len(self._errors) < self.max_problems:
                self._errors.append(problem)

    def record(
        self,
        code: str,
        file: str,
        /,
        row: int | None = None,
        column: str | None = None,
        **params: Any,
    ) -> None:
        """Add a problem of the catalogue in ingest.messages, filled in with `params`."""
        self.add(_catalogued(code, file, row, column, params))

    def record_rows(
        self,
        code: str,
        file: str,
        column: str | None,
        rows: np.ndarray | Iterable[int],
        params: Callable[[int], Mapping[str, Any]] | None = None,
    ) -> None:
        """The same problem on many rows: the messages of rows beyond the cap are never built,
        only counted. `params(k)` gives the parameters for the k-th entry of `rows`."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return
        severity = describe(code).severity
        listed = self._warnings if severity == "warning" else self._errors
        room = max(0, self.max_problems - len(listed))
        for k in range(min(room, len(rows))):
            listed.append(
                _catalogued(code, file, int(rows[k]), column, params(k) if params else {})
            )
        self.counts[code] += len(rows)
        if severity == "warning":
            self.total_warnings += len(rows)
        else:
            self.total_errors += len(rows)

    def count(self, code: str, n: int) -> None:
        """Count `n` more problems of `code` without listing them."""
        if n <= 0:
            return
        self.counts[code] += n
        if describe(code).severity == "warning":
            self.total_warnings += n
        else:
            self.total_errors += n

    def extend(self, other: Report) -> None:
        """Take over `other`'s listed problems and its totals."""
        for listed, theirs in ((self._errors, other._errors), (self._warnings, other._warnings)):
            listed.extend(theirs[: max(0, self.max_problems - len(listed))])
        self.total_errors += other.total_errors
        self.total_warnings += other.total_warnings
        self.counts.update(other.counts)
        if other.stopped_after_row is not None:
            self.stopped_after_row = other.stopped_after_row

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "total_errors": self.total_errors,
            "total_warnings": self.total_warnings,
            "listed_errors": len(self._errors),
            "listed_warnings": len(self._warnings),
            "counts": dict(sorted(self.counts.items())),
            "complete": self.stopped_after_row is None,
            "stopped_after_row": self.stopped_after_row,
            "problems": [p.as_dict() for p in self.problems],
        }

    def render(self, language: str = "nb") -> list[str]:
        """One line per listed problem, then what was left out and a summary."""
        lines = [p.render(language) for p in self.problems]
        unlisted = self.total_errors + self.total_warnings - len(lines)
        if unlisted > 0:
            more = counted(unlisted, "problem", language)
            lines.append(
                localise(
                    (f"... og {more} til som ikke er listet.", f"... and {more} more, not listed."),
                    language,
                )
            )
        if self.stopped_after_row is not None:
            row = self.stopped_after_row
            lines.append(
                localise(
                    (
                        f"Lesingen stoppet etter rad {row} fordi det var for mange feil; "
                        "resten av filen er ikke kontrollert.",
                        f"Reading stopped after row {row} because of too many errors; "
                        "the rest of the file was not checked.",
                    ),
                    language,
                )
            )
        errors = counted(self.total_errors, "error", language)
        warnings = counted(self.total_warnings, "warning", language)
        lines.append(f"{errors}, {warnings}.")
        return lines


def _catalogued(
    code: str, file: str, row: int | None, column: str | None, params: Mapping[str, Any]
) -> Problem:
    template = describe(code)
    nb, en, hint_nb, hint_en = template.fill(params)
    return Problem(code, file, row, column, nb, en, hint_nb, hint_en, template.severity)
