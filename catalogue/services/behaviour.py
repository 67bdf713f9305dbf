"""Behaviour detection (OUTPUT_CONTROL.md v2 §3): patterns in the audit log typical of the
attacks output control is written against, flagged for the steward with the requests that
make them up.

What is flagged, per researcher (the audit log's actor):
- `refusal-run`: REFUSAL_RUN or more statistic requests refused in a row (probing by
  refusals: every refusal is an answer too);
- `budget-exhausted`: requests refused because the release budget was spent (an attack that
  needs many questions runs into it first);
- `many-new-variables`: MANY_VARIABLES or more derived variables made within WINDOW (an
  averaging, padding or reconstruction attack needs a new derivation for every question);
- `near-identical-derivations`: NEAR_IDENTICAL or more derivations whose expressions are the
  same but for their numbers and text literals (scaled copies `lonn * 1.14`, `lonn * 1.28`,
  …; padded sets that differ in one constant);
- `shared-core`: released results with a count cell answered without its core (or, in results
  of its first version, withheld) by `core-sharing`, read from the audit entry's `steward`
  part, which the researcher never sees (many tables sharing a small core: the padding of
  conformance case 22).

Invariants: detection only reads the log (it never changes or blocks anything: a flag is
for a person to judge); a flag lists the audit ids of every entry behind it, so the steward
can read the requests themselves; the same log always gives the same flags.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from catalogue.analysis.statistic import registry
from catalogue.domain.text import localise
from catalogue.services.context import Context
from catalogue.services.setup import require_initialised
from catalogue.storage.analysis_store import AnalysisStore, AuditRecord

STATISTICS = frozenset(registry())  # the audit log's endpoint of a statistic is its name
DERIVING = ("generate", "replace", "recode")  # steps that make or remake a variable
REFUSAL_RUN = 5
MANY_VARIABLES = 40
WINDOW = timedelta(hours=24)
NEAR_IDENTICAL = 10

TITLES: dict[str, tuple[str, str]] = {
    "refusal-run": ("Mange avviste forespørsler på rad", "A run of refused requests"),
    "budget-exhausted": ("Uttaksbudsjettet brukt opp", "Release budget exhausted"),
    "many-new-variables": ("Mange nye variabler", "Many new variables"),
    "near-identical-derivations": ("Nesten like avledninger", "Near-identical derivations"),
    "shared-core": ("Tabeller som deler en liten kjerne", "Tables sharing a small core"),
}
EXPLAINED: dict[str, tuple[str, str]] = {
    "refusal-run": (
        "{count} statistikkforespørsler på rad ble avvist; avvisninger kan brukes til å "
        "prøve seg fram mot opplysninger om små grupper.",
        "{count} statistic requests in a row were refused; refusals can be used to probe "
        "for facts about small groups.",
    ),
    "budget-exhausted": (
        "{count} forespørsler ble avvist fordi budsjettet var brukt opp; angrep som "
        "trenger mange spørsmål, møter budsjettet først.",
        "{count} requests were refused because the budget was spent; attacks that need "
        "many questions run into it first.",
    ),
    "many-new-variables": (
        "{count} avledede variabler på under et døgn; gjennomsnitts-, utfyllings- og "
        "rekonstruksjonsangrep trenger en ny avledning per spørsmål.",
        "{count} derived variables within a day; averaging, padding and reconstruction "
        "attacks need a new derivation for every question.",
    ),
    "near-identical-derivations": (
        "{count} avledninger som bare skiller seg i tall eller tekst: «{pattern}».",
        "{count} derivations that differ only in numbers or text: '{pattern}'.",
    ),
    "shared-core": (
        "{count} utleveringer der en celle ble besvart uten, eller holdt tilbake for, en "
        "liten gruppe enheter som var felles for for mange utleverte tall; slik ser et "
        "utfyllingsangrep ut.",
        "{count} releases where a cell was answered without, or withheld for, a small group "
        "of units shared by too many released values; this is what a padding attack looks "
        "like.",
    ),
}


@dataclass(frozen=True)
class FlaggedEntry:
    """One audit entry behind a flag: enough for the steward to find and read it."""

    audit_id: str
    seq: int
    recorded_at: str
    workspace: str | None
    endpoint: str
    status: int | None
    error: str | None = None


@dataclass(frozen=True)
class Flag:
    code: str
    actor: str
    entries: tuple[FlaggedEntry, ...]
    pattern: str | None = None  # the shared expression of near-identical derivations
    count: int = 0  # what the message counts (requests or derivations)

    @property
    def first_at(self) -> str:
        return self.entries[0].recorded_at

    @property
    def last_at(self) -> str:
        return self.entries[-1].recorded_at

    def title(self, language: str) -> str:
        return localise(TITLES[self.code], language)

    def message(self, language: str) -> str:
        explained = localise(EXPLAINED[self.code], language)
        return explained.format(count=self.count, pattern=self.pattern)

    def to_json_dict(self, language: str = "nb") -> dict[str, Any]:
        return {
            "code": self.code,
            "actor": self.actor,
            "title": self.title(language),
            "message": self.message(language),
            "count": self.count,
            "pattern": self.pattern,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "entries": [vars(e) for e in self.entries],
        }


@dataclass
class _Actor:
    """What one researcher's entries show, gathered in one pass over the log."""

    refusals: list[FlaggedEntry] = field(default_factory=list)  # the current run
    runs: list[list[FlaggedEntry]] = field(default_factory=list)
    exhausted: list[FlaggedEntry] = field(default_factory=list)
    derivations: list[tuple[datetime, FlaggedEntry]] = field(default_factory=list)
    patterns: dict[str, list[FlaggedEntry]] = field(default_factory=dict)
    shared_cores: list[FlaggedEntry] = field(default_factory=list)


def _entry(record: AuditRecord, payload: dict[str, Any]) -> FlaggedEntry:
    status = payload.get("status")
    return FlaggedEntry(
        record.entry_id,
        record.seq,
        record.recorded_at,
        record.workspace,
        str(payload.get("endpoint", "")),
        status if isinstance(status, int) else None,
        payload.get("error") if isinstance(payload.get("error"), str) else None,
    )


_NUMBER = re.compile(r"(?<![A-Za-z_])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_TEXT = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")


def skeleton(step: dict[str, Any]) -> str | None:
    """A derivation's expression with its numbers and text literals blanked (`#`, `"…"`),
    or None for a step that derives nothing."""
    kind = next((k for k in DERIVING if k in step), None)
    if kind is None:
        return None
    if kind == "recode":
        shape = json.dumps(step.get("rules"), sort_keys=True, ensure_ascii=False)
    else:
        shape = str(step.get("expr", ""))
        if step.get("if"):
            shape += f" if {step['if']}"
    blanked = _NUMBER.sub("#", _TEXT.sub('"…"', shape))
    return f"{kind}: {' '.join(blanked.split())}"


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _observe(actor: _Actor, record: AuditRecord, payload: dict[str, Any]) -> None:
    endpoint = payload.get("endpoint")
    status = payload.get("status")
    entry = _entry(record, payload)
    if endpoint in STATISTICS:
        if isinstance(status, int) and 400 <= status < 500:
            actor.refusals.append(entry)
        else:
            _close_run(actor)
        if payload.get("error") == "budget-exhausted":
            actor.exhausted.append(entry)
    elif endpoint == "steps" and status == 200 and isinstance(payload.get("request"), list):
        for step in payload["request"]:
            shape = skeleton(step) if isinstance(step, dict) else None
            if shape is not None:
                actor.derivations.append((_moment(record.recorded_at), entry))
                actor.patterns.setdefault(shape, []).append(entry)


def _observe_release(actor: _Actor, record: AuditRecord, payload: dict[str, Any]) -> None:
    result = payload.get("result")
    rows = result.get("rows") if isinstance(result, dict) else None
    told = payload.get("steward")
    answered_without_core = isinstance(told, dict) and bool(told.get("core-sharing"))
    if answered_without_core or (
        isinstance(rows, list)
        and any(
            isinstance(row, dict) and "core-sharing" in (row.get("reasons") or []) for row in rows
        )
    ):
        found = _entry(record, {**payload, "endpoint": payload.get("statistic", "")})
        actor.shared_cores.append(found)


def _close_run(actor: _Actor) -> None:
    if len(actor.refusals) >= REFUSAL_RUN:
        actor.runs.append(actor.refusals)
    actor.refusals = []


def _distinct(entries: Iterable[FlaggedEntry]) -> tuple[FlaggedEntry, ...]:
    return tuple({e.seq: e for e in entries}.values())


def _busiest_day(derivations: Sequence[tuple[datetime, FlaggedEntry]]) -> list[FlaggedEntry]:
    """The most derivations within any WINDOW (the log is in time order)."""
    best: list[FlaggedEntry] = []
    start = 0
    for end in range(len(derivations)):
        while derivations[end][0] - derivations[start][0] > WINDOW:
            start += 1
        if end - start + 1 > len(best):
            best = [e for _, e in derivations[start : end + 1]]
    return best


def _flags_of(name: str, actor: _Actor) -> list[Flag]:
    _close_run(actor)
    found = [Flag("refusal-run", name, tuple(run), count=len(run)) for run in actor.runs]
    if actor.exhausted:
        found.append(
            Flag("budget-exhausted", name, tuple(actor.exhausted), count=len(actor.exhausted))
        )
    busiest = _busiest_day(actor.derivations)
    if len(busiest) >= MANY_VARIABLES:
        found.append(Flag("many-new-variables", name, _distinct(busiest), count=len(busiest)))
    if actor.shared_cores:
        found.append(
            Flag("shared-core", name, tuple(actor.shared_cores), count=len(actor.shared_cores))
        )
    for pattern, entries in sorted(actor.patterns.items()):
        if len(entries) >= NEAR_IDENTICAL:
            found.append(
                Flag(
                    "near-identical-derivations",
                    name,
                    _distinct(entries),
                    pattern=pattern,
                    count=len(entries),
                )
            )
    return found


def detect(records: Iterable[AuditRecord]) -> list[Flag]:
    """The flags of a log read in order of its numbers, researchers in order of name and
    each researcher's flags in order of their first entry."""
    actors: dict[str, _Actor] = {}
    for record in records:
        if record.kind not in ("request", "release"):
            continue
        try:
            payload = json.loads(record.payload)
        except json.JSONDecodeError:
            continue  # not ours to judge: `regcat audit verify` reports a damaged entry
        if not isinstance(payload, dict):
            continue
        actor = actors.setdefault(record.actor, _Actor())
        if record.kind == "release":
            _observe_release(actor, record, payload)
        else:
            _observe(actor, record, payload)
    found: list[Flag] = []
    for name in sorted(actors):
        found.extend(sorted(_flags_of(name, actors[name]), key=lambda f: f.entries[0].seq))
    return found


def flags(ctx: Context) -> list[Flag]:
    """Every flag in the catalogue's audit log."""
    require_initialised(ctx)
    with ctx.db.transaction() as session:
        return detect(AnalysisStore(session).audit_entries())
