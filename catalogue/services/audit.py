"""The audit log (OUTPUT_CONTROL.md §1.5): every analysis request and every release, in an
append-only, hash-chained log.

An entry's hash is SHA-256 over the previous entry's hash and the entry's canonical text
(its number, time, kind, actor, workspace and payload, exactly as stored). Its audit id is
the first 24 hex digits of that hash, so an id quoted in a paper can be checked against the
log. A release entry holds the controlled result as released: the published values and,
per cell, the rules that changed or withheld it, never the values before control.

`verify` walks the chain: an edited entry no longer matches its hash, a deleted one leaves a
gap in the numbers or a broken link, and a deleted tail disagrees with the head row."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from catalogue.domain.finite_json import dumps
from catalogue.services.context import Context
from catalogue.services.setup import require_initialised
from catalogue.storage.analysis_store import AnalysisStore, AuditRecord

GENESIS = "0" * 64
ID_LENGTH = 24


def canonical(value: Any) -> str:
    # Finite numbers only (a NaN or ±∞ is written as null): the same text as json.dumps
    # for every entry that holds none, so stored hashes verify as before.
    return dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def _plain(value: Any) -> str:
    """A value JSON has no type for. A moment is written as RFC 3339 in UTC with its offset
    (entries written before this rule keep their text: verifying hashes the text as stored)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    return str(value)


def entry_hash(
    prev_hash: str,
    seq: int,
    recorded_at: str,
    kind: str,
    actor: str,
    workspace: str | None,
    payload: str,
) -> str:
    body = canonical([seq, recorded_at, kind, actor, workspace, payload])
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def timestamp(moment: datetime | None = None) -> str:
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class AuditLog:
    """Appends entries inside the caller's transaction. The first append takes the lock
    (or the caller takes it earlier with `lock`, as releases do)."""

    def __init__(self, store: AnalysisStore) -> None:
        self.store = store
        self._head: tuple[int, str] | None = None

    def lock(self) -> None:
        if self._head is None:
            self._head = self.store.lock_audit()

    def append(
        self,
        kind: str,
        actor: str,
        workspace: str | None,
        payload: dict[str, Any],
        at: datetime | None = None,
    ) -> str:
        self.lock()
        assert self._head is not None
        last_seq, last_hash = self._head
        seq = last_seq + 1
        recorded_at = timestamp(at)
        text = canonical(payload)
        digest = entry_hash(last_hash, seq, recorded_at, kind, actor, workspace, text)
        record = AuditRecord(
            seq, digest[:ID_LENGTH], recorded_at, kind, actor, workspace, text, last_hash, digest
        )
        self.store.append_audit(record)
        self._head = (seq, digest)
        return record.entry_id


def record(
    ctx: Context,
    kind: str,
    actor: str,
    workspace: str | None,
    payload: dict[str, Any],
) -> str:
    """One entry in a transaction of its own."""
    with ctx.db.transaction() as session:
        return AuditLog(AnalysisStore(session)).append(kind, actor, workspace, payload)


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    code: str
    nb: str
    en: str


@dataclass(frozen=True)
class AuditVerification:
    entries: int
    head_seq: int
    head_hash: str
    problems: tuple[AuditProblem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(ctx: Context) -> AuditVerification:
    require_initialised(ctx)
    problems: list[AuditProblem] = []
    with ctx.db.transaction() as session:
        store = AnalysisStore(session)
        expected_seq, previous = 1, GENESIS
        count = 0
        for entry in store.audit_entries():
            count += 1
            if entry.seq != expected_seq:
                problems.append(
                    AuditProblem(
                        expected_seq,
                        "audit-entry-missing",
                        f"Oppføring {expected_seq} til {entry.seq - 1} mangler.",
                        f"Entries {expected_seq} to {entry.seq - 1} are missing.",
                    )
                )
            if entry.prev_hash != previous:
                problems.append(
                    AuditProblem(
                        entry.seq,
                        "audit-chain-broken",
                        f"Oppføring {entry.seq} peker ikke på oppføringen før den.",
                        f"Entry {entry.seq} does not point at the entry before it.",
                    )
                )
            digest = entry_hash(
                entry.prev_hash,
                entry.seq,
                entry.recorded_at,
                entry.kind,
                entry.actor,
                entry.workspace,
                entry.payload,
            )
            if digest != entry.hash or entry.entry_id != digest[:ID_LENGTH]:
                problems.append(
                    AuditProblem(
                        entry.seq,
                        "audit-entry-altered",
                        f"Oppføring {entry.seq} er endret etter at den ble skrevet.",
                        f"Entry {entry.seq} was changed after it was written.",
                    )
                )
            expected_seq, previous = entry.seq + 1, entry.hash
        head_seq, head_hash = store.audit_head()
        if head_seq != expected_seq - 1 or (head_seq and head_hash != previous):
            problems.append(
                AuditProblem(
                    head_seq,
                    "audit-tail-missing",
                    f"Loggen skal slutte med oppføring {head_seq}, men slutter med "
                    f"{expected_seq - 1}: oppføringer er slettet eller endret.",
                    f"The log should end with entry {head_seq} but ends with {expected_seq - 1}: "
                    "entries were deleted or changed.",
                )
            )
    return AuditVerification(count, head_seq, head_hash, tuple(problems))
