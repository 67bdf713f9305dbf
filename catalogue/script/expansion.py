"""Bindings and loops: `let name = value`, `for i in … end` and `$name` (or `${name}`)
substitution, unrolled into the plain command lines that run, in order.

Substitution is textual, as in microdata.no: a binding may stand for a name, a part of a
name (`lonn$år`), a date or a list of variables. Each unrolled line keeps a map from its
characters back to the columns of the line as written, so an error in a substituted line
still points at the script the researcher wrote (at the `$` of a substituted part).
Loop variables are bound for the loop's body only; `let` binds until the script ends or
the name is bound again."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from .errors import script_error
from .limits import MAX_BINDING_LENGTH, MAX_COMMANDS, MAX_LOOP_VALUES
from .line import CommandLine, Group, Item, Word, read_line
from .nodes import Position
from .structure import Block, Line, Loop

_REFERENCE = re.compile(r"\$\{([^\W\d]\w*)\}|\$([^\W\d]\w*)")
_MAX_RANGE_STEPS = MAX_LOOP_VALUES


class Unrolled(NamedTuple):
    """A line that runs: a command (its text after substitution) or a text block."""

    kind: str  # command or textblock
    text: str
    at: Position
    offsets: Sequence[int]  # per character of `text`, its offset in the line as written

    def column(self, offset: int) -> Position:
        offsets = self.offsets
        last = len(offsets) - 1
        if last < 0:
            return self.at
        at = self.at
        if offset <= last:
            return Position(at.line, at.column + offsets[offset])
        return Position(at.line, at.column + offsets[last] + offset - last)

    def read(self) -> CommandLine:
        return read_line(self.text, self.column)


def unroll(block: Block, bindings: dict[str, str]) -> Iterator[Unrolled]:
    counter = [0]
    yield from _unroll(block, bindings, 0, counter)


def _unroll(
    block: Block, bindings: dict[str, str], depth: int, counter: list[int]
) -> Iterator[Unrolled]:
    for item in block:
        if isinstance(item, Loop):
            yield from _loop(item, bindings, depth, counter)
            continue
        if item.kind == "textblock":
            text = _text_block(item.text, bindings)
            yield Unrolled("textblock", text, item.at, ())
            continue
        line = substitute(item, bindings)
        if item.kind == "let":
            name, value = _binding(line)
            bindings[name] = value
            continue
        counter[0] += 1
        if counter[0] > MAX_COMMANDS:
            raise script_error(
                "script-too-long",
                item.at,
                (
                    f"Skriptet blir mer enn {MAX_COMMANDS} kommandoer når løkkene er rullet ut",
                    f"The script becomes more than {MAX_COMMANDS} commands once its loops are unrolled",
                ),
                (
                    "Del det opp, eller la løkkene gå over færre verdier",
                    "Split it, or let the loops run over fewer values",
                ),
                limit=MAX_COMMANDS,
            )
        yield line


def substitute(line: Line, bindings: dict[str, str]) -> Unrolled:
    """The line with every `$name` replaced by its binding; an unknown name is an error at
    its `$`."""
    if "$" not in line.text:  # nothing to substitute: each character stays where it is
        return Unrolled("command", line.text, line.at, range(len(line.text)))
    parts: list[str] = []
    offsets: list[int] = []
    last = 0
    for match in _REFERENCE.finditer(line.text):
        name = match.group(1) or match.group(2)
        if name not in bindings:
            if _in_comment(line.text, match.start()):
                continue
            at = Position(line.at.line, line.at.column + match.start())
            known = ", ".join(f"${n}" for n in sorted(bindings)) or "—"
            raise script_error(
                "script-unknown-binding",
                at,
                (
                    f"«${name}» er ikke bundet (kjente: {known})",
                    f"'${name}' is not bound (known: {known})",
                ),
                (
                    f"Bind den først med «let {name} = …» eller i en «for {name} in …»",
                    f"Bind it first with 'let {name} = …' or in a 'for {name} in …'",
                ),
                name=name,
            )
        parts.append(line.text[last : match.start()])
        offsets.extend(range(last, match.start()))
        value = bindings[name]
        parts.append(value)
        offsets.extend([match.start()] * len(value))
        last = match.end()
    parts.append(line.text[last:])
    offsets.extend(range(last, len(line.text)))
    return Unrolled("command", "".join(parts), line.at, tuple(offsets))


def _in_comment(text: str, offset: int) -> bool:
    """Whether `offset` is inside a trailing `//` comment (outside strings)."""
    quote = ""
    for index, char in enumerate(text[:offset]):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif text.startswith("//", index):
            return True
    return False


def _text_block(text: str, bindings: dict[str, str]) -> str:
    """A text block's body with known bindings substituted; any other `$` (a price, a
    formula) stays as written. The first and last lines (textblock, endblock) are dropped."""
    body = text.split("\n")[1:-1]

    def known(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return bindings.get(name, match.group(0))

    return _REFERENCE.sub(known, "\n".join(body))


def _binding(line: Unrolled) -> tuple[str, str]:
    read = line.read()
    items = read.arguments
    if (
        len(items) < 3
        or not isinstance(items[0], Word)
        or items[0].kind != "NAME"
        or "." in items[0].text
        or not isinstance(items[1], Word)
        or items[1].text != "="
        or read.condition is not None
        or read.options
    ):
        raise script_error(
            "script-binding",
            line.column(read.name_start),
            ("«let» skrives «let navn = verdi»", "'let' is written 'let name = value'"),
            (
                "F.eks. «let år = 2020» eller «let variabler = kjonn alder»",
                "E.g. 'let year = 2020' or 'let variables = kjonn alder'",
            ),
        )
    rest = items[2:]
    value = _unquoted(rest[0]) if len(rest) == 1 else read.span(rest)
    if len(value) > MAX_BINDING_LENGTH:
        raise script_error(
            "script-too-long",
            line.column(items[2].start),
            (
                f"Verdien er lengre enn {MAX_BINDING_LENGTH} tegn",
                f"The value is longer than {MAX_BINDING_LENGTH} characters",
            ),
            limit=MAX_BINDING_LENGTH,
        )
    return items[0].text, value


def _unquoted(item: Item) -> str:
    if isinstance(item, Word):
        return item.value
    return ""


# --- loops ------------------------------------------------------------------------------


def _loop(
    loop: Loop, bindings: dict[str, str], depth: int, counter: list[int]
) -> Iterator[Unrolled]:
    header = substitute(loop.header, bindings)
    names, rows = loop_values(header)
    saved = {name: bindings.get(name) for name in names}
    for row in rows:
        bindings.update(zip(names, row, strict=True))
        yield from _unroll(loop.body, bindings, depth + 1, counter)
    for name, value in saved.items():
        if value is None:
            bindings.pop(name, None)
        else:
            bindings[name] = value


def loop_values(header: Unrolled) -> tuple[list[str], list[tuple[str, ...]]]:
    """`for a; b in 1 2 3; x y z` → (["a", "b"], [("1", "x"), ("2", "y"), ("3", "z")])."""
    read = header.read()
    column: Callable[[int], Position] = header.column
    items = list(read.arguments)
    split = next(
        (i for i, it in enumerate(items) if isinstance(it, Word) and it.text == "in"), None
    )
    if split is None or read.condition is not None or read.options:
        raise _loop_error(column(read.name_start))
    names = _separated(items[:split])
    if not names or not all(
        len(w) == 1 and isinstance(w[0], Word) and w[0].kind == "NAME" for w in names
    ):
        raise _loop_error(column(read.name_start))
    lists = [_values(part, column) for part in _separated(items[split + 1 :])]
    if len(lists) != len(names) or not all(lists):
        raise script_error(
            "script-loop",
            column(read.name_start),
            (
                f"Løkken har {len(names)} variabler, men {len(lists)} lister av verdier",
                f"The loop has {len(names)} variables but {len(lists)} lists of values",
            ),
            (
                "Skill listene med «;», én per variabel",
                "Separate the lists with ';', one per variable",
            ),
        )
    lengths = {len(values) for values in lists}
    if len(lengths) != 1:
        raise script_error(
            "script-loop",
            column(read.name_start),
            ("Listene i løkken er ikke like lange", "The loop's lists are not equally long"),
            ("Gi hver variabel like mange verdier", "Give each variable as many values"),
        )
    return [str(w[0].text) for w in names], list(zip(*lists, strict=True))


class _Words(list):
    """The items of one `;`-separated part (a list subclass, so `isinstance` reads well)."""


def _separated(items: list[Item]) -> list[_Words]:
    parts: list[_Words] = [_Words()]
    for item in items:
        if isinstance(item, Word) and item.text == ";":
            parts.append(_Words())
        else:
            parts[-1].append(item)
    return parts


def _values(items: _Words, column: Callable[[int], Position]) -> list[str]:
    if len(items) == 3 and isinstance(items[1], Word) and items[1].text == ":":
        return _range(items, column)
    values = []
    for item in items:
        if isinstance(item, Group) or (item.kind == "OP"):
            raise script_error(
                "script-loop",
                column(item.start),
                (
                    "En løkkeverdi må være et tall, et navn, en dato eller en tekst",
                    "A loop value must be a number, a name, a date or a text",
                ),
                (
                    "Skriv verdiene med mellomrom mellom, eller et område «1 : 10»",
                    "Write the values with spaces between them, or a range '1 : 10'",
                ),
            )
        values.append(item.value)
    _check_count(len(values), column(items[0].start) if items else column(0))
    return values


def _range(items: _Words, column: Callable[[int], Position]) -> list[str]:
    low, _, high = items
    if not (
        isinstance(low, Word)
        and isinstance(high, Word)
        and low.kind == high.kind == "NUMBER"
        and low.text.isdigit()
        and high.text.isdigit()
    ):
        raise script_error(
            "script-loop",
            column(items[0].start),
            (
                "Et område skrives med to hele tall: «1 : 10»",
                "A range is written with two whole numbers: '1 : 10'",
            ),
        )
    first, last = int(low.text), int(high.text)
    if first > last:
        raise script_error(
            "script-loop",
            column(low.start),
            (f"Området {first} : {last} er tomt", f"The range {first} : {last} is empty"),
            ("Skriv det minste tallet først", "Write the smaller number first"),
        )
    _check_count(last - first + 1, column(low.start))
    return [str(n) for n in range(first, last + 1)]


def _check_count(count: int, at: Position) -> None:
    if count > MAX_LOOP_VALUES:
        raise script_error(
            "script-loop",
            at,
            (
                f"En løkke kan gå over høyst {MAX_LOOP_VALUES} verdier, her {count}",
                f"A loop can run over at most {MAX_LOOP_VALUES} values, here {count}",
            ),
            ("Del løkken opp", "Split the loop"),
            limit=MAX_LOOP_VALUES,
        )


def _loop_error(at: Position) -> Exception:
    return script_error(
        "script-loop",
        at,
        ("En løkke skrives «for navn in verdier»", "A loop is written 'for name in values'"),
        (
            "F.eks. «for år in 2018 2019 2020», «for i in 1 : 10» eller «for a; b in 1 2; x y»",
            "E.g. 'for year in 2018 2019 2020', 'for i in 1 : 10' or 'for a; b in 1 2; x y'",
        ),
    )
