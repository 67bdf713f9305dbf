"""Reading a command's arguments: a cursor over the words and groups of its line, with
one error for "these arguments do not fit this command" that shows the command's usage.
Every command module builds its node through one of these, so every argument error names
its column and the shape the command expects."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date as CalendarDate
from typing import TYPE_CHECKING, Any, NoReturn

from catalogue.domain.errors import RegcatError

from .errors import script_error
from .line import CommandLine, Group, Item, Word
from .nodes import Expression, Option, Position, VariableRef

if TYPE_CHECKING:
    from .registry import CommandSpec


class Arguments:
    def __init__(
        self,
        spec: CommandSpec,
        line: CommandLine,
        column: Callable[[int], Position],
        options: tuple[Option, ...],
        items: tuple[Item, ...] | None = None,
    ) -> None:
        self.spec = spec
        self.line = line
        self.column = column
        self.items = list(line.arguments if items is None else items)
        self.index = 0
        self.options = options

    # --- where ---------------------------------------------------------------------------

    def position(self, offset: int) -> Position:
        return self.column(offset)

    @property
    def here(self) -> Position:
        item = self.peek()
        return self.position(item.start if item else self._end_offset())

    def _end_offset(self) -> int:
        if self.items:
            return self.items[-1].end
        return self.line.name_start + len(self.line.name)

    def common(self) -> dict[str, Any]:
        """The fields every node has."""
        condition = None
        if self.line.condition:
            condition = Expression(
                self.line.span(self.line.condition), self.position(self.line.condition[0].start)
            )
        return {
            "command": self.spec.name,
            "at": self.position(self.line.name_start),
            "source": self.line.text,
            "options": self.options,
            "condition": condition,
        }

    # --- reading -------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Item | None:
        at = self.index + ahead
        return self.items[at] if at < len(self.items) else None

    def done(self) -> bool:
        return self.index >= len(self.items)

    def take(self) -> Item:
        item = self.peek()
        if item is None:
            self.fail(("Det mangler argumenter", "Arguments are missing"))
        self.index += 1
        return item

    def is_op(self, text: str, ahead: int = 0) -> bool:
        item = self.peek(ahead)
        return isinstance(item, Word) and item.kind == "OP" and item.text == text

    def is_word(self, text: str, ahead: int = 0) -> bool:
        item = self.peek(ahead)
        return isinstance(item, Word) and item.kind == "NAME" and item.text == text

    def op(self, text: str) -> None:
        if not self.is_op(text):
            self.fail((f"Her skal det stå «{text}»", f"'{text}' should stand here"))
        self.index += 1

    def keyword(self, text: str) -> bool:
        """Takes the word `text` (as, to, on, into, by) if it comes next."""
        if self.is_word(text):
            self.index += 1
            return True
        return False

    def name(self, what: tuple[str, str] = ("et navn", "a name")) -> str:
        item = self.peek()
        if not (isinstance(item, Word) and item.kind == "NAME"):
            self.fail((f"Her skal det stå {what[0]}", f"{what[1].capitalize()} should stand here"))
        self.index += 1
        return item.text

    def names(
        self,
        *,
        least: int = 1,
        stop: tuple[str, ...] = (),
        what: tuple[str, str] = ("variabelnavn", "variable names"),
    ) -> tuple[str, ...]:
        """Names up to the first item that is not one (or is one of the words in `stop`)."""
        out: list[str] = []
        while True:
            item = self.peek()
            if not (isinstance(item, Word) and item.kind == "NAME") or item.text in stop:
                break
            out.append(item.text)
            self.index += 1
        if len(out) < least:
            self.fail(
                (
                    f"Her skal det stå minst {least} {what[0]}",
                    f"At least {least} {what[1]} should stand here",
                )
            )
        return tuple(out)

    def variable(self) -> VariableRef:
        """`alias/NAME` or `NAME`."""
        first = self.name(
            ("et variabelnavn, f.eks. db/INNTEKT_WLONN", "a variable name, e.g. db/INNTEKT_WLONN")
        )
        if self.is_op("/"):
            self.index += 1
            return VariableRef(
                first, self.name(("variabelens navn etter «/»", "the variable's name after '/'"))
            )
        return VariableRef(None, first)

    def is_date(self) -> bool:
        item = self.peek()
        if isinstance(item, Word) and item.kind == "DATE":
            return True
        return self.is_word("date") and isinstance(self.peek(1), Group)

    def date(self) -> CalendarDate:
        """`YYYY-MM-DD` or `date(Y, M, D)`."""
        at = self.here
        item = self.peek()
        if isinstance(item, Word) and item.kind == "DATE":
            self.index += 1
            return self._calendar(item.text, at)
        if self.is_word("date") and isinstance(self.peek(1), Group):
            self.index += 1
            group = self.take()
            assert isinstance(group, Group)
            parts = [w.text for w in group.items if isinstance(w, Word) and w.text != ","]
            if len(parts) == 3 and all(p.isdigit() for p in parts) and len(group.items) == 5:
                year, month, day = (int(p) for p in parts)
                return self._calendar(f"{year:04d}-{month:02d}-{day:02d}", at)
        self.fail(
            (
                "Her skal det stå en dato, ÅÅÅÅ-MM-DD eller date(Å, M, D)",
                "A date, YYYY-MM-DD or date(Y, M, D), should stand here",
            )
        )

    def _calendar(self, text: str, at: Position) -> CalendarDate:
        try:
            return CalendarDate.fromisoformat(text)
        except ValueError:
            raise script_error(
                "script-date",
                at,
                (f"«{text}» er ingen dato i kalenderen", f"'{text}' is not a date of the calendar"),
                ("Sjekk måned og dag", "Check the month and the day"),
                value=text,
            ) from None

    def number(self) -> str:
        item = self.peek()
        negative = self.is_op("-")
        if negative:
            self.index += 1
            item = self.peek()
        if not (isinstance(item, Word) and item.kind == "NUMBER"):
            self.fail(("Her skal det stå et tall", "A number should stand here"))
        self.index += 1
        return f"-{item.text}" if negative else item.text

    def group(self) -> Group:
        item = self.peek()
        if not isinstance(item, Group):
            self.fail(
                ("Her skal det stå noe i parentes", "Something in parentheses should stand here")
            )
        self.index += 1
        return item

    def expression(self) -> Expression:
        """The rest of the arguments, as text for the engine's expression parser."""
        rest = self.items[self.index :]
        if not rest:
            self.fail(("Uttrykket mangler", "The expression is missing"))
        self.index = len(self.items)
        return Expression(self.line.span(rest), self.position(rest[0].start))

    def rest_text(self) -> str:
        rest = self.items[self.index :]
        self.index = len(self.items)
        return self.line.span(rest)

    def end(self) -> None:
        if not self.done():
            self.fail(
                (
                    "Her er det flere argumenter enn kommandoen tar",
                    "There are more arguments here than the command takes",
                )
            )

    def option_value(self, name: str) -> str:
        """The one value of a required option, e.g. `by(kommune)`."""
        found = next((o for o in self.options if o.name == name), None)
        if found is None:
            self.fail(
                (f"Opsjonen «{name}()» mangler", f"The option '{name}()' is missing"),
                self.position(self.line.options_start if self.line.options else self._end_offset()),
            )
        if len(found.values) != 1:
            self.fail((f"«{name}()» tar én verdi", f"'{name}()' takes one value"), found.at)
        return found.values[0]

    def inner(self, group: Group) -> Arguments:
        """A reader over a group's items (a recode rule, an ivregress part)."""
        return Arguments(self.spec, self.line, self.column, self.options, group.items)

    # --- errors --------------------------------------------------------------------------

    def fail(self, problem: tuple[str, str], at: Position | None = None) -> NoReturn:
        raise self.error(problem, at)

    def error(self, problem: tuple[str, str], at: Position | None = None) -> RegcatError:
        usage = self.spec.usage
        return script_error(
            "script-arguments",
            at or self.here,
            problem,
            (f"Skrivemåten er «{usage}»", f"The form is '{usage}'"),
            command=self.spec.name,
            usage=usage,
        )


Builder = Callable[[Arguments], Any]
