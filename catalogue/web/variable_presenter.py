"""A variable as the API returns it and as its page's structured data describe it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote as url_quote

from catalogue.domain.text import Texts, by_language, localise, pick
from catalogue.services.searching import VariableView
from catalogue.web import context

# What the catalogue's metadata may be reused under (Norwegian Licence for Open Government
# Data). Access to the microdata themselves is governed by the owner's agreements.
METADATA_LICENSE = "https://data.norge.no/nlod/no/2.0"


def page_path(datastore: str, name: str) -> str:
    """Path of a variable's page (the route in variables.py); built by hand because result
    lists need hundreds of them and url_for is slow."""
    return f"/variables/{quote(datastore)}/{quote(name)}"


def quote(segment: str) -> str:
    return url_quote(segment, safe="")


def page_url(datastore: str, name: str, lang: str | None = None) -> str:
    """Absolute URL of a variable's page: bokmål has no parameter, other languages ?lang=."""
    query = f"?lang={lang}" if lang and lang != "nb" else ""
    return f"{context().config.base_url}{page_path(datastore, name)}{query}"


def variable_document(view: VariableView, lang: str) -> dict[str, Any]:
    meta = view.shown.metadata
    ext = meta.extensions
    domain = meta.measure.value_domain
    return {
        "datastore": view.datastore,
        "name": view.name,
        "version": view.shown.version,
        "latest_version": view.latest_version,
        "current": view.current,
        "removed_in": view.removed_in,
        "label": pick(meta.label, lang),
        "description": pick(meta.description, lang),
        "labels": _all(meta.label),
        "descriptions": _all(meta.description),
        "technical_name": ext.technical_name,
        "register": {"key": view.register.key, "label": pick(view.register.name, lang)}
        if view.register
        else None,
        "owner": pick(view.register.owner.name, lang) if view.register else None,
        "product": {"key": view.product.id, "label": pick(view.product.title, lang)}
        if view.product
        else None,
        "unit_type": {"key": meta.unit_type, "label": pick(by_language(view.unit_type_name), lang)},
        "temporality": {
            "key": meta.temporality.value,
            "label": pick(by_language(view.temporality_name), lang),
        },
        "sensitivity": meta.sensitivity.value,
        "data_type": meta.measure.data_type.value,
        "exportable": ext.exportable,
        "valid_from": ext.valid_from,
        "valid_until": ext.valid_until,
        "categories": [pick(c, lang) for c in ext.categories],
        "subject_fields": [pick(s, lang) for s in meta.subject_fields],
        "population": pick(meta.population, lang),
        "definition_links": list(ext.definition_links),
        "value_domain": {
            "description": pick(domain.description, lang) or None,
            "unit_of_measure": pick(domain.measurement_unit, lang) or None,
            "code_list": [
                {
                    "valid_from": p.valid_from,
                    "valid_until": p.valid_until,
                    "codes": [{"code": c.code, "title": pick(c.title, lang)} for c in p.codes],
                }
                for p in view.code_periods
            ],
            "missing_values": [
                {"code": s.code, "title": pick(s.title, lang)} for s in domain.sentinels
            ],
        },
        "history": [
            {
                "version": r.version,
                "released_at": r.released_at,
                "operation": r.operation,
                "note": r.note,
                "superseded_in": r.superseded_in,
                "row_count": r.row_count,
                "unit_count": r.unit_count,
            }
            for r in reversed(view.releases)
        ],
        "import_step": view.example.step,
        "script": view.example.script,
        "url": page_url(view.datastore, view.name, lang),
    }


def _all(values: Texts) -> list[dict[str, str]]:
    return [{"language": t.language, "value": t.value} for t in values]


def json_ld(view: VariableView, lang: str) -> dict[str, Any]:
    """schema.org Dataset for search engines (Google's required and recommended fields)."""
    meta = view.shown.metadata
    ext = meta.extensions
    label = pick(meta.label, lang)
    keywords = [pick(c, lang) for c in ext.categories]
    keywords += [pick(s, lang) for s in meta.subject_fields]
    if view.register:
        keywords.append(pick(view.register.name, lang))
    if view.product:
        keywords.append(pick(view.product.title, lang))
    keywords += [meta.unit_type, pick(by_language(view.temporality_name), lang), view.name]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": f"{label} ({view.name})",
        "description": _description(view, lang),
        "identifier": f"{view.datastore}/{view.name}",
        "url": page_url(view.datastore, view.name, lang),
        "version": view.shown.version,
        "inLanguage": "en" if lang == "en" else "nb",
        "isAccessibleForFree": True,
        "license": METADATA_LICENSE,
        "keywords": list(dict.fromkeys(k for k in keywords if k)),
        "datePublished": view.releases[0].released_at.date().isoformat(),
        "dateModified": view.last_modified.date().isoformat(),
        "variableMeasured": _variable_measured(view, lang),
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "name": f"regcat {view.datastore}",
            "url": f"{context().config.base_url}/",
        },
    }
    coverage = _temporal_coverage(view)
    if coverage:
        data["temporalCoverage"] = coverage
    if view.register:
        owner = view.register.owner
        publisher: dict[str, Any] = {"@type": "Organization", "name": pick(owner.name, lang)}
        if owner.uri:
            publisher["url"] = owner.uri
        if owner.email:
            publisher["email"] = owner.email
        data["publisher"] = publisher
        data["creator"] = publisher
    return data


def json_ld_script(view: VariableView, lang: str) -> str:
    """The JSON-LD as safe content of a <script> element."""
    text = json.dumps(json_ld(view, lang), ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _description(view: VariableView, lang: str) -> str:
    """Google wants 50–5,000 characters: the variable's description, then what it is about."""
    meta = view.shown.metadata
    parts = [pick(meta.description, lang).strip()]
    register = pick(view.register.name, lang) if view.register else None
    label = pick(meta.label, lang)
    parts.append(
        localise(
            (
                f"Variabel {view.name} ({label}) om enhetstypen {meta.unit_type}"
                + (f" i {register}" if register else "")
                + ".",
                f"Variable {view.name} ({label}) about the unit type {meta.unit_type}"
                + (f" in {register}" if register else "")
                + ".",
            ),
            lang,
        )
    )
    text = " ".join(p for p in parts if p)
    return text if len(text) <= 5000 else text[:4999] + "…"


def _variable_measured(view: VariableView, lang: str) -> dict[str, Any]:
    meta = view.shown.metadata
    domain = meta.measure.value_domain
    prop: dict[str, Any] = {
        "@type": "PropertyValue",
        "name": view.name,
        "description": pick(meta.label, lang),
    }
    if meta.extensions.technical_name:
        prop["alternateName"] = meta.extensions.technical_name
    unit = pick(domain.measurement_unit, lang)
    if unit:
        prop["unitText"] = unit
    if meta.measure.uri_definition:
        prop["propertyID"] = meta.measure.uri_definition[0]
    return prop


def _temporal_coverage(view: VariableView) -> str | None:
    ext = view.shown.metadata.extensions
    start = ext.valid_from or view.shown.start_min
    end = ext.valid_until or (view.shown.stop_max if not view.current else None)
    if start is None:
        return None
    return f"{start.isoformat()}/{end.isoformat() if end else '..'}"
