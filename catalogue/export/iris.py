"""Stable IRIs, all under the site's base URL.

A variable's page, /variables/<datastore>/<NAME>, answers with HTML or RDF by content
negotiation, and everything described in its RDF document has a hash IRI on that page
(#series, #version-1.0.0.0, #codes-...), so dereferencing any of them gives the document
that describes it. Things shared by a whole datastore (its catalogue, owners, the analysis
service) hang off /catalog/<datastore> the same way.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from urllib.parse import quote


@lru_cache(maxsize=1 << 16)
def _part(text: str) -> str:
    return quote(text, safe="")


class Iris:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    # pages and documents -------------------------------------------------------------
    def home(self) -> str:
        return f"{self.base}/"

    def catalog_document(self) -> str:
        return f"{self.base}/catalog"

    def catalog(self, datastore: str) -> str:
        return f"{self.base}/catalog/{_part(datastore)}"

    def variable_page(self, datastore: str, name: str) -> str:
        return f"{self.base}/variables/{_part(datastore)}/{_part(name)}"

    def ddi_document(self, datastore: str, version: str) -> str:
        return f"{self.base}/ddi/{_part(datastore)}/{_part(version)}.xml"

    def oai_endpoint(self) -> str:
        return f"{self.base}/oai"

    def api(self) -> str:
        return f"{self.base}/api/v1/"

    def api_description(self) -> str:
        return f"{self.base}/api/v1/openapi.json"

    # things described ----------------------------------------------------------------
    def operator(self) -> str:
        return f"{self.base}/catalog#publisher"

    def rights(self, kind: str) -> str:
        return f"{self.base}/catalog#rights-{kind}"

    def owner(self, datastore: str, register: str) -> str:
        return f"{self.catalog(datastore)}#owner-{_part(register)}"

    def contact(self, datastore: str, register: str) -> str:
        return f"{self.catalog(datastore)}#contact-{_part(register)}"

    def analysis_service(self, datastore: str) -> str:
        return f"{self.catalog(datastore)}#analysis-service"

    def series(self, datastore: str, name: str) -> str:
        return f"{self.variable_page(datastore, name)}#series"

    def release(self, datastore: str, name: str, version: str) -> str:
        return f"{self.variable_page(datastore, name)}#version-{_part(version)}"

    def code_scheme(self, datastore: str, name: str, version: str, valid_from: date) -> str:
        return f"{self.variable_page(datastore, name)}#codes-{_part(version)}-{valid_from}"

    def code(
        self, datastore: str, name: str, version: str, code: str, valid_from: date | None
    ) -> str:
        since = valid_from.isoformat() if valid_from else "always"
        return f"{self.variable_page(datastore, name)}#code-{_part(version)}-{_part(code)}-{since}"
