"""boxplot <vars> [if] [, over() horizontal]: statistic `boxplot` per variable (one request
each, as a JSON client would send them), `over()` its groups (`by`). `horizontal` lays the
released Vega-Lite chart on its side by swapping its x and y channels: the chart is redrawn
from the same released numbers only (no request is changed, nothing new is computed), so
output control sees exactly the request a JSON client would send."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options

_SWAP = {"x": "y", "y": "x", "x2": "y2", "y2": "x2"}


@_handles("boxplot")
def _boxplot(runner: _Runner, command: n.Chart) -> None:
    _unsupported_options(command, {"over", "horizontal"})
    over = command.option("over")
    for variable in command.variables:
        body: dict[str, Any] = {"var": variable}
        if over is not None:
            body["by"] = over.values[0]
        runner.statistic(command, "boxplot", body)
        if command.has("horizontal"):
            for result in runner.output[-1]["response"].get("results", []):
                if isinstance(result.get("vega_lite"), dict):
                    result["vega_lite"] = _lying(result["vega_lite"])


def _lying(spec: Any) -> Any:
    """The chart with every encoding's x and y channels (and x2, y2) swapped."""
    if isinstance(spec, list):
        return [_lying(item) for item in spec]
    if not isinstance(spec, dict):
        return spec
    out = {}
    for key, value in spec.items():
        if key == "encoding" and isinstance(value, dict):
            out[key] = {_SWAP.get(ch, ch): _lying(enc) for ch, enc in value.items()}
        else:
            out[key] = _lying(value)
    return out
