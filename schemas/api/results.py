"""The shape of every statistic's answer: results that have passed output control.

A result (`AnalysisControlledResult`) is what `ControlledResult.to_json_dict()` writes: rows
of labels and published values, the rules applied and, in `summary`, numbers about the result
as a whole (how many units a table left out; a model's N and fit statistics), each with the
codes of the rules that changed or withheld it. Beside each result, the released item holds
what the result is about and what is computed from its own published values or from
metadata only (a code's titles, a chart)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.api.budget import BudgetSchema
from schemas.api.fields import an_object, keyed, objects


class AnalysisResultRowSchema(Schema):
    labels = fields.List(
        fields.String(allow_none=True),
        metadata={"description": "A category code per dimension; null marks a total over it."},
    )
    values = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True))
    reasons = fields.List(fields.String())


class AnalysisSummaryValueSchema(Schema):
    value = fields.Raw(allow_none=True, metadata={"description": "Null when withheld."})
    reasons = fields.List(fields.String())


class AnalysisControlledResultSchema(Schema):
    """A result that has passed output control (docs/OUTPUT_CONTROL.md)."""

    kind = fields.String(
        metadata={
            "description": "frequency-table, magnitude-table, summary, percentiles, "
            "regression, correlation, histogram, …"
        }
    )
    audit_id = fields.String()
    datastore_version = fields.String()
    parameters_version = fields.String()
    population = fields.Integer(
        metadata={
            "description": "Perturbed, to the nearest 10: the workspace's units, or for a "
            "model the units it used."
        }
    )
    dimensions = fields.List(fields.String())
    columns = fields.List(fields.String())
    rows = fields.List(fields.Nested(AnalysisResultRowSchema))
    rules = fields.List(fields.Dict())
    reasons = fields.Dict()
    notes = fields.List(fields.Dict())
    summary = keyed(
        fields.Nested(AnalysisSummaryValueSchema),
        "Numbers about the whole result, each published under output "
        "control: left_out (a table's units with a missing value, a perturbed count); "
        "for models n (the units used, a perturbed count) and fit statistics computed "
        "from released values.",
    )


class AnalysisTitleSchema(Schema):
    nb = fields.String()
    en = fields.String()


class AnalysisReleasedItemSchema(Schema):
    about = an_object("What the result is about.")
    result = fields.Nested(AnalysisControlledResultSchema)
    category_labels = keyed(
        fields.Dict(keys=fields.String(), values=fields.Nested(AnalysisTitleSchema)),
        "Per dimension, each code's title from its code list in bokmål and "
        "English (and the missing category's, `.`, with missing: true).",
    )
    vega_lite = an_object("A chart of the controlled table.")
    hazard_ratios = objects(
        "cox with hazard: per term, exp of the published coefficient and "
        "interval bounds (hazard_ratio, ci_lower, ci_upper)."
    )
    hausman = an_object(
        "hausman, beside the random-effects model: the test of fixed "
        "against random effects computed from the two released models (statistic, df, "
        "p_value, reason when not computed, and per term fe, re, difference, std_error)."
    )

    chi2 = an_object(
        "tabulate with chi2: Pearson's chi-square test of independence "
        "computed from the published (perturbed) two-way table (statistic, df, p_value, "
        "table, rows, columns; reason when not computed)."
    )
    iqr = fields.Float(
        allow_none=True,
        metadata={
            "description": "tabulate with iqr: p75 − p25 of the cell's released smoothed "
            "percentiles (null when either is withheld)."
        },
    )
    covariance = objects(
        "correlate with covariance: per pair (and each variable with "
        "itself) r · sd_x · sd_y from the released correlation and winsorised sds."
    )
    shown = an_object(
        "A script's tabulate with top()/bottom(): how many of the cells "
        "of largest and smallest published count the table shows."
    )


class AnalysisStatisticResponseSchema(Schema):
    workspace = fields.String()
    statistic = fields.String()
    audit_id = fields.String(metadata={"description": "The request's audit entry."})
    results = fields.List(fields.Nested(AnalysisReleasedItemSchema))
    budget = fields.Nested(
        BudgetSchema, metadata={"description": "The project's release budget after the request."}
    )


RESULT_TABLES = ("result", "summary", "labels", "about")


class ResultTableArgs(Schema):
    table = fields.String(
        load_default="result",
        validate=validate.OneOf(RESULT_TABLES),
        metadata={
            "description": "Which table of the release: result (its rows), summary (numbers "
            "about the whole result), labels (each code's titles), about (datastore, version, "
            "request, audit id, rules and their reasons). `tables` in the release's JSON "
            "lists the ones it has."
        },
    )


class ReleasedResultSchema(AnalysisReleasedItemSchema):
    """One release, as it was released, found by its audit id."""

    audit_id = fields.String()
    statistic = fields.String()
    datastore = fields.String()
    version = fields.String()
    released_at = fields.DateTime(metadata={"description": "When it was released (UTC)."})
    request = fields.Raw(
        allow_none=True, metadata={"description": "The request body that asked for it."}
    )
    tables = fields.List(
        fields.String(), metadata={"description": "The tables its CSV download offers."}
    )
    vega_editor = fields.String(
        allow_none=True,
        metadata={
            "description": "A link that opens the release's chart in the Vega editor (the "
            "spec travels in the link's fragment, which no server sees); null without a chart."
        },
    )
