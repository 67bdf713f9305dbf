"""barchart [(<stat>)] <vars> [if] [, over() by() stack horizontal]: statistic `barchart`
per variable (one request each, as a JSON client would send them): the statistic in
parentheses its `stat` (count, the default; percent; mean and sum, which need over()),
over(), by(), stack and horizontal its fields of the same names. The other statistics of
the language's list (min, max, median, sd, semean, sebinomial, iqr, gini) answer
script-not-supported: a bar chart is drawn from one controlled table, and the engine's
tables of those per category are not one table."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options, not_supported

STATS = ("count", "percent", "mean", "sum")


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
