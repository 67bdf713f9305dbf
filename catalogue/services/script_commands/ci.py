"""ci <vars> [if] [, level(95)]: statistic `ci` per variable (one request each), the mean
with its standard error and 95 % interval. Another level() (0 < level < 100) is the same
request: its interval is drawn in the script from the released mean, standard error and
perturbed N only (t on N − 1 degrees of freedom, rounded to the regression rule's
significant digits the release names), exactly as the engine draws its 95 % interval from
published numbers (model_fit.coefficient_tests). Nothing unreleased is read, so output
control sees exactly the request a JSON client would send."""

from __future__ import annotations

import math
from typing import Any

import scipy.stats

from catalogue.analysis.output_control.rounding import significant
from catalogue.script import nodes as n
from catalogue.script.errors import script_error
from catalogue.services.scripts import _handles, _Runner, _unsupported_options


@_handles("ci")
def _ci(runner: _Runner, command: n.Statistic) -> None:
    _unsupported_options(command, {"level"})
    level = _level(command)
    for variable in command.variables:
        runner.statistic(command, "ci", {"var": variable})
        if level is not None:
            for released in runner.output[-1]["response"].get("results", []):
                _at_level(released, level)


def _level(command: n.Statistic) -> float | None:
    """The asked level as a share, None for the engine's own 95 %."""
    option = command.option("level")
    if option is None:
        return None
    try:
        percent = float(option.values[0]) if len(option.values) == 1 else math.nan
    except ValueError:
        percent = math.nan
    if not 0 < percent < 100:
        raise script_error(
            "script-arguments",
            option.at,
            (
                "level() er et konfidensnivå i prosent, mellom 0 og 100",
                "level() is a confidence level in percent, between 0 and 100",
            ),
            command=command.command,
        )
    return None if percent == 95 else percent / 100


def _at_level(released: dict[str, Any], level: float) -> None:
    result = released.get("result") or {}
    if result.get("kind") != "regression":
        return
    digits = next(
        (
            r["parameters"]["significant_digits"]
            for r in result.get("rules", [])
            if r.get("code") == "regression"
        ),
        None,
    )
    units = (result.get("summary") or {}).get("n")
    if isinstance(units, dict):  # a summary value with its reasons
        units = units.get("value")
    if not isinstance(units, int | float):
        units = result.get("population")
    if digits is None or not isinstance(units, int | float) or units < 2:
        return
    critical = float(scipy.stats.t(units - 1).ppf(0.5 + level / 2))
    for row in result.get("rows", []):
        values = row["values"]
        b, se = values.get("coefficient"), values.get("std_error")
        if b is None or se is None or not se > 0:
            continue
        values["ci_lower"] = significant(b - critical * se, digits)
        values["ci_upper"] = significant(b + critical * se, digits)
    if isinstance(released.get("about"), dict):
        released["about"]["level"] = level
