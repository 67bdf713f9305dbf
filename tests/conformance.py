"""The official shapes and schemas the exports are checked against, found through one setting.

The DCAT-AP / DCAT-AP-NO / XKOS SHACL shapes, the DDI-Codebook 2.5 XSD, the CESSDA DDI
profile and the schema.org Dataset shapes are not ours to ship, so they live outside the
repository: in the folder named by `REGCAT_CONFORMANCE_DIR` (default `../shared/conformance`
beside the clone). Every conformance test reaches them through `conformance_path`, so that:

- in a fresh clone without that folder each such test is skipped, and the reason names the
  setting and the path that was tried (the rest of the suite still runs);
- under `REGCAT_REQUIRE_ALL=1` (CI) the same absence fails the test instead, so a CI run
  cannot pass by checking nothing.

The harness itself (pyshacl for the shapes, lxml for the XSD) is here too, so that no test
module opens a conformance file on its own.
"""

from __future__ import annotations

import os
from pathlib import Path

from lxml import etree
from pyshacl import validate
from rdflib import Graph

from tests.conftest import REPO, skip_or_fail

SETTING = "REGCAT_CONFORMANCE_DIR"
DEFAULT = REPO.parent / "shared" / "conformance"

DCAT_AP_SHAPES = ("dcat-ap-3.0.1/html-shacl/shapes.ttl", "dcat-ap-3.0.1/html-shacl/range.ttl")
DCAT_AP_NO_SHAPES = ("dcat-ap-no/DCAT-AP-NO-shacl_shapes_2.00.ttl",)
XKOS_SHAPES = ("xkos/xkos-best-practices-conformance-shapes.ttl",)
SCHEMA_ORG_SHAPES = ("schema-org-dataset/googleRequired.ttl",)
DDI_CODEBOOK_XSD = "ddi-codebook-2.5.1/schemas/codebook.xsd"
CESSDA_PROFILE = "cessda-cdc-ddi25-profile/cdc25_profile.xml"
CESSDA_NS = {"ddi": "ddi:codebook:2_5", "xsi": "http://www.w3.org/2001/XMLSchema-instance"}


def conformance_dir() -> Path:
    """The folder the setting names (read on every call, so a test may change it)."""
    configured = os.environ.get(SETTING, "").strip()
    return Path(configured).expanduser().resolve() if configured else DEFAULT


def conformance_path(relative: str) -> Path:
    """The file `relative` inside the conformance folder; skips (or, under
    REGCAT_REQUIRE_ALL=1, fails) the calling test when it is not there."""
    folder = conformance_dir()
    found = folder / relative
    if not found.is_file():
        skip_or_fail(
            f"conformance file {relative} not found: {SETTING} points at {folder} "
            f"(tried {found}); set {SETTING} to the folder holding the official shapes and "
            "schemas"
        )
    return found


# ----------------------------------------------------------------------------- SHACL
_LOADED: dict[tuple[Path, ...], Graph] = {}


def shapes_graph(shapes: tuple[str, ...]) -> Graph:
    paths = tuple(conformance_path(p) for p in shapes)
    if paths not in _LOADED:
        graph = Graph()
        for path in paths:
            graph.parse(path, format="turtle")
        _LOADED[paths] = graph
    return _LOADED[paths]


def violations(data: Graph, shapes: tuple[str, ...]) -> list[str]:
    """Every top-level sh:Violation of the report (warnings, infos and the nested details
    of a result are not counted)."""
    _, report, _ = validate(data, shacl_graph=shapes_graph(shapes), inference="none", advanced=True)
    query = """
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?focus ?path ?message WHERE {
            ?report sh:result ?r .
            ?r sh:resultSeverity sh:Violation ; sh:focusNode ?focus .
            OPTIONAL { ?r sh:resultPath ?path } OPTIONAL { ?r sh:resultMessage ?message }
        }"""
    return sorted(f"{row.focus} {row.path} {row.message}" for row in report.query(query))


# ----------------------------------------------------------------------------- DDI
def ddi_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(conformance_path(DDI_CODEBOOK_XSD)), parser))


def cessda_mandatory_xpaths() -> list[tuple[str, str | None]]:
    """(xpath, parent xpath or None) for what the CESSDA profile marks mandatory: always,
    or when the parent element is present."""
    profile = etree.parse(str(conformance_path(CESSDA_PROFILE)))
    ns = {"pr": "ddi:ddiprofile:3_2", "r": "ddi:reusable:3_2"}
    found = []
    for used in profile.iterfind(".//pr:Used", ns):
        xpath = used.get("xpath")
        instructions = "".join(used.xpath(".//pr:Instructions//text()", namespaces=ns))
        if used.get("isRequired") == "true" or "<MandatoryNodeConstraint" in instructions:
            found.append((xpath, None))
        elif "MandatoryNodeIfParentPresentConstraint" in instructions:
            found.append((xpath, xpath.rsplit("/", 1)[0]))
    return found


def missing_cessda_elements(document: etree._Element) -> list[str]:
    missing = []
    for xpath, parent in cessda_mandatory_xpaths():
        if parent is not None and not document.xpath(parent, namespaces=CESSDA_NS):
            continue
        if not document.xpath(xpath, namespaces=CESSDA_NS):
            missing.append(xpath)
    return missing
