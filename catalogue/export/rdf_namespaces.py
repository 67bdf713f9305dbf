"""The vocabularies the RDF exports use, with the prefixes every serialisation declares.

Only DCAT 3 terms are used where DCAT 3 has one (dcat:version, dcat:hasVersion,
dcat:previousVersion rather than owl:versionInfo, dct:hasVersion, ...).
"""

from __future__ import annotations


class Namespace:
    """An IRI prefix whose attributes are IRIs (plain strings) in it: DCAT.Dataset. Not a
    str itself, so terms like dct:title and dct:format cannot collide with str methods.
    Terms are made once and kept, because the exports look up millions of them."""

    def __init__(self, iri: str) -> None:
        self._iri = iri

    def __getattr__(self, local: str) -> str:
        if local.startswith("_"):
            raise AttributeError(local)
        iri = self._iri + local
        self.__dict__[local] = iri
        return iri

    def term(self, local: str) -> str:
        return self._iri + local

    def __str__(self) -> str:
        return self._iri


RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
XKOS = Namespace("http://rdf-vocabulary.ddialliance.org/xkos#")
SCHEMA = Namespace("http://schema.org/")

# EU authority tables (publications.europa.eu "MDR" vocabularies).
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
EU_ACCESS_RIGHT = Namespace(EU_AUTHORITY + "access-right/")
EU_DATA_THEME = Namespace(EU_AUTHORITY + "data-theme/")
EU_LANGUAGE = Namespace(EU_AUTHORITY + "language/")
EU_COUNTRY = Namespace(EU_AUTHORITY + "country/")
EU_LICENCE = Namespace(EU_AUTHORITY + "licence/")
EU_FREQUENCY = Namespace(EU_AUTHORITY + "frequency/")

PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "dcat": str(DCAT),
    "dct": str(DCT),
    "adms": str(ADMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "skos": str(SKOS),
    "xkos": str(XKOS),
    "schema": str(SCHEMA),
    "euaccess": str(EU_ACCESS_RIGHT),
    "eutheme": str(EU_DATA_THEME),
    "eulang": str(EU_LANGUAGE),
    "eucountry": str(EU_COUNTRY),
    "eulicence": str(EU_LICENCE),
    "eufreq": str(EU_FREQUENCY),
}
