"""The steps of a workspace script, parsed from JSON into typed values and written back in
one canonical form (what the workspace stores and shows, and what a replay reads).

A step is an object whose first recognised key names what it does:

    {"import": "BEFOLKNING_BOSTED_KOMMUNE", "date": "2020-01-01", "as": "kommune"}
    {"import": "INNTEKT_WLONN", "dates": ["2020-12-31", "2021-12-31"], "as": "lonn"}
    {"import_event": "KRG_DIAGNOSEDATO", "from": "2015-01-01", "to": "2020-12-31",
     "as": "diagnose", "per_person": "min"}
    {"import": "INNTEKT_WLONN", "date": "2020-12-31", "as": "mor_lonn", "via": "mor"}
    {"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "..."}
    {"replace": "alder", "expr": "...", "if": "..."}
    {"keep_if": "alder >= 18"}            {"drop_if": "sysmiss(lonn)"}
    {"keep": ["a", "b"]}                  {"drop": ["c"]}
    {"rename": {"old": "new"}}
    {"recode": "utdanning", "rules": {"1-2": 1, "3-5": 2, "else": 9}, "as": "utd3"}
    {"dummies": "utdanning", "prefix": "utd"}
    {"collapse": {"n_barn": ["count", "alder"], "snitt": ["mean", "lonn"]}, "by": "mor"}
    {"aggregate": {"kommune_snitt": ["mean", "lonn"]}, "by": "kommune"}
    {"reshape_to_panel": ["lonn", "kommune"], "date_as": "dato"}
    {"reshape_from_panel": ["lonn", "kommune"]}

The grammar is declared once, here: `VERB_KEYS` says which keys each verb takes and `KEYS`
what JSON each key holds. The API's request schema (schemas.api.workspaces) is built from
these two, so that the OpenAPI description names exactly the keys the parsers below read,
with the limits they check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any, TypeAlias

from catalogue.domain.errors import RegcatError, invalid_input

from .variables import check_name

PER_UNIT = ("count", "min", "max", "first", "last", "sum", "mean")
GROUP_STATISTICS = ("count", "sum", "mean", "min", "max", "sd", "median")


@dataclass(frozen=True)
class Import:
    dataset: str
    name: str
    at: date | None = None  # STATUS: the status date; ACCUMULATED: a date in the period
    dates: tuple[date, ...] = ()  # several dates: one variable per date (a panel)
    start: date | None = None  # EVENT: the period's first day ...
    end: date | None = None  # ... and its last day (both inclusive)
    per_unit: str | None = None  # how several rows per workspace unit become one value
    via: str | None = None  # a UNIT variable holding the units the dataset describes
    event_verb: bool = False  # written as import_event

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {("import_event" if self.event_verb else "import"): self.dataset}
        if self.at:
            out["date"] = self.at.isoformat()
        if self.dates:
            out["dates"] = [d.isoformat() for d in self.dates]
        if self.start:
            out["from"] = self.start.isoformat()
        if self.end:
            out["to"] = self.end.isoformat()
        out["as"] = self.name
        if self.per_unit:
            out["per_unit"] = self.per_unit
        if self.via:
            out["via"] = self.via
        return out


@dataclass(frozen=True)
class Generate:
    name: str
    expr: str
    condition: str | None = None
    replace: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {("replace" if self.replace else "generate"): self.name}
        out["expr"] = self.expr
        if self.condition is not None:
            out["if"] = self.condition
        return out


@dataclass(frozen=True)
class Filter:
    condition: str
    keep: bool

    def to_json(self) -> dict[str, Any]:
        return {("keep_if" if self.keep else "drop_if"): self.condition}


@dataclass(frozen=True)
class SelectVariables:
    names: tuple[str, ...]
    keep: bool

    def to_json(self) -> dict[str, Any]:
        return {("keep" if self.keep else "drop"): list(self.names)}


@dataclass(frozen=True)
class Rename:
    pairs: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {"rename": dict(self.pairs)}


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


@dataclass(frozen=True)
class Dummies:
    name: str
    prefix: str

    def to_json(self) -> dict[str, Any]:
        return {"dummies": self.name, "prefix": self.prefix}


@dataclass(frozen=True)
class GroupStatistic:
    name: str
    statistic: str
    variable: str


@dataclass(frozen=True)
class Group:
    """collapse: one row per group, the group becomes the unit; aggregate: every row gets
    its group's statistic, the unit stays."""

    statistics: tuple[GroupStatistic, ...]
    by: str
    collapse: bool

    def to_json(self) -> dict[str, Any]:
        stats = {s.name: [s.statistic, s.variable] for s in self.statistics}
        return {("collapse" if self.collapse else "aggregate"): stats, "by": self.by}


@dataclass(frozen=True)
class ToPanel:
    stems: tuple[str, ...]
    date_name: str

    def to_json(self) -> dict[str, Any]:
        return {"reshape_to_panel": list(self.stems), "date_as": self.date_name}


@dataclass(frozen=True)
class FromPanel:
    stems: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"reshape_from_panel": list(self.stems)}


Step: TypeAlias = (
    Import
    | Generate
    | Filter
    | SelectVariables
    | Rename
    | Recode
    | Dummies
    | Group
    | ToPanel
    | FromPanel
)

# The keys each verb takes besides its own.
VERB_KEYS: dict[str, set[str]] = {
    "import": {"date", "dates", "from", "to", "as", "per_unit", "per_person", "via"},
    "import_event": {"date", "from", "to", "as", "per_unit", "per_person", "via"},
    "generate": {"expr", "if"},
    "replace": {"expr", "if"},
    "keep_if": set(),
    "drop_if": set(),
    "keep": set(),
    "drop": set(),
    "rename": set(),
    "recode": {"rules", "as"},
    "dummies": {"prefix"},
    "collapse": {"by"},
    "aggregate": {"by"},
    "reshape_to_panel": {"date_as"},
    "reshape_from_panel": set(),
}
VERBS = tuple(VERB_KEYS)
MAX_DATES = 40


class Takes(Enum):
    """The JSON a key of a step holds, as the schema checks it. The parsers check the rest
    (a date's form, a name's letters, a recode rule) and say which step is wrong."""

    TEXT = "text"
    DATE = "date"  # a text of the form YYYY-MM-DD
    DATES = "dates"  # a list of 1 to MAX_DATES such texts
    NAMES = "names"  # a variable name or a list of them
    RENAMES = "renames"  # an object {old name: new name}
    OBJECT = "object"


@dataclass(frozen=True)
class StepKey:
    takes: Takes
    description: str = ""  # for the API's description, in English


_PER_UNIT_CHOICES = f"{', '.join(PER_UNIT[:-1])} or {PER_UNIT[-1]}"
KEYS: dict[str, StepKey] = {
    "import": StepKey(Takes.TEXT, "Dataset name."),
    "import_event": StepKey(Takes.TEXT, "EVENT dataset name."),
    "date": StepKey(Takes.DATE, "YYYY-MM-DD"),
    "dates": StepKey(Takes.DATES, "Several dates: a panel."),
    "from": StepKey(Takes.DATE, "EVENT period start."),
    "to": StepKey(Takes.DATE, "EVENT period end."),
    "as": StepKey(Takes.TEXT, "Variable name."),
    "per_person": StepKey(Takes.TEXT, _PER_UNIT_CHOICES),
    "per_unit": StepKey(Takes.TEXT, _PER_UNIT_CHOICES),
    "via": StepKey(Takes.TEXT, "A unit variable to link through."),
    "generate": StepKey(Takes.TEXT),
    "replace": StepKey(Takes.TEXT),
    "expr": StepKey(Takes.TEXT, "An expression."),
    "if": StepKey(Takes.TEXT, "A condition."),
    "keep_if": StepKey(Takes.TEXT),
    "drop_if": StepKey(Takes.TEXT),
    "keep": StepKey(Takes.NAMES, "Variable name(s) to keep."),
    "drop": StepKey(Takes.NAMES, "Variable name(s) to drop."),
    "rename": StepKey(Takes.RENAMES),
    "recode": StepKey(Takes.TEXT),
    "rules": StepKey(Takes.OBJECT, '{"1-2": 1, "3": 2, "else": 9}'),
    "dummies": StepKey(Takes.TEXT),
    "prefix": StepKey(Takes.TEXT),
    "collapse": StepKey(Takes.OBJECT, '{"new": ["mean", "var"]}'),
    "aggregate": StepKey(Takes.OBJECT),
    "by": StepKey(Takes.TEXT),
    "reshape_to_panel": StepKey(Takes.NAMES),
    "reshape_from_panel": StepKey(Takes.NAMES),
    "date_as": StepKey(Takes.TEXT),
}


def step_error(code: str, nb: str, en: str, **details: Any) -> RegcatError:
    return invalid_input(code, nb, en, **details)


def parse_steps(raw: object) -> list[Step]:
    if not isinstance(raw, list) or not raw:
        raise step_error(
            "invalid-steps",
            "Stegene må være en ikke-tom liste av objekter.",
            "The steps must be a non-empty list of objects.",
        )
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
        return next((k for k in item if k in VERB_KEYS), None)
    return None


def parse_step(item: object) -> Step:
    if not isinstance(item, Mapping):
        raise step_error("invalid-step", "Et steg må være et objekt.", "A step must be an object.")
    verbs = [k for k in item if k in VERB_KEYS]
    if len(verbs) != 1:
        known = ", ".join(VERBS)
        raise step_error(
            "invalid-step",
            f"Et steg må ha nøyaktig én av nøklene {known}.",
            f"A step must have exactly one of the keys {known}.",
            keys=sorted(str(k) for k in item),
        )
    verb = verbs[0]
    unknown = sorted(str(k) for k in item if k != verb and k not in VERB_KEYS[verb])
    if unknown:
        raise step_error(
            "invalid-step",
            f"Ukjente felt i {verb}: {', '.join(unknown)}.",
            f"Unknown fields in {verb}: {', '.join(unknown)}.",
            fields=unknown,
        )
    return _PARSERS[verb](verb, item)


# --- field readers --------------------------------------------------------------------


def _text(item: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
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


def _date(value: object, key: str) -> date:
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


def _optional_date(item: Mapping[str, Any], key: str) -> date | None:
    return None if item.get(key) is None else _date(item[key], key)


def _names(value: object, key: str) -> tuple[str, ...]:
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


# --- parsers --------------------------------------------------------------------------


def _import(verb: str, item: Mapping[str, Any]) -> Import:
    dataset = _text(item, verb)
    assert dataset is not None
    dataset = dataset.strip().upper()
    name = check_name(item.get("as", dataset))
    at = _optional_date(item, "date")
    dates: tuple[date, ...] = ()
    if item.get("dates") is not None:
        raw = item["dates"]
        if not isinstance(raw, list) or not raw or len(raw) > MAX_DATES:
            raise step_error(
                "invalid-step",
                f"«dates» må være en liste med 1 til {MAX_DATES} datoer.",
                f"'dates' must be a list of 1 to {MAX_DATES} dates.",
                field="dates",
            )
        dates = tuple(sorted({_date(d, "dates") for d in raw}))
        if at is not None:
            raise step_error(
                "invalid-step",
                "Bruk enten «date» eller «dates», ikke begge.",
                "Use either 'date' or 'dates', not both.",
            )
    start, end = _optional_date(item, "from"), _optional_date(item, "to")
    if (start is None) != (end is None):
        raise step_error(
            "invalid-step",
            "En periode trenger både «from» og «to».",
            "A period needs both 'from' and 'to'.",
        )
    if start and end and start > end:
        raise step_error(
            "invalid-period",
            f"Perioden begynner ({start}) etter at den slutter ({end}).",
            f"The period starts ({start}) after it ends ({end}).",
        )
    if start and (at or dates):
        raise step_error(
            "invalid-step",
            "Bruk enten en dato eller en periode (from/to), ikke begge.",
            "Use either a date or a period (from/to), not both.",
        )
    if verb == "import_event" and not (start or at):
        raise step_error(
            "invalid-step",
            "import_event trenger en periode («from» og «to») eller en dato.",
            "import_event needs a period ('from' and 'to') or a date.",
        )
    if "per_unit" in item and "per_person" in item:
        raise step_error(
            "invalid-step",
            "Bruk enten «per_unit» eller «per_person».",
            "Use either 'per_unit' or 'per_person'.",
        )
    per_unit = item.get("per_unit", item.get("per_person"))
    if per_unit is not None and per_unit not in PER_UNIT:
        raise step_error(
            "invalid-per-unit",
            f"«per_person» må være en av {', '.join(PER_UNIT)}.",
            f"'per_person' must be one of {', '.join(PER_UNIT)}.",
            given=str(per_unit),
        )
    via = check_name(item["via"], "via") if item.get("via") is not None else None
    return Import(dataset, name, at, dates, start, end, per_unit, via, verb == "import_event")


def _generate(verb: str, item: Mapping[str, Any]) -> Generate:
    name = check_name(item.get(verb), verb)
    expr = _text(item, "expr")
    assert expr is not None
    return Generate(name, expr, _text(item, "if", required=False), replace=verb == "replace")


def _filter(verb: str, item: Mapping[str, Any]) -> Filter:
    condition = _text(item, verb)
    assert condition is not None
    return Filter(condition, keep=verb == "keep_if")


def _select(verb: str, item: Mapping[str, Any]) -> SelectVariables:
    return SelectVariables(_names(item[verb], verb), keep=verb == "keep")


def _rename(verb: str, item: Mapping[str, Any]) -> Rename:
    raw = item[verb]
    if not isinstance(raw, Mapping) or not raw:
        raise step_error(
            "invalid-step",
            "«rename» må være et objekt {gammelt navn: nytt navn}.",
            "'rename' must be an object {old name: new name}.",
        )
    pairs = tuple(
        (check_name(old, "rename"), check_name(new, "rename")) for old, new in raw.items()
    )
    return Rename(pairs)


def _recode_rule(text: object) -> RecodeRule:
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


def _recode(verb: str, item: Mapping[str, Any]) -> Recode:
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
        rules.append((_recode_rule(text), value))
    values = [v for _, v in rules if v is not None]
    if values and len({isinstance(v, str) for v in values}) > 1:
        raise step_error(
            "invalid-recode-value",
            "Nye verdier må være enten bare tall eller bare tekster.",
            "New values must be either all numbers or all texts.",
        )
    target = check_name(item["as"], "as") if item.get("as") is not None else None
    return Recode(name, tuple(rules), target)


def _dummies(verb: str, item: Mapping[str, Any]) -> Dummies:
    name = check_name(item.get(verb), verb)
    prefix = check_name(item.get("prefix", name), "prefix")
    return Dummies(name, prefix)


def _group(verb: str, item: Mapping[str, Any]) -> Group:
    raw = item.get(verb)
    if not isinstance(raw, Mapping) or not raw:
        raise step_error(
            "invalid-step",
            f"«{verb}» må være et objekt {{nytt navn: [statistikk, variabel]}}.",
            f"'{verb}' must be an object {{new name: [statistic, variable]}}.",
        )
    statistics = []
    for name, spec in raw.items():
        if (
            not isinstance(spec, Sequence)
            or isinstance(spec, str)
            or len(spec) != 2
            or spec[0] not in GROUP_STATISTICS
        ):
            raise step_error(
                "invalid-group-statistic",
                f"«{name}» må være [statistikk, variabel] med statistikk en av "
                f"{', '.join(GROUP_STATISTICS)}.",
                f"'{name}' must be [statistic, variable] with statistic one of "
                f"{', '.join(GROUP_STATISTICS)}.",
            )
        statistics.append(GroupStatistic(check_name(name), spec[0], check_name(spec[1])))
    by = check_name(item.get("by"), "by")
    return Group(tuple(statistics), by, collapse=verb == "collapse")


def _to_panel(verb: str, item: Mapping[str, Any]) -> ToPanel:
    return ToPanel(_names(item[verb], verb), check_name(item.get("date_as", "date"), "date_as"))


def _from_panel(verb: str, item: Mapping[str, Any]) -> FromPanel:
    return FromPanel(_names(item[verb], verb))


_PARSERS: dict[str, Callable[[str, Mapping[str, Any]], Step]] = {
    "import": _import,
    "import_event": _import,
    "generate": _generate,
    "replace": _generate,
    "keep_if": _filter,
    "drop_if": _filter,
    "keep": _select,
    "drop": _select,
    "rename": _rename,
    "recode": _recode,
    "dummies": _dummies,
    "collapse": _group,
    "aggregate": _group,
    "reshape_to_panel": _to_panel,
    "reshape_from_panel": _from_panel,
}
