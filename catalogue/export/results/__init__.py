"""A released result written out as files: CSV (one file per table), an Excel workbook (a
sheet per table and a sheet about the release) and a chart's Vega-Lite spec with a link that
opens it in the Vega editor.

Invariant: every writer takes the release exactly as the audit log keeps it (`Release`, plain
values) and copies it; nothing is computed from data, so a file can hold nothing the JSON
answer did not. A withheld value (null in the JSON) is an empty cell, and the row's `reasons`
cell names the rules that withheld or changed it, as the JSON's `reasons` does."""
