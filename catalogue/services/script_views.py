"""A script run as the script page shows it: each output item of the run (a controlled
result, a text block, a variable listing, help, history) turned into plain values a template
lays out, with each result's tables and its chart drawn as SVG on the server.

Nothing here computes from data: the tables are the released values as the API answered
them (catalogue.export.results.tables, the same tables the CSV and Excel downloads hold),
and a chart is drawn from the Vega-Lite spec released beside its result."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from catalogue.domain.errors import RegcatError
from catalogue.domain.text import localise
from catalogue.export.results import charts
from catalogue.export.results.tables import Table, released_tables


@dataclass(frozen=True)
class Block:
    """One block of a text block's Markdown: a heading (level 1-6), a paragraph or a list
    item. Only these are read; everything else is shown as the text it is."""

    kind: str  # "heading", "paragraph", "item"
    text: str
    level: int = 0


@dataclass(frozen=True)
class ResultView:
    audit_id: str | None
    kind: str
    tables: list[Table]  # the first is `result`, its first `dimensions` cells are labels
    dimensions: int
    chart_svg: str | None  # a data: URL of the SVG (an <img>, which cannot run a script)
    has_chart: bool
    reasons: dict[str, str]


@dataclass(frozen=True)
class ItemView:
    line: int
    kind: str  # result, text, variables, help, history, notice
    command: str = ""
    results: list[ResultView] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    rows: list[tuple[str, ...]] = field(default_factory=list)
    text: str = ""


_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_ITEM = re.compile(r"^\s*[-*]\s+(.*)$")


def markdown_blocks(text: str) -> list[Block]:
    """Headings, list items and paragraphs (lines joined until a blank line)."""
    blocks: list[Block] = []
    paragraph: list[str] = []

    def close() -> None:
        if paragraph:
            blocks.append(Block("paragraph", " ".join(paragraph)))
            paragraph.clear()

    for raw in text.splitlines():
        line = raw.strip()
        heading, item = _HEADING.match(line), _ITEM.match(raw)
        if not line:
            close()
        elif heading:
            close()
            blocks.append(Block("heading", heading.group(2), len(heading.group(1))))
        elif item:
            close()
            blocks.append(Block("item", item.group(1)))
        else:
            paragraph.append(line)
    close()
    return blocks


def _chart(spec: Any) -> str | None:
    if not isinstance(spec, dict):
        return None
    drawn = charts.svg(spec)
    if drawn is None:
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(drawn.encode()).decode()


def _result(item: dict[str, Any], language: str) -> ResultView:
    result = item["result"]
    extra = {k: v for k, v in item.items() if k not in ("about", "result")}
    spec = extra.get("vega_lite")
    reasons = {
        code: localise((text["nb"], text["en"]), language)
        for code, text in (result.get("reasons") or {}).items()
    }
    return ResultView(
        result.get("audit_id"),
        str(result.get("kind", "")),
        released_tables(result, extra),
        len(result.get("dimensions") or ()),
        _chart(spec),
        isinstance(spec, dict),
        reasons,
    )


def item_view(entry: dict[str, Any], language: str) -> ItemView:
    line, kind = int(entry["line"]), str(entry["kind"])
    command = str(entry.get("command", ""))
    if kind == "result":
        results = [_result(i, language) for i in entry["response"]["results"]]
        return ItemView(line, kind, command, results=results)
    if kind == "text":
        return ItemView(line, kind, "textblock", blocks=markdown_blocks(entry["markdown"]))
    if kind == "variables":
        rows: list[tuple[str, ...]] = [
            (str(v["name"]), str(v.get("type", "")), _label(v, language))
            for v in entry["variables"]
        ]
        return ItemView(line, kind, command, rows=rows)
    if kind == "history":
        lines: list[tuple[str, ...]] = [(str(h["line"]), str(h["source"])) for h in entry["lines"]]
        return ItemView(line, kind, command, rows=lines)
    if kind == "notice":
        return ItemView(line, kind, command, text=str(entry["notice"]["message"]))
    return ItemView(line, kind, command, text=str(entry.get("text", "")))


def _label(variable: dict[str, Any], language: str) -> str:
    label = variable.get("label")
    if isinstance(label, dict):
        return str(label.get(language) or label.get("nb") or "")
    return str(label or "")


@dataclass(frozen=True)
class RunView:
    items: list[ItemView]
    error: dict[str, Any] | None  # code, message, line, column
    commands_run: int


def run_view(
    output: list[dict[str, Any]], error: RegcatError | None, commands_run: int, language: str
) -> RunView:
    shown = None
    if error is not None:
        shown = {
            "code": error.code,
            "message": error.message(language),
            "line": error.details.get("line"),
            "column": error.details.get("column"),
        }
    return RunView([item_view(e, language) for e in output], shown, commands_run)
