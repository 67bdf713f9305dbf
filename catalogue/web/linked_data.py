"""Linked-data and metadata endpoints: DCAT-AP-NO RDF (/catalog, per variable), DDI-Codebook
(/ddi) and OAI-PMH (/oai). Thin: negotiation, caching headers and errors; the documents
come from services.exporting."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request

from catalogue.domain.errors import RegcatError
from catalogue.services import exporting
from catalogue.web import caching, context

linked_data = Blueprint("linked_data", __name__)

# What /catalog and a variable's URL answer by Accept header, best first. A client that
# asks for plain JSON gets JSON-LD, which is JSON.
NEGOTIABLE: dict[str, str] = {
    "text/turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "application/json": "jsonld",
}
SUFFIXES = {"ttl": "ttl", "jsonld": "jsonld", "rdf": "xml", "nt": "nt"}


def negotiated_format() -> str:
    best = request.accept_mimetypes.best_match(list(NEGOTIABLE))
    if best is None:
        raise not_acceptable()
    return NEGOTIABLE[best]


def not_acceptable() -> RegcatError:
    offered = list(dict.fromkeys(NEGOTIABLE))
    return RegcatError(
        "not-acceptable",
        "Formatet du ba om, tilbys ikke her. Tilbys: " + ", ".join(offered) + ".",
        "The format you asked for is not offered here. Offered: " + ", ".join(offered) + ".",
        {"offered": offered},
        406,
    )


def _send(document: exporting.Document) -> Response:
    response = Response(document.body, mimetype=document.media_type)
    return caching.conditional(response, last_modified=document.last_modified)


# ------------------------------------------------------------------------------ DCAT
@linked_data.get("/catalog")
def catalog() -> Response:
    """All datastores' catalogues, in the format the Accept header asks for."""
    return _send(exporting.catalogue_rdf(context(), negotiated_format()))


@linked_data.get("/catalog.<string:suffix>")
def catalog_file(suffix: str) -> Response:
    """/catalog.ttl (the harvestable document), .jsonld, .rdf, .nt."""
    return _send(exporting.catalogue_rdf(context(), _suffix_format(suffix)))


@linked_data.get("/catalog/<string:datastore>")
def datastore_catalog(datastore: str) -> Response:
    for suffix, fmt in SUFFIXES.items():
        # /catalog/no.ssb.fdb.ttl: datastore names hold dots, so the suffix is split here.
        if datastore.endswith(f".{suffix}"):
            document = exporting.catalogue_rdf(context(), fmt, datastore[: -len(suffix) - 1])
            return _send(document)
    return _send(exporting.catalogue_rdf(context(), negotiated_format(), datastore))


@linked_data.get("/variables/<string:datastore>/<string:name>.<string:suffix>")
def variable_file(datastore: str, name: str, suffix: str) -> Response:
    """A variable's RDF: /variables/<datastore>/<NAME>.ttl, .jsonld, .rdf or .nt."""
    fmt = _suffix_format(suffix)
    return _send(exporting.variable_rdf(context(), datastore, name, fmt))


def variable_rdf_response(datastore: str, name: str, mimetype: str) -> Response:
    """For the variable page's route: the RDF representation when the Accept header asked
    for one of NEGOTIABLE's media types (406 for any other)."""
    fmt = NEGOTIABLE.get(mimetype)
    if fmt is None:
        raise not_acceptable()
    return _send(exporting.variable_rdf(context(), datastore, name, fmt))


def _suffix_format(suffix: str) -> str:
    fmt = SUFFIXES.get(suffix)
    if fmt is None:
        raise RegcatError(
            "http-404",
            "Siden eller ressursen finnes ikke.",
            f"There is no .{suffix} document; try .ttl, .jsonld, .rdf or .nt.",
            {"offered": [f".{s}" for s in SUFFIXES]},
            404,
        )
    return fmt


# ------------------------------------------------------------------------------ DDI
@linked_data.get("/ddi/<string:datastore>/<string:version>.xml")
def ddi(datastore: str, version: str) -> Response:
    """The DDI-Codebook 2.5 document of one released datastore version."""
    return _send(exporting.ddi_codebook_document(context(), datastore, version))


# ------------------------------------------------------------------------------ OAI-PMH
@linked_data.route("/oai", methods=["GET", "POST"])
def oai() -> Response:
    """OAI-PMH 2.0 (GET query or POST form), oai_dc and oai_ddi25."""
    source = request.form if request.method == "POST" else request.args
    page_size = int(current_app.config.get("OAI_PAGE_SIZE", exporting.OAI_PAGE_SIZE))
    body = exporting.oai_response(context(), list(source.items(multi=True)), page_size)
    response = Response(body, mimetype="text/xml")
    response.cache_control.no_cache = True  # every answer carries its own responseDate
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(linked_data)
