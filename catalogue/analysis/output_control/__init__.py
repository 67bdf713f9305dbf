"""The output-control layer (OUTPUT_CONTROL.md): the only code that can turn unit-level
aggregates into a releasable ControlledResult.

The workspace engine builds a ControlContext once per workspace (parameters, key source,
release ledger, population), hands each statistic's unit-level aggregates to one of the
control_* entry points, fills in the audit id with `with_audit_id`, and serialises with
`release_json` (which accepts nothing but a ControlledResult). Refusals are RegcatError
with HTTP status 422 and messages in bokmål and English.
"""

from .cell_key import HmacKeySource, KeySource, KeyTable, PositionKeys, UnitKeys, derive_keys
from .charts import control_hexbin, control_histogram, control_survival
from .controller import cells_to_show, control_frequency_table, control_magnitude_table
from .counting import reaching_threshold
from .fitting import fit_ols
from .inputs import (
    OTHER_VALUES,
    CountTable,
    FitSums,
    MagnitudeTable,
    RegressionFit,
    SurvivalData,
    UnitPairs,
    UnitValues,
    correlation_matrix,
)
from .ledger import COUNT_MEASURE, InMemoryReleaseLedger, Release, ReleasedSet, ReleaseLedger
from .model_support import ModelEvidence, Term, model_evidence, term_groupings
from .models import control_correlation, control_regression
from .moments import control_moments
from .one_variable import control_min_max, control_mode, control_percentiles, control_summary
from .parameters import OutputControlParameters
from .ptable import PerturbationTable, compute_ptable, load_ptable
from .registry import RULES, rule_catalogue
from .release import ControlContext, check_population
from .result import ControlledResult, ResultRow, release_json
from .vega import vega_lite

__all__ = [
    "COUNT_MEASURE",
    "OTHER_VALUES",
    "RULES",
    "ControlContext",
    "ControlledResult",
    "CountTable",
    "FitSums",
    "HmacKeySource",
    "InMemoryReleaseLedger",
    "KeySource",
    "KeyTable",
    "MagnitudeTable",
    "ModelEvidence",
    "OutputControlParameters",
    "PerturbationTable",
    "PositionKeys",
    "RegressionFit",
    "Release",
    "ReleaseLedger",
    "ReleasedSet",
    "ResultRow",
    "SurvivalData",
    "Term",
    "UnitKeys",
    "UnitPairs",
    "UnitValues",
    "cells_to_show",
    "check_population",
    "compute_ptable",
    "control_correlation",
    "control_frequency_table",
    "control_hexbin",
    "control_histogram",
    "control_magnitude_table",
    "control_min_max",
    "control_mode",
    "control_moments",
    "control_percentiles",
    "control_regression",
    "control_summary",
    "control_survival",
    "correlation_matrix",
    "derive_keys",
    "fit_ols",
    "load_ptable",
    "model_evidence",
    "reaching_threshold",
    "release_json",
    "rule_catalogue",
    "term_groupings",
    "vega_lite",
]
