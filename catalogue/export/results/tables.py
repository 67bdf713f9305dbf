"""A release as tables: the neutral form both file writers share (so the CSV files and the
workbook's sheets cannot disagree).

Tables, by their stable key (the CSV `table` parameter): `result` (a row per released row:
its labels, its published values, the codes of the rules that changed or withheld them),
`summary` (numbers about the whole result, when it has any), `labels` (each code's titles,
when the release named them) and `about` (datastore, version, statistic, request, audit id,
rules and their reasons). A null label marks a total over that dimension and a null value a
withheld one: both are written as an empty cell, as the JSON writes null."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from catalogue.domain.text import localise

Cell = int | float | str | None


@dataclass(frozen=True)
class Release:
    """One release as the audit log keeps it, with the audit id it was released under."""

    audit_id: str
    statistic: str
    datastore: str
    version: str
    released_at: str  # RFC 3339, UTC, as the audit log recorded it
    about: dict[str, Any]
    request: Any  # the request body that asked for it (None if the log has none)
    result: dict[str, Any]  # ControlledResult.to_json_dict() as released
    extra: dict[str, Any]  # computed from the published values only: labels, a chart

    @property
    def chart(self) -> dict[str, Any] | None:
        spec = self.extra.get("vega_lite")
        return spec if isinstance(spec, dict) else None


@dataclass(frozen=True)
class Table:
    key: str  # stable, English: result, summary, labels, about
    title: tuple[str, str]  # (bokmål, English): a sheet's name
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


REASONS_COLUMN = "reasons"  # as the JSON names a row's rule codes


def tables(release: Release, language: str = "nb") -> list[Table]:
    """The release's tables, `result` first and `about` last."""
    return [*released_tables(release.result, release.extra), _about(release, language)]


def released_tables(result: dict[str, Any], extra: dict[str, Any]) -> list[Table]:
    """The tables of a result as a statistic answered it (the script page shows these;
    `about` is left out, the page says where the result came from itself)."""
    found = [_result(result)]
    if result.get("summary"):
        found.append(_summary(result["summary"]))
    labels = extra.get("category_labels")
    if labels:
        found.append(_labels(labels))
    return found


def table_keys(release: Release) -> list[str]:
    return [t.key for t in tables(release)]


def _result(result: dict[str, Any]) -> Table:
    dimensions = tuple(result["dimensions"])
    columns = tuple(result["columns"])
    rows = tuple(
        (
            *row["labels"],
            *(row["values"].get(c) for c in columns),
            " ".join(row["reasons"]),
        )
        for row in result["rows"]
    )
    return Table("result", ("resultat", "result"), (*dimensions, *columns, REASONS_COLUMN), rows)


def _summary(summary: dict[str, Any]) -> Table:
    # By name: the audit log keeps a JSON object's members in that order (they have none).
    rows = tuple(
        (name, item.get("value"), " ".join(item.get("reasons", [])))
        for name, item in sorted(summary.items())
    )
    return Table("summary", ("sammendrag", "summary"), ("name", "value", REASONS_COLUMN), rows)


def _labels(labels: dict[str, Any]) -> Table:
    rows = tuple(
        (dimension, code, title.get("nb"), title.get("en"))
        for dimension, codes in labels.items()
        for code, title in codes.items()
    )
    return Table("labels", ("etiketter", "labels"), ("dimension", "code", "nb", "en"), rows)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


_WITHHELD = (
    "En tom verdi er holdt tilbake eller er en sum over en dimensjon (tom etikett); kolonnen "
    "«reasons» nevner reglene som endret eller holdt tilbake radens verdier.",
    "An empty value was withheld, or is a total over a dimension (empty label); the column "
    "'reasons' names the rules that changed or withheld the row's values.",
)


def _about(release: Release, language: str) -> Table:
    result = release.result

    def line(nb: str, en: str, value: Cell) -> tuple[Cell, ...]:
        return (localise((nb, en), language), value)

    rows = [
        line("Datalager", "Datastore", release.datastore),
        line("Versjon", "Version", release.version),
        line("Statistikk", "Statistic", release.statistic),
        line("Gjelder", "About", _json(release.about)),
        line("Forespørsel", "Request", _json(release.request)),
        line("Revisjons-id", "Audit id", release.audit_id),
        line("Frigitt (UTC)", "Released (UTC)", release.released_at),
        line("Resultattype", "Result kind", result["kind"]),
        line(
            "Parametre for utdatakontroll",
            "Output-control parameters",
            result["parameters_version"],
        ),
        line("Populasjon (avrundet)", "Population (rounded)", result["population"]),
    ]
    rows += [
        line("Regel brukt", "Rule applied", f"{rule['code']} {_json(rule['parameters'])}")
        for rule in result["rules"]
    ]
    rows += [
        line(f"Begrunnelse {code}", f"Reason {code}", localise((text["nb"], text["en"]), language))
        for code, text in result["reasons"].items()
    ]
    rows += [
        line(f"Merknad {n['code']}", f"Note {n['code']}", localise((n["nb"], n["en"]), language))
        for n in result["notes"]
    ]
    rows.append(line("Tomme celler", "Empty cells", localise(_WITHHELD, language)))
    header = (localise(("felt", "field"), language), localise(("verdi", "value"), language))
    return Table("about", ("om", "about"), header, tuple(rows))
