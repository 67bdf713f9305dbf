"""The steps of a workspace script: what a step is, how one is read from JSON, and the
registry of the verbs that name them.

A step is a JSON object whose one recognised key, the verb, names what it does:

    {"import": "BEFOLKNING_BOSTED_KOMMUNE", "date": "2020-01-01", "as": "kommune"}
    {"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "..."}
    {"keep_if": "alder >= 18"}

Every verb is declared by one module of the `steps` package (`steps/<name>.py`), which
holds all there is to it: the keys it takes (as plain data, `StepField`), how it is parsed
into a typed step, how that step is written back in canonical form (`to_json`, what the
workspace stores and shows and a replay reads), how it is applied to a workspace's rows
(`apply`), and what it does in both languages. The registry is the package's modules, found
by scanning it: adding a verb is adding a module, and nothing else names the verbs. The
API's request schema (schemas.api.workspaces), the OpenAPI description and the step
reference (docs/STEPS.md) are all built from the registry (tests/test_step_registry.py holds
them together).

Invariants the registry checks when it is built: every verb is declared once, and a key
holds the same kind of JSON whichever verb takes it (the request schema checks a key's JSON
before it knows the verb, and the script language maps its words onto the same keys).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from catalogue.domain.errors import RegcatError, invalid_input

from .variables import check_name

if TYPE_CHECKING:
    from .state import State, StepContext

MAX_DATES = 40  # the dates of one import (a panel), and of a panel reshaped back


class Takes(Enum):
    """The JSON a key of a step holds, as the request schema checks it. The parsers check
    the rest (a date's form, a name's letters, a recode rule) and say which step is wrong."""

    TEXT = "text"
    DATE = "date"  # a text of the form YYYY-MM-DD
    DATES = "dates"  # a list of 1 to MAX_DATES such texts
    NAMES = "names"  # a variable name or a list of them
    RENAMES = "renames"  # an object {old name: new name}
    OBJECT = "object"
    STEPS = "steps"  # a list of steps (merge: the steps that make the dataset merged from)
    NUMBER = "number"  # a JSON number
    TRUTH = "truth"  # a JSON true or false


@dataclass(frozen=True)
class StepField:
    """One key of a step besides its verb: its name as written, the JSON it holds, whether
    the step needs it, and a short English description for the API's description."""

    name: str
    takes: Takes
    description: str = ""
    required: bool = False


# Keys several verbs take, declared once (a key holds the same JSON whichever verb takes it).
AS = StepField("as", Takes.TEXT, "Variable name.")
AS_REQUIRED = StepField("as", Takes.TEXT, "Variable name.", required=True)
DATE = StepField("date", Takes.DATE, "YYYY-MM-DD")
PERIOD = (
    StepField("from", Takes.DATE, "EVENT period start."),
    StepField("to", Takes.DATE, "EVENT period end."),
)


class Step(Protocol):
    """A parsed step: written back in canonical form, and applied to a workspace's rows
    inside the request's transaction (returning the new state; the old stays until the
    whole request succeeds)."""

    def to_json(self) -> dict[str, Any]: ...

    def apply(self, ctx: StepContext, state: State) -> State: ...


@dataclass(frozen=True)
class Verb:
    """A verb as its module declares it.

    `takes` and `description`: what the verb's own key holds. `fields`: the other keys.
    `parse(verb, item)`: the typed step (a module may declare two spellings of one step,
    such as keep/drop, and share a parser). `nb`/`en`: what the step does, for the step
    reference and the API's description. `example`: a step as a user writes it (the
    reference shows it, and a test runs every example through the parser)."""

    name: str
    takes: Takes
    fields: tuple[StepField, ...]
    parse: Callable[[str, Mapping[str, Any]], Step]
    nb: str
    en: str
    example: Mapping[str, Any]
    description: str = ""

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)


# --- the registry ----------------------------------------------------------------------


def registry() -> Mapping[str, Verb]:
    """Every verb of the `steps` package, by name, in alphabetical order (the order the
    description and the reference list them in)."""
    return _scan()[0]


def verb_modules() -> Mapping[str, str]:
    """Verb → the module that declares it."""
    return _scan()[1]


@cache
def _scan() -> tuple[Mapping[str, Verb], Mapping[str, str]]:
    from . import steps as package  # the verb modules import this module

    found: dict[str, Verb] = {}
    modules: dict[str, str] = {}
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module_info.ispkg:  # steps/shared/: the verbs' machinery
            continue
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        for verb in getattr(module, "VERBS", ()):
            if verb.name in found:
                raise RuntimeError(f"step verb {verb.name!r} is declared twice")
            found[verb.name] = verb
            modules[verb.name] = module.__name__
    _check_keys_agree(found)
    names = sorted(found)
    return (
        MappingProxyType({name: found[name] for name in names}),
        MappingProxyType({name: modules[name] for name in names}),
    )


def all_keys() -> Mapping[str, StepField]:
    """Every key any step takes, verbs included, with the one kind of JSON it holds."""
    keys: dict[str, StepField] = {}
    for verb in registry().values():
        keys.setdefault(verb.name, StepField(verb.name, verb.takes, verb.description))
        for field in verb.fields:
            keys.setdefault(field.name, field)
    return MappingProxyType(keys)


def _check_keys_agree(verbs: Mapping[str, Verb]) -> None:
    kinds: dict[str, Takes] = {}
    for verb in verbs.values():
        for name, takes in [(verb.name, verb.takes)] + [(f.name, f.takes) for f in verb.fields]:
            if kinds.setdefault(name, takes) is not takes:
                raise RuntimeError(f"step key {name!r} holds {takes} in {verb.name!r}")


# --- parsing ---------------------------------------------------------------------------


def step_error(code: str, nb: str = "", en: str = "", **details: Any) -> RegcatError:
    return invalid_input(code, nb, en, **details)


def parse_steps(raw: object) -> list[Step]:
    if not isinstance(raw, list) or not raw:
        raise step_error("invalid-steps")
    steps = []
    for index, item in enumerate(raw):
        try:
            steps.append(parse_step(item))
        except RegcatError as error:
            raise at_step(error, index, item) from None
    return steps


def at_step(error: RegcatError, index: int, item: object) -> RegcatError:
    """The same error, saying which step (1-based, as people count) it is about."""
    verb = _verb_of(item) or "?"
    return RegcatError(
        error.code,
        f"Steg {index + 1} ({verb}): {error.nb}",
        f"Step {index + 1} ({verb}): {error.en}",
        {**error.details, "step": index + 1},
        error.http_status,
    )


def _verb_of(item: object) -> str | None:
    if isinstance(item, Mapping):
        return next((k for k in item if k in registry()), None)
    return None


def parse_step(item: object) -> Step:
    if not isinstance(item, Mapping):
        raise step_error("invalid-step", "Et steg må være et objekt.", "A step must be an object.")
    verbs = registry()
    named = [k for k in item if k in verbs]
    if len(named) != 1:
        known = ", ".join(verbs)
        raise step_error(
            "invalid-step",
            f"Et steg må ha nøyaktig én av nøklene {known}.",
            f"A step must have exactly one of the keys {known}.",
            keys=sorted(str(k) for k in item),
        )
    verb = verbs[named[0]]
    unknown = sorted(str(k) for k in item if k != verb.name and k not in verb.keys)
    if unknown:
        raise step_error(
            "invalid-step",
            f"Ukjente felt i {verb.name}: {', '.join(unknown)}.",
            f"Unknown fields in {verb.name}: {', '.join(unknown)}.",
            fields=unknown,
        )
    return verb.parse(verb.name, item)


# --- writing a step back ----------------------------------------------------------------


def canonical(*pairs: tuple[str, Any]) -> dict[str, Any]:
    """A step written back in canonical form (`Step.to_json`): its keys in the order given,
    each left out where its value is None, which a step passes for a key it did not take or
    that holds its default (a replay reads the step back the same either way)."""
    return {key: value for key, value in pairs if value is not None}


# --- readers the verb modules share ------------------------------------------------------


def text(item: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    value = item.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise step_error(
            "invalid-step",
            f"«{key}» må være en ikke-tom tekst.",
            f"'{key}' must be a non-empty text.",
            field=key,
        )
    return value


def required_text(item: Mapping[str, Any], key: str) -> str:
    found = text(item, key)
    assert found is not None
    return found


def mapping(item: Mapping[str, Any], key: str, nb: str, en: str) -> Mapping[str, Any]:
    """The non-empty JSON object under `key`; otherwise an invalid-step error whose words
    (`nb`, `en`) say what the object maps from and to."""
    raw = item.get(key)
    if not isinstance(raw, Mapping) or not raw:
        raise step_error("invalid-step", nb, en)
    return raw


def day(value: object, key: str) -> date:
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
        except ValueError:
            pass
    raise step_error(
        "invalid-date",
        f"«{key}» må være en dato på formen ÅÅÅÅ-MM-DD, fikk «{value}».",
        f"'{key}' must be a date of the form YYYY-MM-DD, got '{value}'.",
        field=key,
        value=str(value),
    )


def optional_day(item: Mapping[str, Any], key: str) -> date | None:
    return None if item.get(key) is None else day(item[key], key)


def check_period(start: date, end: date) -> None:
    """A period (`from`, `to`: PERIOD) that starts after it ends is refused."""
    if start > end:
        raise step_error(
            "invalid-period",
            f"Perioden begynner ({start}) etter at den slutter ({end}).",
            f"The period starts ({start}) after it ends ({end}).",
        )


def names(value: object, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise step_error(
            "invalid-step",
            f"«{key}» må være et variabelnavn eller en ikke-tom liste av navn.",
            f"'{key}' must be a variable name or a non-empty list of names.",
            field=key,
        )
    return tuple(check_name(v, key) for v in value)


def optional_name(item: Mapping[str, Any], key: str) -> str | None:
    return check_name(item[key], key) if item.get(key) is not None else None
