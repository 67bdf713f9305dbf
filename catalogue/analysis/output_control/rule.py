"""The Rule abstraction (docs/ARCHITECTURE.md §11): a rule is one module with a stable kebab-case
code, typed parameters (a frozen dataclass), documentation and bilingual reason messages, and an
`apply` that returns one Decision per cell (or per statistic)."""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Generic, TypeVar

from catalogue.domain.errors import RegcatError, unprocessable
from catalogue.domain.text import localise

P = TypeVar("P")  # the rule's parameters
S = TypeVar("S")  # what the rule looks at
V = TypeVar("V")  # the value a decision carries


@dataclass(frozen=True)
class Message:
    nb: str
    en: str

    def format(self, **values: Any) -> Message:
        return Message(self.nb.format(**values), self.en.format(**values))

    def text(self, language: str = "nb") -> str:
        return localise((self.nb, self.en), language)


@dataclass(frozen=True)
class Decision(Generic[V]):
    """What a rule decided for one cell: the value after the rule (None = withheld) and the
    rule's reason code when it withheld or changed the value."""

    value: V | None
    reason: str | None = None

    @property
    def withheld(self) -> bool:
        return self.value is None


def frozen_reasons(reasons: dict[str, Message]) -> Mapping[str, Message]:
    """A rule's reason table, read-only (it is shared by every instance of the rule)."""
    return MappingProxyType(reasons)


class Rule(ABC, Generic[P, S, V]):
    code: ClassVar[str]
    parameters_type: ClassVar[type[Any]]
    title: ClassVar[Message]
    docs: ClassVar[Message]
    # reason code -> message; codes start with the rule's code; messages may use the
    # parameters' field names as {placeholders}.
    reasons: ClassVar[Mapping[str, Message]]

    def __init__(self, parameters: P) -> None:
        if not isinstance(parameters, self.parameters_type):
            raise TypeError(f"{self.code} needs {self.parameters_type.__name__}")
        self.parameters = parameters

    @abstractmethod
    def apply(self, subject: S) -> Sequence[Decision[V]]: ...

    def parameter_values(self) -> dict[str, Any]:
        return dataclasses.asdict(self.parameters)  # type: ignore[call-overload]

    def reason(self, code: str, **extra: Any) -> Message:
        return self.reasons[code].format(**self.parameter_values(), **extra)

    def refusal(self, code: str, **details: Any) -> RegcatError:
        """A refused output: HTTP 422 with the reason's message in both languages (the
        message may use `details` as placeholders too)."""
        message = self.reason(code, **details)
        return unprocessable(code, message.nb, message.en, rule=self.code, **details)

    def withhold(self, code: str) -> Decision[Any]:
        if code not in self.reasons:
            raise KeyError(f"{self.code} has no reason {code!r}")
        return Decision(None, code)
