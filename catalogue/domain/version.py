"""Version numbers MAJOR.MINOR.PATCH.DRAFT and the release bump rules (docs/ARCHITECTURE.md §3)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import total_ordering

from catalogue.domain.enums import Operation
from catalogue.domain.errors import invalid_input

_PATTERN = re.compile(r"^(\d+)\.(\d+)\.(\d+)\.(\d+)$")


@total_ordering
@dataclass(frozen=True)
class VersionNumber:
    major: int
    minor: int
    patch: int
    draft: int = 0

    @classmethod
    def parse(cls, text: str) -> VersionNumber:
        m = _PATTERN.match(text.strip())
        if not m:
            raise invalid_input(
                "invalid-version",
                f"«{text}» er ikke et versjonsnummer; bruk MAJOR.MINOR.PATCH.DRAFT, f.eks. 1.0.0.0.",
                f"«{text}» is not a version number; use MAJOR.MINOR.PATCH.DRAFT, e.g. 1.0.0.0.",
                version=text,
            )
        return cls(*(int(g) for g in m.groups()))

    @property
    def is_draft(self) -> bool:
        return (self.major, self.minor, self.patch) == (0, 0, 0)

    def key(self) -> tuple[int, int, int, int]:
        return (self.major, self.minor, self.patch, self.draft)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, VersionNumber):
            return NotImplemented
        return self.key() < other.key()

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}.{self.draft}"


FIRST_RELEASE = VersionNumber(1, 0, 0, 0)


def next_release(latest: VersionNumber | None, operations: Iterable[Operation]) -> VersionNumber:
    """MAJOR if anything was changed or removed, else MINOR if anything was added (a dataset,
    or periods appended to one: what was released before reads the same), else PATCH.
    The first release is always 1.0.0.0."""
    ops = set(operations)
    if latest is None:
        return FIRST_RELEASE
    if ops & {Operation.CHANGE, Operation.REMOVE}:
        return VersionNumber(latest.major + 1, 0, 0, 0)
    if ops & {Operation.ADD, Operation.APPEND}:
        return VersionNumber(latest.major, latest.minor + 1, 0, 0)
    return VersionNumber(latest.major, latest.minor, latest.patch + 1, 0)


def draft_version(number: int) -> VersionNumber:
    return VersionNumber(0, 0, 0, number)
