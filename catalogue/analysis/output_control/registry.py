"""The rule registry: every output-control rule, with its code, parameters, defaults and
documentation. A new rule is one module in rules/ plus one line here (a test fails if a
module in rules/ is not listed)."""

from __future__ import annotations

import dataclasses
from typing import Any

from .rule import Rule
from .rules.budget import Budget
from .rules.cell_key_noise import CellKeyNoise
from .rules.core_sharing import CoreSharing
from .rules.differencing import Differencing
from .rules.dominance_nk import DominanceNK
from .rules.extreme_values import ExtremeValues
from .rules.hexbin import Hexbin
from .rules.histogram import HistogramBins
from .rules.magnitude_noise import MagnitudeNoise
from .rules.magnitude_support import MagnitudeSupport
from .rules.min_population import MinPopulation
from .rules.mode import Mode
from .rules.model_noise import ModelNoise
from .rules.outcome_support import OutcomeSupport
from .rules.p_percent import PPercent
from .rules.regression import Regression
from .rules.smoothed_percentile import SmoothedPercentile
from .rules.survival import Survival
from .rules.threshold import Threshold
from .rules.winsorised_summary import WinsorisedSummary

AnyRule = type[Rule[Any, Any, Any]]

RULES: tuple[AnyRule, ...] = (
    MinPopulation,
    Threshold,
    CellKeyNoise,
    MagnitudeNoise,
    MagnitudeSupport,
    DominanceNK,
    PPercent,
    WinsorisedSummary,
    SmoothedPercentile,
    ExtremeValues,
    Mode,
    Regression,
    OutcomeSupport,
    ModelNoise,
    HistogramBins,
    Hexbin,
    Survival,
    Differencing,
    CoreSharing,
    Budget,
)

BY_CODE: dict[str, AnyRule] = {rule.code: rule for rule in RULES}


def parameter_fields(rule: AnyRule) -> list[dict[str, Any]]:
    return [
        {"name": f.name, "type": str(f.type), "default": f.default}
        for f in dataclasses.fields(rule.parameters_type)
    ]


def describe(rule: AnyRule) -> dict[str, Any]:
    defaults = dataclasses.asdict(rule.parameters_type())
    docs = rule.docs.format(**defaults)
    return {
        "code": rule.code,
        "module": rule.__module__,
        "title": {"nb": rule.title.nb, "en": rule.title.en},
        "docs": {"nb": docs.nb, "en": docs.en},
        "parameters": parameter_fields(rule),
        "reasons": {code: {"nb": m.nb, "en": m.en} for code, m in rule.reasons.items()},
    }


def rule_catalogue() -> list[dict[str, Any]]:
    """Every rule, for the API's and the steward's documentation pages."""
    return [describe(rule) for rule in RULES]
