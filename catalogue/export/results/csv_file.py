"""One table of a release as CSV (RFC 4180, comma, UTF-8 with a byte order mark so that
Excel reads æ, ø and å right). An empty field is a null in the JSON: a withheld value or, as a
label, a total. Numbers are written as Python writes them (the shortest text that reads back
as the same float), so a number parsed back equals the released one."""

from __future__ import annotations

import csv
import io

from .tables import Table

MEDIA_TYPE = "text/csv; charset=utf-8"


def csv_bytes(table: Table) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(table.header)
    writer.writerows(table.rows)  # None is written as an empty field
    return ("\ufeff" + text.getvalue()).encode("utf-8")
