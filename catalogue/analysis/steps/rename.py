"""rename: variables get new names, given as {old name: new name}."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..state import State, StepContext
from ..step import Takes, Verb, mapping
from ..variables import check_name


@dataclass(frozen=True)
class Rename:
    pairs: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {"rename": dict(self.pairs)}

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_rename(ctx, state, self)


def parse(verb: str, item: Mapping[str, Any]) -> Rename:
    raw = mapping(
        item,
        verb,
        "«rename» må være et objekt {gammelt navn: nytt navn}.",
        "'rename' must be an object {old name: new name}.",
    )
    pairs = tuple(
        (check_name(old, "rename"), check_name(new, "rename")) for old, new in raw.items()
    )
    return Rename(pairs)


def apply_rename(ctx: StepContext, state: State, step: Rename) -> State:
    state.require_population()
    schema = state.schema
    for old, new in step.pairs:
        schema = schema.renamed(old, check_name(new, "rename"))
    return replace(state, schema=schema)


VERBS = (
    Verb(
        name="rename",
        takes=Takes.RENAMES,
        description='{"old": "new"}',
        fields=(),
        parse=parse,
        nb="Gir variabler nye navn: {gammelt navn: nytt navn}.",
        en="Gives variables new names: {old name: new name}.",
        example={"rename": {"old": "new"}},
    ),
)
