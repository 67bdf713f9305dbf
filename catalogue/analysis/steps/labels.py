"""assign_labels: a variable's codes get titles ({code: title}), shown beside the codes in
tables as a code list's titles are; an empty object takes them away. Metadata only: the
values do not change, and nothing is read from the rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..state import State, StepContext
from ..step import StepField, Takes, Verb, step_error
from ..variables import Kind, check_name
from .shared.columns import identifier_variable

MAX_LABELS = 10_000
MAX_LABEL = 500


@dataclass(frozen=True)
class AssignLabels:
    name: str
    labels: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {"assign_labels": self.name, "labels": dict(self.labels)}

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_labels(state, self)


def parse(verb: str, item: Mapping[str, Any]) -> AssignLabels:
    name = check_name(item.get(verb), verb)
    raw = item.get("labels")
    if (
        not isinstance(raw, Mapping)
        or len(raw) > MAX_LABELS
        or not all(isinstance(v, str) and len(v) <= MAX_LABEL for v in raw.values())
    ):
        raise step_error(
            "invalid-step",
            f"«labels» må være et objekt {{kode: tittel}} med høyst {MAX_LABELS} titler.",
            f"'labels' must be an object {{code: title}} with at most {MAX_LABELS} titles.",
            field="labels",
        )
    return AssignLabels(name, tuple((str(code), title) for code, title in raw.items()))


def _code(value: str) -> str:
    """A code as tables write it: 1.0 and 1 are the code "1"."""
    try:
        number = float(value)
    except ValueError:
        return value
    return str(int(number)) if number.is_integer() else value


def apply_labels(state: State, step: AssignLabels) -> State:
    state.require_population()
    variable = state.schema.get(step.name)
    if variable.kind is Kind.UNIT:
        raise identifier_variable(variable.name)
    titles = tuple((_code(code), title, title) for code, title in step.labels)
    labelled = replace(variable, code_labels=titles)
    return replace(state, schema=state.schema.replacing(labelled))


VERBS = (
    Verb(
        name="assign_labels",
        takes=Takes.TEXT,
        description="The variable whose codes get titles.",
        fields=(StepField("labels", Takes.OBJECT, "{code: title}; {} takes them away.", True),),
        parse=parse,
        nb="Gir en variabels koder titler {kode: tittel}, vist ved kodene i tabeller; {} "
        "fjerner dem.",
        en="Gives a variable's codes titles {code: title}, shown beside the codes in tables; "
        "{} takes them away.",
        example={"assign_labels": "kjonn", "labels": {"1": "Mann", "2": "Kvinne"}},
    ),
)
