"""Survival analysis: kaplan-meier, cox and weibull, each of an event and a time."""

from __future__ import annotations

from ..arguments import Arguments
from ..nodes import Survival
from ..registry import flags, register, valued
from .regression import terms


def _survival(args: Arguments, xs: bool) -> Survival:
    event = args.name(("hendelsesvariabelen", "the event variable"))
    time = args.name(("tidsvariabelen", "the time variable"))
    regressors = terms(args) if xs else ()
    args.end()
    return Survival(**args.common(), event=event, time=time, xs=regressors)


@register(
    "survival",
    ("kaplan-meier", "weibull"),
    "{name} <hendelse/event> <tid/time> [, by()]",
    options=valued("by"),
    condition=True,
)
def by_group(args: Arguments) -> Survival:
    return _survival(args, xs=False)


@register(
    "survival",
    "cox",
    "cox <hendelse/event> <tid/time> <x-er/xs> [, hazard]",
    options=flags("hazard"),
    condition=True,
)
def cox(args: Arguments) -> Survival:
    return _survival(args, xs=True)
