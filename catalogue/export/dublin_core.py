"""Simple Dublin Core (oai_dc) for one variable: what every OAI-PMH harvester reads."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from catalogue.domain.text import pick
from catalogue.export.dcat_shared import ANALYSIS_RIGHTS, EXPORT_RIGHTS
from catalogue.export.eu_vocabularies import themes_for
from catalogue.export.inputs import Site, Snapshot, register_of, utc
from catalogue.export.iris import Iris
from catalogue.export.language import bilingual, label_of, pair
from catalogue.export.xml_text import XSI_SCHEMA_LOCATION, Builder

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"

ET.register_namespace("oai_dc", OAI_DC_NS)
ET.register_namespace("dc", DC_NS)
_oai_dc = Builder(OAI_DC_NS)
_dc = Builder(DC_NS)


def variable_dc(snapshot: Snapshot, name: str, site: Site) -> ET.Element:
    history = snapshot.variables[name]
    latest = history[-1]
    meta = latest.metadata
    register = register_of(snapshot, meta)
    iris = Iris(site.base)
    root = _oai_dc.el(None, "dc")
    root.set(XSI_SCHEMA_LOCATION, f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
    _dc.texts(root, "title", label_of(meta))
    if register is not None:
        _dc.texts(root, "creator", bilingual(register.owner.name))
    keywords = [*meta.extensions.categories, *meta.subject_fields]
    subjects = dict.fromkeys(item for texts in keywords for item in bilingual(texts))
    for term in themes_for([text for _, text in subjects] + [v.value for v in meta.label]):
        subjects.update(dict.fromkeys(pair(term.nb, term.en)))
    for lang, text in subjects:
        _dc.texts(root, "subject", [(lang, text)])
    _dc.texts(root, "description", bilingual(meta.description))
    if latest.superseded_in is not None:
        removed = latest.superseded_in
        _dc.texts(
            root,
            "description",
            pair(
                f"Fjernet fra datalageret i versjon {removed}; eldre versjoner kan fortsatt brukes.",
                f"Removed from the datastore in version {removed}; older versions remain usable.",
            ),
        )
    _dc.texts(root, "publisher", bilingual(site.publisher_name))
    for day in dict.fromkeys(utc(r.released_at).date().isoformat() for r in (history[0], latest)):
        _dc.el(root, "date", day)
    _dc.el(root, "type", "Dataset")
    _dc.el(root, "identifier", iris.variable_page(snapshot.datastore, name))
    _dc.el(root, "identifier", f"{snapshot.datastore}:{name}")
    _dc.el(root, "language", "nb")
    _dc.el(root, "language", "en")
    _dc.el(root, "relation", iris.catalog(snapshot.datastore))
    start, stop = latest.start_min, latest.stop_max
    if start or stop:
        _dc.el(root, "coverage", f"{start or '..'}/{stop or '..'}")
    _dc.texts(root, "coverage", bilingual(meta.spatial_coverage))
    _dc.texts(root, "rights", ANALYSIS_RIGHTS)
    if meta.extensions.exportable:
        _dc.texts(root, "rights", EXPORT_RIGHTS)
    _dc.el(root, "source", pick(register.name, "nb") if register else snapshot.datastore)
    return root


def description_dc(pairs: list[tuple[str, str]]) -> ET.Element:
    """An oai_dc record holding only descriptions (for OAI-PMH set descriptions)."""
    root = _oai_dc.el(None, "dc")
    root.set(XSI_SCHEMA_LOCATION, f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
    _dc.texts(root, "description", pairs)
    return root
