"""/api/v1/scripts: running an analysis script (docs/SCRIPT_LANGUAGE.md). The request is the
script's text; the answer is its output in script order, each statistic's entry holding
exactly the body /api/v1/workspaces answers for the same request (schemas.api.results)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from catalogue.script.limits import MAX_CHARACTERS
from schemas.api.errors import ErrorBodySchema
from schemas.api.fields import an_object, objects
from schemas.api.results import AnalysisStatisticResponseSchema


class ScriptRunSchema(Schema):
    script = fields.String(
        required=True,
        validate=validate.Length(1, MAX_CHARACTERS),
        metadata={
            "description": "The script, one command per line, as microdata.no writes it: "
            "require no.ssb.fdb:23 as db / import db/INNTEKT_WLONN 2020-12-31 as lonn / "
            "summarize lonn"
        },
    )


class ScriptOutputSchema(Schema):
    line = fields.Integer(metadata={"description": "The line of the script it came from."})
    kind = fields.String(
        metadata={"description": "result, text, notice, variables, help, history or labels"}
    )
    command = fields.String(metadata={"description": "The command word (result, variables)."})
    request = an_object("result: the statistic request the command became.")
    response = fields.Nested(
        AnalysisStatisticResponseSchema,
        metadata={"description": "result: the API's answer to that request, as it gives it."},
    )
    group = an_object("result of a command with by(): the group it is of ({variable: value}).")
    standardized = objects(
        "result of a model with standardize: per term its standardized "
        "coefficient (term, standardized), from the released numbers."
    )
    elasticities = objects(
        "result of a model with mfx(eyex), mfx(dyex) or mfx(eydx): per kind "
        "and term the released average marginal effect scaled by released means (kind, "
        "term, value, std_error), from the released numbers."
    )
    effects = fields.String(
        metadata={
            "description": "result of a linear model other than regress (regress-panel, "
            "regress-panel-diff, regress-event-diff, ivregress, rdd, regress-mml, hausman) "
            "with mfx(): 'coefficients', its average marginal effects being its coefficients, "
            "released as the model's own command releases them."
        }
    )
    markdown = fields.String(metadata={"description": "text: a textblock's Markdown."})
    notice = an_object(
        "notice: what the run did differently from what the script said "
        "(code, message, and e.g. the version used instead of a missing one)."
    )
    variables = objects("variables: the dataset's variables (no data).")
    text = fields.String(
        metadata={"description": "help: the text (commands, a form); labels: value: label lines."}
    )
    lines = objects("history: the commands run so far (line, source).")


class ScriptRunResultSchema(Schema):
    output = fields.List(fields.Nested(ScriptOutputSchema))
    error = fields.Nested(
        ErrorBodySchema,
        allow_none=True,
        metadata={
            "description": "The first error, with details.line (and details.column); null "
            "when the whole script ran. Nothing after it ran; the output before it is kept."
        },
    )
    commands_run = fields.Integer(metadata={"description": "Commands that ran to the end."})
