"""sample: a random sample of the workspace's units, drawn by a seed: a fraction (0 < size
< 1) of them, or a count (a whole number, at least 1).

Deterministic and blind: a unit is in the sample when its rank by md5(its pseudonym, the
seed) says so, so the same seed on the same units gives the same sample on every run, and
the draw looks at nothing but pseudonyms. It never refuses or warns because of how many
units there are (a count larger than the population keeps them all), so the step answers
nothing about the data; what is computed from the sample goes through output control as
anything else does. In panel form all rows of a unit are kept or dropped together."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..state import State, StepContext
from ..step import StepField, Takes, Verb, step_error
from ..variables import UNIT_COLUMN

# A unit's draw: the first 15 hex digits of md5(pseudonym:seed) as a number in [0, 1).
_DRAW = f"(('0x' || substr(md5(CAST(w.\"{UNIT_COLUMN}\" AS VARCHAR) || ':' || ?), 1, 15))::UBIGINT / 1152921504606846976.0)"
MAX_SEED = 2**53


@dataclass(frozen=True)
class Sample:
    size: float  # a fraction in (0, 1), or a whole count >= 1
    seed: int

    @property
    def count(self) -> int | None:
        return int(self.size) if self.size >= 1 else None

    def to_json(self) -> dict[str, Any]:
        size: float | int = self.count if self.count is not None else self.size
        return {"sample": size, "seed": self.seed}

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_sample(ctx, state, self)


def _bad(what: str, nb: str, en: str, value: object) -> Exception:
    return step_error("invalid-step", nb, en, field=what, value=str(value))


def parse(verb: str, item: Mapping[str, Any]) -> Sample:
    size, seed = item.get(verb), item.get("seed")
    if (
        isinstance(size, bool)
        or not isinstance(size, int | float)
        or not (0 < size < 1 or (size >= 1 and float(size).is_integer()))
    ):
        raise _bad(
            verb,
            f"«sample» må være en andel mellom 0 og 1 eller et helt antall (minst 1), fikk «{size}».",
            f"'sample' must be a fraction between 0 and 1 or a whole count (at least 1), got '{size}'.",
            size,
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or not -MAX_SEED <= seed <= MAX_SEED:
        raise _bad(
            "seed",
            f"«seed» må være et helt tall fra -{MAX_SEED} til {MAX_SEED}, fikk «{seed}».",
            f"'seed' must be a whole number from -{MAX_SEED} to {MAX_SEED}, got '{seed}'.",
            seed,
        )
    return Sample(float(size), seed)


def apply_sample(ctx: StepContext, state: State, step: Sample) -> State:
    table = state.require_population()
    seed = str(step.seed)
    if step.count is None:
        new_table = ctx.create(
            f'SELECT w.* FROM "{table}" AS w WHERE {_DRAW} < ?', [seed, step.size]
        )
    else:
        # The `count` units of the lowest draw (ties by pseudonym, so the order is total).
        chosen = (
            f'SELECT u."{UNIT_COLUMN}" FROM (SELECT DISTINCT w."{UNIT_COLUMN}", {_DRAW} AS draw '
            f'FROM "{table}" AS w) AS u ORDER BY u.draw, u."{UNIT_COLUMN}" LIMIT ?'
        )
        new_table = ctx.create(
            f'SELECT w.* FROM "{table}" AS w WHERE w."{UNIT_COLUMN}" IN ({chosen})',
            [seed, step.count],
        )
    return replace(state, table=new_table)


VERBS = (
    Verb(
        name="sample",
        takes=Takes.NUMBER,
        description="A fraction (0 < x < 1) or a whole count of units.",
        fields=(StepField("seed", Takes.NUMBER, "The seed of the draw.", required=True),),
        parse=parse,
        nb="Et tilfeldig utvalg av enhetene, trukket med et frø (seed): en andel (mellom 0 "
        "og 1) eller et antall. Samme frø gir samme utvalg.",
        en="A random sample of the units, drawn by a seed: a fraction (between 0 and 1) or a "
        "count. The same seed gives the same sample.",
        example={"sample": 0.1, "seed": 2024},
    ),
)
