"""/api/v1: JSON API described by OpenAPI (flask-smorest).

The description is the contract: what the server validates is generated from the same
marshmallow schemas it publishes (schemas.api, one module per resource), every operation lists every status it can answer
(catalogue.web.api_responses) with the one error body (schemas.api.errors), and every
collection is served at its documented URL with and without a trailing slash."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.openapi import OpenAPIConverter
from flask import Flask, Request
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from marshmallow import Schema, ValidationError, fields, validate
from webargs.flaskparser import FlaskParser

from catalogue.services import reading, releasing
from catalogue.web import auth, context
from catalogue.web.access import access_for
from catalogue.web.api_responses import DESCRIPTIONS, derived_statuses, response_name, security
from catalogue.web.errors import MalformedRequest
from catalogue.web.language import request_language
from schemas.api.datastores import DatastoreSchema, VersionSchema
from schemas.api.errors import ErrorSchema
from schemas.translations import translate_messages


class ArgumentsParser(FlaskParser):
    """Arguments that do not fit their schema are the caller's mistake: 400 in the standard
    error shape, naming the fields."""

    DEFAULT_VALIDATION_STATUS = 400

    def handle_error(
        self,
        error: ValidationError,
        req: Request,
        schema: Schema,
        *,
        error_status_code: int | None,
        error_headers: Any,
    ) -> NoReturn:
        messages = error.normalized_messages()
        problems: Any = messages
        if isinstance(messages, dict) and len(messages) == 1:
            problems = next(iter(messages.values()))  # drop the location ("json", "query")
        names = ", ".join(sorted(map(str, problems))) if isinstance(problems, dict) else None
        raise MalformedRequest(
            "invalid-parameters",
            f"Ugyldige parametere: {names}." if names else "Ugyldig innhold i forespørselen.",
            f"Invalid parameters: {names}." if names else "Invalid request body.",
            {"fields": translate_messages(problems, request_language())},
            400,
        )


PARSER = ArgumentsParser()


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose argument errors use the standard error shape, whose
    operations declare every status they can answer and the credentials they take, and
    whose routes answer with and without a trailing slash.

    `rate_limit` names the setting that limits the blueprint's changing requests
    (register_api_blueprint applies it)."""

    ARGUMENTS_PARSER = PARSER

    def __init__(self, *args: Any, rate_limit: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rate_limit = rate_limit
        self._prepare_doc_cbks.append(self._prepare_statuses_doc)

    def route(self, rule: str, *, parameters: Any = None, tags: Any = None, **options: Any) -> Any:
        # A client that adds (or leaves out) the trailing slash gets the same answer, not a
        # redirect that would drop a POST's body.
        options.setdefault("strict_slashes", False)
        return super().route(rule, parameters=parameters, tags=tags, **options)

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Any = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)
        name = self._endpoints[-1]
        for method, doc in self._docs[name].items():
            if method != "parameters":
                doc["regcat"] = {"endpoint": f"{self.name}.{name}", "path_parameters": "<" in rule}

    def _prepare_statuses_doc(
        self, doc: dict[str, Any], doc_info: dict[str, Any], *, method: str, **_: Any
    ) -> dict[str, Any]:
        facts = doc_info["regcat"]
        access = access_for(facts["endpoint"])
        # By now flask-smorest has moved a body argument out of the parameters into
        # requestBody.
        takes_body = "requestBody" in doc
        statuses = derived_statuses(
            access,
            method,
            takes_arguments=takes_body or bool(doc_info.get("arguments", {}).get("parameters")),
            takes_body=takes_body,
            has_path_parameters=facts["path_parameters"],
            rate_limited=self.rate_limit is not None,
        )
        responses = doc.setdefault("responses", {})
        for status in sorted(statuses):
            if status not in responses and str(status) not in responses:
                responses[status] = response_name(status)
        required = security(access)
        if required is not None:
            doc["security"] = required
        return doc


def link(method: str, path: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link to the operation `method` `path` (as the description spells it), its
    path parameters taken from the response (`$response.body#/...`): clients and stateful
    testers follow these from a created resource to what can be done with it."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{pointer}/{method}", "parameters": parameters}


def exclusive_bounds(converter: Any, field: fields.Field, **_: Any) -> dict[str, Any]:
    """apispec publishes a Range's bounds as inclusive; say so when they are not (OpenAPI 3.0:
    exclusiveMinimum/exclusiveMaximum true), so that 0 is not offered where 0 is refused."""
    out: dict[str, Any] = {}
    for validator in field.validators:
        if isinstance(validator, validate.Range):
            if validator.min is not None and not validator.min_inclusive:
                out["exclusiveMinimum"] = True
            if validator.max is not None and not validator.max_inclusive:
                out["exclusiveMaximum"] = True
    return out


class RegcatConverter(OpenAPIConverter):
    """apispec's converter with two things marshmallow cannot say (schemas/ declares them
    as Meta options):

    - `one_of`: a schema published as exactly one of several forms (a step is one of the
      verbs' forms), each its own component; the schema itself loads any of them.
    - `openapi_description`: a schema's description that keeps its additionalProperties
      (apispec's own `description` option drops it)."""

    def schema2jsonschema(self, schema: Any) -> dict[str, Any]:
        meta = getattr(schema, "Meta", None)
        variants = getattr(meta, "one_of", None)
        if variants:
            return {"oneOf": [self.resolve_nested_schema(variant) for variant in variants]}
        jsonschema: dict[str, Any] = super().schema2jsonschema(schema)
        description = getattr(meta, "openapi_description", None)
        if description is not None:
            jsonschema["description"] = description
        return jsonschema


class RegcatMarshmallowPlugin(MarshmallowPlugin):
    Converter = RegcatConverter


# The OpenAPI description each app of this process was built with, by the app settings it
# was built under. Building one is most of an app's construction (0.12 of 0.18 s of CPU:
# every operation's schemas resolved), and it is a pure function of those settings and of
# the modules' declarations, which do not change once imported, so an app built under the
# same settings as an earlier one shares its description (tests/test_api_spec_cache.py
# holds a shared description equal to a freshly built one).
_DESCRIPTIONS: dict[tuple[tuple[str, str], ...], tuple[Any, Any, Any]] = {}


def description_key(app: Flask) -> tuple[tuple[str, str], ...]:
    """The settings an app's description is built under: its Flask settings once the app is
    built (the session cookie's name is published, and regcat's `secure_cookies` picks it),
    but the secret key and regcat's own settings, which reach the description only through
    the Flask settings."""
    return tuple(
        sorted((k, repr(v)) for k, v in app.config.items() if k not in ("SECRET_KEY", "REGCAT"))
    )


class RegcatApi(Api):
    """flask-smorest's Api with regcat's error body: no catch-all `default` response (each
    operation lists its statuses), and no error handler of its own (catalogue.web.errors
    answers every error).

    The description is written when the app is whole (`finish`, at the end of create_app):
    blueprints are registered with Flask at once, and what they add to the description
    waits, in order, until the app's settings are final. An app whose final settings an
    earlier app of the process was built under takes that app's description instead (it
    is never changed once finished)."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def __init__(self, app: Flask, **kwargs: Any) -> None:
        self._pending: list[Callable[[], None]] = []
        super().__init__(app, **kwargs)

    def _register_error_handlers(self) -> None:
        pass

    def _init_spec(self, *args: Any, **kwargs: Any) -> None:
        super()._init_spec(*args, **kwargs)
        self.ma_plugin.converter.add_attribute_function(exclusive_bounds)

    def _register_converter(self, converter: Any, func: Any) -> None:
        self._pending.append(lambda: super(RegcatApi, self)._register_converter(converter, func))

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        # Api.register_blueprint, its description left for `finish`.
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)

        def describe() -> None:
            blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=parameters)
            self.spec.tag({"name": name, "description": blp.description})

        self._pending.append(describe)

    def security_scheme(self, name: str, component: dict[str, Any]) -> None:
        self._pending.append(lambda: self.spec.components.security_scheme(name, component))

    def finish(self) -> None:
        """The app is whole: write its description, or take the one built under the same
        settings."""
        key = description_key(self._app)
        built = _DESCRIPTIONS.get(key)
        if built is not None:
            self.spec, self.flask_plugin, self.ma_plugin = built
        else:
            for step in self._pending:
                step()
            _DESCRIPTIONS[key] = (self.spec, self.flask_plugin, self.ma_plugin)
        self._pending = []

    def _register_responses(self) -> None:
        for status, description in DESCRIPTIONS.items():
            response: dict[str, Any] = {"description": description}
            if status != 304:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(response_name(status), response, lazy=True)


datastores = ApiBlueprint(
    "datastores",
    __name__,
    url_prefix="/api/v1/datastores",
    description="Datastores and their released versions",
)


@datastores.get("")
@datastores.response(200, DatastoreSchema(many=True))
@datastores.doc(
    responses={
        200: {
            "links": {
                "list_versions": link(
                    "get", "/api/v1/datastores/{name}/versions", name="$response.body#/0/name"
                )
            }
        }
    }
)
def list_datastores() -> Any:
    """Every datastore with its released versions."""
    return reading.datastore_summaries(context())


@datastores.get("/<string:name>/versions")
@datastores.response(200, VersionSchema(many=True))
def list_versions(name: str) -> Any:
    """Released versions of a datastore, newest first, with the changelog."""
    return releasing.list_versions(context(), name)


def init_app(app: Flask) -> None:
    api = RegcatApi(
        app,
        spec_kwargs={
            "info": {"description": "regcat: register metadata catalogue"},
            "marshmallow_plugin": RegcatMarshmallowPlugin(),
        },
    )
    app.extensions["regcat_api"] = api
    register_api_blueprint(app, datastores)


def register_api_blueprint(app: Flask, blueprint: ApiBlueprint) -> None:
    """For the other web modules: add a blueprint to the one OpenAPI description (and apply
    its rate limit)."""
    if blueprint.rate_limit is not None:
        auth.limit(app, blueprint, blueprint.rate_limit)
    app.extensions["regcat_api"].register_blueprint(blueprint)
