"""One table of a release as CSV (RFC 4180, comma, UTF-8 with a byte order mark so that
Excel reads æ, ø and å right). An empty field is a null in the JSON: a withheld value or, as a
label, a total. Numbers are written as Python writes them (the shortest text that reads back
as the same float), so a number parsed back equals the released one.

A text that a spreadsheet would open as a formula (one starting with =, +, −, @, or a tab or
carriage return, which spreadsheets strip before reading one) gets an apostrophe in front:
labels are user-controlled text (a derived variable's values, a code), and `=HYPERLINK(...)`
or `=cmd|...` in a downloaded result would run in the researcher's spreadsheet. A spreadsheet
shows such a cell as the text without the apostrophe. A text that is a plain number ("-1", a
code) is left as it is: it is not a formula."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from .tables import Table

MEDIA_TYPE = "text/csv; charset=utf-8"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_bytes(table: Table) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([neutralised(cell) for cell in table.header])
    # None is written as an empty field
    writer.writerows([neutralised(cell) for cell in row] for row in table.rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def neutralised(cell: Any) -> Any:
    """A text a spreadsheet would read as a formula, with an apostrophe in front; any other
    cell as it is."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) and not _plain_number(cell):
        return "'" + cell
    return cell


def _plain_number(text: str) -> bool:
    try:
        return math.isfinite(float(text)) and text.strip() == text
    except ValueError:
        return False
