"""histogram <var> [if] [, by() bin() width() discrete freq percent density normal]:
statistic `histogram`. `bin(<n>)` is its `bins`, `width(<w>)` its `width` (taken onto the
1-2-5 grid), `discrete` its `discrete`; `freq` (the default), `percent` and `density` its
`scale` (one of them), `normal` its `normal` (a normal curve from the published counts).
`by(<var>)`: one histogram per group, each its own controlled result, exactly as
`histogram … if <group>` (kaplan-meier's by(): a scratch workspace per group, the groups
from the variable's code list)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from catalogue.script import nodes as n
from catalogue.script.errors import script_error
from catalogue.services.script_commands.kaplan_meier import by_groups
from catalogue.services.scripts import (
    _handles,
    _Runner,
    _unsupported_options,
    one_option_of,
    option_value,
)

SCALES = {"freq": "frequency", "percent": "percent", "density": "density"}


@_handles("histogram")
def _histogram(runner: _Runner, command: n.Chart) -> None:
    _unsupported_options(command, {"by", "bin", "width", "discrete", "normal", *SCALES})
    body: dict[str, Any] = {"var": command.variables[0]}
    bins = command.option("bin")
    if bins is not None:
        if len(bins.values) != 1 or not bins.values[0].isdigit():
            raise script_error(
                "script-arguments",
                bins.at,
                ("bin() tar et helt tall", "bin() takes a whole number"),
                command=command.command,
            )
        body["bins"] = int(bins.values[0])
    width = option_value(
        command,
        "width",
        _width,
        ("width() tar ett tall", "width() takes one number"),
        "width(1000)",
    )
    if width is not None:
        body["width"] = width
    if command.has("discrete"):
        body["discrete"] = True
    scale = one_option_of(command, tuple(SCALES))
    if scale is not None and scale.name != "freq":
        body["scale"] = SCALES[scale.name]
    if command.has("normal"):
        body["normal"] = True
    by_groups(runner, command, "histogram", body)


def _width(values: Sequence[str]) -> int | float | None:
    text = values[0] if len(values) == 1 else ""
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() and "." not in text else value
