"""How much script one request may hold and expand to. The limits keep a script's cost
proportional to what its author can see: a loop multiplies lines, so the expanded length
is bounded, not only the text."""

from __future__ import annotations

MAX_CHARACTERS = 500_000  # the text as sent (the API's body limit is 1 MiB)
MAX_LINES = 20_000  # lines of the text, comments and blank lines included
MAX_COMMANDS = 20_000  # commands after loops are unrolled
MAX_LOOP_VALUES = 1_000  # values one `for` takes (a range `1 : n` included)
MAX_LOOP_DEPTH = 10  # `for` inside `for`
MAX_BINDING_LENGTH = 10_000  # characters of one `let` value after substitution
MAX_NESTING = 50  # parentheses inside each other on one line (as the expression language)
