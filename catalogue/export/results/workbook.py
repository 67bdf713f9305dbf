"""A release as an Excel workbook (xlsxwriter): a sheet per table of tables.py, the `about`
sheet last, in the language asked for.

Strings are written as strings and never read as formulas, numbers or links (a label or a
request that starts with "=" stays text); numbers as numbers. A withheld value, like a total's
empty label, is an empty cell, shaded so that it is seen. The file's creation time is the
release's, so the same release always gives the same bytes."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import xlsxwriter

from catalogue.domain.text import localise

from .tables import Release, Table, tables

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_OPTIONS = {
    "in_memory": True,
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}


def workbook_bytes(release: Release, language: str = "nb") -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, _OPTIONS)
    book.set_properties(
        {
            "title": f"{release.statistic} {release.audit_id}",
            "subject": f"{release.datastore} {release.version}",
            "author": "regcat",
            "comments": localise(
                ("Frigitt under utdatakontroll", "Released under output control"), language
            ),
            "created": datetime.fromisoformat(release.released_at.replace("Z", "+00:00")),
        }
    )
    header = book.add_format({"bold": True})
    empty = book.add_format({"bg_color": "#D9D9D9"})
    for table in tables(release, language):
        _sheet(book, table, localise(table.title, language), header, empty)
    book.close()
    return out.getvalue()


def _sheet(book: Any, table: Table, name: str, header: Any, empty: Any) -> None:
    sheet = book.add_worksheet(name)
    for col, title in enumerate(table.header):
        sheet.write_string(0, col, title, header)
    for r, row in enumerate(table.rows, start=1):
        for col, value in enumerate(row):
            if value is None:
                sheet.write_blank(r, col, None, empty)
            elif isinstance(value, bool):  # JSON true/false: text, not the number 1/0
                sheet.write_string(r, col, "true" if value else "false")
            elif isinstance(value, int | float):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, str(value))
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, max(len(table.header) - 1, 0), 16)
