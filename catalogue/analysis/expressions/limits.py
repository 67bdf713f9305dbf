"""Hard limits on expressions. They keep parsing, type checking and the emitted SQL small
and bounded whatever a researcher (or an attacker) sends."""

from __future__ import annotations

MAX_LENGTH = 2_000  # characters of expression text
MAX_DEPTH = 50  # nested parentheses, function calls, unary operators and exponents
MAX_ARGUMENTS = 100  # arguments of one function call
# Terms in one run of + and - (or * and /). The SQL for a run is as deep as it is long, and
# DuckDB's parser stops at 1,000 levels; 500 leaves room for everything around the run.
MAX_RUN = 500
# The SQL we emit. Ordinary 2,000-character expressions stay far below; only deep nests of
# guarded operations (each repeating its argument, see fragments.py) reach it. DuckDB plans
# 100,000 characters in well under a second.
MAX_SQL_LENGTH = 100_000
# The largest magnitude a number in a workspace has: larger than any register magnitude
# (NOK, days, counts) yet small enough that a sum over millions of units and its square stay
# finite in doubles. A computed number beyond it is missing for its unit (steps/generate.py);
# a constant beyond it is refused before the data are read (scale.py).
LARGEST_NUMBER = 1e15

# Identifiers a workspace expression may never name, whatever the schema says: the
# pseudonymised unit identifier (OUTPUT_CONTROL §1.2) and every internal column.
FORBIDDEN_NAMES = frozenset({"unit_id"})
FORBIDDEN_PREFIX = "_"


def is_forbidden(name: str) -> bool:
    return name.lower() in FORBIDDEN_NAMES or name.startswith(FORBIDDEN_PREFIX)
