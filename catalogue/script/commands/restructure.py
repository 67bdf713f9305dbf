"""reshape-to-panel, reshape-from-panel, collapse, aggregate and merge: the commands that
change what a row is (or which dataset a variable lives in)."""

from __future__ import annotations

from ..arguments import Arguments
from ..line import Group
from ..nodes import GroupCommand, GroupStatistic, Merge, ReshapeFromPanel, ReshapeToPanel
from ..registry import register, valued

# The statistics microdata.no offers for collapse, aggregate and barchart.
GROUP_STATISTICS = (
    "mean", "min", "max", "median", "count", "sum", "semean", "sebinomial", "sd", "percent",
    "iqr", "gini",
)  # fmt: skip


def statistic_in_parentheses(args: Arguments) -> str:
    """`(mean)`: one of GROUP_STATISTICS (collapse, aggregate and barchart)."""
    inner = args.inner(args.group())
    statistic = inner.name(("en statistikk", "a statistic"))
    inner.end()
    if statistic not in GROUP_STATISTICS:
        known = ", ".join(GROUP_STATISTICS)
        args.fail(
            (
                f"Ukjent statistikk «{statistic}»; kjente: {known}",
                f"Unknown statistic '{statistic}'; known: {known}",
            ),
        )
    return statistic


@register("restructure", "reshape-to-panel", "reshape-to-panel <prefikser/prefixes>")
def to_panel(args: Arguments) -> ReshapeToPanel:
    prefixes = args.names(what=("prefikser", "prefixes"))
    args.end()
    return ReshapeToPanel(**args.common(), prefixes=prefixes)


@register("restructure", "reshape-from-panel", "reshape-from-panel")
def from_panel(args: Arguments) -> ReshapeFromPanel:
    args.end()
    return ReshapeFromPanel(**args.common())


@register(
    "restructure",
    ("collapse", "aggregate"),
    "{name} (<statistikk/statistic>) <variabel/variable> [-> <nytt navn/new name>] …, by(<variabel/variable>)",
    options=valued("by"),
)
def group(args: Arguments) -> GroupCommand:
    statistics: list[GroupStatistic] = []
    statistic = ""
    while not args.done():
        if isinstance(args.peek(), Group):
            statistic = statistic_in_parentheses(args)
            continue
        if not statistic:
            args.fail(
                (
                    "Statistikken står først, i parentes: «(mean)»",
                    "The statistic comes first, in parentheses: '(mean)'",
                )
            )
        variable = args.name(("et variabelnavn", "a variable name"))
        name = variable
        if args.is_op("->"):
            args.op("->")
            name = args.name(("det nye navnet etter «->»", "the new name after '->'"))
        statistics.append(GroupStatistic(statistic, variable, name))
    if not statistics:
        args.fail(
            (
                "Minst én statistikk og variabel trengs",
                "At least one statistic and variable is needed",
            )
        )
    by = args.option_value("by")
    return GroupCommand(**args.common(), statistics=tuple(statistics), by=by)


@register(
    "restructure",
    "merge",
    "merge <variabler/variables> into <datasett/dataset> [on <variabel/variable>]",
)
def merge(args: Arguments) -> Merge:
    variables = args.names(stop=("into",))
    if not args.keyword("into"):
        args.fail(("Her skal det stå «into <datasett>»", "'into <dataset>' should stand here"))
    dataset = args.name(("datasettets navn", "the dataset's name"))
    on = args.name(("en koblingsvariabel", "a linking variable")) if args.keyword("on") else None
    args.end()
    return Merge(**args.common(), variables=variables, dataset=dataset, on=on)
