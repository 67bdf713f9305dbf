"""recode: new values for a variable's values by rules ("3", "1-2", "min-5", "5-max",
"missing", "else"), into a new variable (`as`) or in place. The first rule that matches a
value gives its new value; a value no rule matches keeps its own (or is missing in a new
variable without "else")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from catalogue.domain.errors import RegcatError

from ..state import State, StepContext
from ..step import StepField, Takes, Verb, optional_name, step_error
from ..transforming import apply_recode
from ..variables import check_name


@dataclass(frozen=True)
class RecodeRule:
    text: str  # as written: "3", "1-2", "min-5", "5-max", "else", "missing"
    low: float | None = None  # numeric range (inclusive), None = open
    high: float | None = None
    equals: str | None = None  # an exact code or number
    otherwise: bool = False
    missing: bool = False


@dataclass(frozen=True)
class Recode:
    name: str
    rules: tuple[tuple[RecodeRule, Any], ...]
    target: str | None = None  # a new variable; None recodes in place

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"recode": self.name, "rules": {r.text: v for r, v in self.rules}}
        if self.target:
            out["as"] = self.target
        return out

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_recode(ctx, state, self)


def parse(verb: str, item: Mapping[str, Any]) -> Recode:
    name = check_name(item.get(verb), verb)
    raw = item.get("rules")
    if not isinstance(raw, Mapping) or not raw:
        raise step_error(
            "invalid-step",
            "«rules» må være et ikke-tomt objekt {regel: ny verdi}.",
            "'rules' must be a non-empty object {rule: new value}.",
        )
    rules = []
    for text, value in raw.items():
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float | str)
        ):
            raise step_error(
                "invalid-recode-value",
                f"Ny verdi for «{text}» må være et tall, en tekst eller null.",
                f"The new value for '{text}' must be a number, a text or null.",
            )
        rules.append((_rule(text), value))
    values = [v for _, v in rules if v is not None]
    if values and len({isinstance(v, str) for v in values}) > 1:
        raise step_error(
            "invalid-recode-value",
            "Nye verdier må være enten bare tall eller bare tekster.",
            "New values must be either all numbers or all texts.",
        )
    return Recode(name, tuple(rules), optional_name(item, "as"))


def _rule(text: object) -> RecodeRule:
    if not isinstance(text, str) or not text.strip():
        raise _bad_rule(text)
    raw = text.strip()
    lowered = raw.lower()
    if lowered == "else":
        return RecodeRule(raw, otherwise=True)
    if lowered in ("missing", "sysmiss", "."):
        return RecodeRule(raw, missing=True)
    # A leading minus belongs to the low bound ("-5--1"); a code with a dash that is not a
    # numeric range ("A-1") is an exact code.
    low_text, dash, high_text = raw[1:].partition("-")
    if dash:
        low_ok, low = _bound(raw[0] + low_text.strip(), "min")
        high_ok, high = _bound(high_text.strip(), "max")
        if low_ok and high_ok:
            if low is not None and high is not None and low > high:
                raise _bad_rule(text)
            return RecodeRule(raw, low=low, high=high)
    return RecodeRule(raw, equals=raw)


def _bound(text: str, open_word: str) -> tuple[bool, float | None]:
    """Whether `text` is a range bound at all, and its number (None for an open end)."""
    if text.lower() == open_word:
        return True, None
    try:
        return True, float(text)
    except ValueError:
        return False, None


def _bad_rule(text: object) -> RegcatError:
    return step_error(
        "invalid-recode-rule",
        f"«{text}» er ingen gyldig omkodingsregel. Bruk en verdi («3»), et intervall («1-2», "
        "«min-5», «5-max»), «missing» eller «else».",
        f"'{text}' is not a valid recode rule. Use a value ('3'), a range ('1-2', 'min-5', "
        "'5-max'), 'missing' or 'else'.",
        rule=str(text),
    )


VERBS = (
    Verb(
        name="recode",
        takes=Takes.TEXT,
        description="Variable to recode.",
        fields=(
            StepField("rules", Takes.OBJECT, '{"1-2": 1, "3": 2, "else": 9}', required=True),
            StepField("as", Takes.TEXT, "Variable name."),
        ),
        parse=parse,
        nb="Gir en variabels verdier nye verdier etter regler («3», «1-2», «min-5», «5-max», "
        "«missing», «else»), i en ny variabel (as) eller i samme.",
        en="Gives a variable's values new values by rules ('3', '1-2', 'min-5', '5-max', "
        "'missing', 'else'), into a new variable (as) or in place.",
        example={"recode": "utdanning", "rules": {"1-2": 1, "3-5": 2, "else": 9}, "as": "utd3"},
    ),
)
