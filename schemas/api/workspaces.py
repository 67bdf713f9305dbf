"""/api/v1/workspaces: creating and describing a workspace and its steps (the statistics
asked of it are schemas.api.statistics, their answers schemas.api.results).

The schemas publish the engine's own limits and grammar, taken from the analysis modules
that check them: a request the description allows is one the engine reads, and the engine
says (422) what only the data can tell."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from catalogue.analysis.step import MAX_DATES, StepField, Takes, Verb, all_keys, registry
from schemas.api.fields import VERSION, JsonBoolean, JsonNumber, Timestamp, an_object, objects


class AnalysisCreateSchema(Schema):
    datastore = fields.String(
        load_default=None,
        metadata={"description": "Reverse domain name; default the default datastore."},
    )
    version = fields.String(
        load_default=None,
        validate=VERSION,
        metadata={"description": "Released version, e.g. 1.0.0.0; default the latest."},
    )


class AnalysisVariableSchema(Schema):
    name = fields.String()
    type = fields.String(metadata={"description": "number, string, date, bool or unit"})
    unit_type = fields.String()
    label = fields.String()
    source = an_object("The step that made it.")
    codes = fields.List(fields.String())
    missing_codes = fields.List(fields.String())
    panel = fields.Dict()


class WorkspaceSchema(Schema):
    workspace = fields.String(metadata={"description": "The opaque handle."})
    datastore = fields.String()
    version = fields.String(metadata={"description": "The pinned version."})
    unit_type = fields.String(allow_none=True)
    form = fields.String(metadata={"description": "wide, or panel after reshape_to_panel"})
    panel_date = fields.String(allow_none=True)
    variables = fields.List(fields.Nested(AnalysisVariableSchema))
    steps = objects("The script so far.")
    created_at = Timestamp()
    expires_at = Timestamp()


class AnalysisWorkspaceListItemSchema(Schema):
    workspace = fields.String()
    datastore = fields.String()
    version = fields.String()
    steps = fields.Integer()
    created_at = Timestamp()
    expires_at = Timestamp()
    expired = fields.Boolean()


def _step_field(key: StepField, *, required: bool = False) -> fields.Field:
    metadata = {"description": key.description} if key.description else {}
    if key.takes is Takes.DATES:
        return fields.List(
            fields.String(),
            required=required,
            validate=validate.Length(1, MAX_DATES),
            metadata=metadata,
        )
    if key.takes is Takes.NAMES:
        return fields.Raw(required=required, allow_none=True, metadata=metadata)
    if key.takes is Takes.RENAMES:
        return fields.Dict(
            keys=fields.String(), values=fields.String(), required=required, metadata=metadata
        )
    if key.takes is Takes.OBJECT:
        return fields.Dict(required=required, metadata=metadata)
    if key.takes is Takes.STEPS:  # the engine parses each step, naming the one that is wrong
        return fields.List(fields.Dict(), required=required, metadata=metadata)
    if key.takes is Takes.NUMBER:
        return JsonNumber(required=required, metadata=metadata)
    if key.takes is Takes.TRUTH:
        return JsonBoolean(required=required, metadata=metadata)
    # TEXT and DATE: the parser reads the date
    return fields.String(required=required, metadata=metadata)


def _camel(verb: str) -> str:
    return "".join(part.capitalize() for part in verb.split("_"))


def _variant(verb: Verb) -> type[Schema]:
    """The published form of one verb's step: its own key (required), the keys it takes and
    no other (additionalProperties false), and what it does."""

    class Meta:
        openapi_description = verb.en

    own = StepField(verb.name, verb.takes, verb.description)
    declared = {
        verb.name: _step_field(own, required=True),
        **{f.name: _step_field(f, required=f.required) for f in verb.fields},
    }
    return type(f"AnalysisStep{_camel(verb.name)}Schema", (Schema,), {"Meta": Meta, **declared})


STEP_VARIANTS: dict[str, type[Schema]] = {name: _variant(v) for name, v in registry().items()}


class _StepOptions(Schema.Meta):
    # The engine reports an unknown key (or verb) itself, naming the step it is in.
    unknown = INCLUDE
    # What the description publishes: exactly one of the verbs' forms (catalogue.web.api's
    # converter reads this), each with the keys that verb takes.
    one_of = tuple(STEP_VARIANTS.values())


# One step as the route loads it: every key any verb takes, checked for the JSON it holds,
# with the keys as they are written, so that what it loads is the step as sent. Which keys
# go with which verb, and which a verb needs, is the engine's to check and report with the
# step's number; the description publishes it as the verbs' forms (`one_of`), and a step
# that fits one of them fits this.
AnalysisStepSchema: type[Schema] = type(
    "AnalysisStepSchema",
    (Schema,),
    {"Meta": _StepOptions, **{name: _step_field(key) for name, key in all_keys().items()}},
)
