"""What a unit type's identifiers look like (docs/ARCHITECTURE.md §2, §4): a number of decimal
digits and, where the identifier carries them, check digits. Both are data in the unit type's file
(`catalogue/unit_types/NAME.json`, field `identifierRule`), so a new unit type needs no code.

A check digit is written as a weighted digit sum: the identifier is valid when
sum(weight_i * digit_i) is a multiple of the modulus. That one form covers the mod-11
control digits of fødselsnummer (two sums, the control digits themselves weighted 1) and
of organisasjonsnummer (one sum). Synthetic fødselsnummer in test data (month + 80) carry
the same control digits, so the rule holds for them too; the date part is not checked,
since real, D-, H- and synthetic numbers each shift it differently."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from catalogue.domain.text import Texts

MAX_CHECKED_DIGITS = 18  # checksums are computed on 64-bit integers


class IdentifierProblem(Enum):
    """Why an identifier breaks its unit type's rule; never quotes the identifier."""

    NOT_DIGITS = "not-digits"
    LENGTH = "length"
    CHECKSUM = "checksum"


@dataclass(frozen=True)
class Checksum:
    weights: tuple[int, ...]  # one per digit, the first digit first
    modulus: int = 11

    def holds(self, digits: str) -> bool:
        total = sum(w * (ord(d) - 48) for w, d in zip(self.weights, digits, strict=True))
        return total % self.modulus == 0


@dataclass(frozen=True)
class IdentifierRule:
    min_digits: int
    max_digits: int
    checksums: tuple[Checksum, ...] = ()  # only with a fixed number of digits
    description: Texts = ()  # the rule in words, for messages: "11 siffer, ..."

    def problem(self, identifier: str) -> IdentifierProblem | None:
        """What is wrong with one identifier (None: nothing). Ingest checks whole batches
        at once (ingest.identifiers); this is the same rule for one value."""
        if not (identifier.isascii() and identifier.isdigit()):
            return IdentifierProblem.NOT_DIGITS
        if not self.min_digits <= len(identifier) <= self.max_digits:
            return IdentifierProblem.LENGTH
        if not all(c.holds(identifier) for c in self.checksums):
            return IdentifierProblem.CHECKSUM
        return None
