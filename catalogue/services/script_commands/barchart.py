"""barchart [(<stat>)] <vars> [if] [, over() by() stack horizontal]: statistic `barchart`
per variable (one request each, as a JSON client would send them): the statistic in
parentheses its `stat` (count, the default; percent; mean, sum, median, sd, iqr, gini,
semean, sebinomial, min and max, which need over()), over(), by(), stack and horizontal
its fields of the same names. Every statistic of the language's list runs (min and max
as smoothed extremes per category, rule extreme-values); the guard below is for a
statistic a later list may add."""

from __future__ import annotations

from typing import Any

from catalogue.analysis.statistics.barchart import STATS
from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options, not_supported


@_handles("barchart")
def _barchart(runner: _Runner, command: n.Chart) -> None:
    _unsupported_options(command, {"over", "by", "stack", "horizontal"})
    stat = command.statistic or "count"
    if stat not in STATS:
        raise not_supported(command, (f"barchart ({stat})", f"barchart ({stat})"))
    for variable in command.variables:
        body: dict[str, Any] = {"var": variable}
        if stat != "count":
            body["stat"] = stat
        for name in ("over", "by"):
            option = command.option(name)
            if option is not None:
                body[name] = option.values[0]
        for name in ("stack", "horizontal"):
            if command.has(name):
                body[name] = True
        runner.statistic(command, "barchart", body)
