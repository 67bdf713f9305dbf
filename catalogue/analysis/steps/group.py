"""collapse and aggregate: statistics of a variable by group. collapse makes one row per
group and the group the unit; aggregate gives every row its group's statistic and keeps the
unit (grouping.py applies both, and says how group statistics are protected)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..state import State, StepContext
from ..step import StepField, Takes, Verb, mapping, step_error
from ..variables import check_name
from .shared.grouping import apply_group

GROUP_STATISTICS = (
    "count",
    "sum",
    "mean",
    "min",
    "max",
    "sd",
    "median",
    "p25",
    "p75",
    "gini",
    "percent",
)


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

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_group(ctx, state, self)


def parse(verb: str, item: Mapping[str, Any]) -> Group:
    raw = mapping(
        item,
        verb,
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


_BY = (StepField("by", Takes.TEXT, "The variable whose values are the groups.", required=True),)

_GROUP = partial(
    Verb, takes=Takes.OBJECT, description='{"new": ["mean", "var"]}', fields=_BY, parse=parse
)

VERBS = (
    _GROUP(
        name="collapse",
        nb="Én rad per gruppe av by, med statistikker {nytt navn: [statistikk, variabel]}; "
        "gruppen blir arbeidsområdets enhet.",
        en="One row per group of by, with statistics {new name: [statistic, variable]}; the "
        "group becomes the workspace's unit.",
        example={
            "collapse": {"n_barn": ["count", "alder"], "snitt": ["mean", "lonn"]},
            "by": "mor",
        },
    ),
    _GROUP(
        name="aggregate",
        nb="Gir hver rad gruppens statistikker {nytt navn: [statistikk, variabel]} for "
        "gruppene av by; enheten blir den samme.",
        en="Gives every row its group's statistics {new name: [statistic, variable]} for the "
        "groups of by; the unit stays the same.",
        example={"aggregate": {"kommune_snitt": ["mean", "lonn"]}, "by": "kommune"},
    ),
)
