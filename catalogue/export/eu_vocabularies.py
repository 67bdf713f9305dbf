"""The EU authority-table terms the exports use, with their labels in bokmål and English.

A local copy: the exports must not fetch anything, and DCAT-AP's range and vocabulary
shapes want every term typed, labelled and placed in its scheme (skos:inScheme) inside the
exported document itself. English labels are the Publications Office's; bokmål labels
follow data.norge.no's translations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from catalogue.export.rdf_model import Resource
from catalogue.export.rdf_namespaces import (
    DCT,
    EU_ACCESS_RIGHT,
    EU_AUTHORITY,
    EU_COUNTRY,
    EU_DATA_THEME,
    EU_FREQUENCY,
    EU_LANGUAGE,
    EU_LICENCE,
    SKOS,
)


@dataclass(frozen=True)
class Term:
    iri: str
    scheme: str
    nb: str
    en: str
    classes: tuple[str, ...] = ()  # the DCAT-AP range class(es) besides skos:Concept


def _scheme(table: str) -> str:
    return EU_AUTHORITY + table


DATA_THEME_SCHEME = _scheme("data-theme")

_THEMES = {
    "AGRI": ("Jordbruk, fiske, skogbruk og mat", "Agriculture, fisheries, forestry and food"),
    "ECON": ("Økonomi og finans", "Economy and finance"),
    "EDUC": ("Utdanning, kultur og sport", "Education, culture and sport"),
    "ENER": ("Energi", "Energy"),
    "ENVI": ("Miljø", "Environment"),
    "GOVE": ("Forvaltning og offentlig sektor", "Government and public sector"),
    "HEAL": ("Helse", "Health"),
    "INTR": ("Internasjonale temaer", "International issues"),
    "JUST": ("Justis, rettssystem og allmenn sikkerhet", "Justice, legal system and public safety"),
    "REGI": ("Regioner og byer", "Regions and cities"),
    "SOCI": ("Befolkning og samfunn", "Population and society"),
    "TECH": ("Vitenskap og teknologi", "Science and technology"),
    "TRAN": ("Transport", "Transport"),
}
THEMES = {
    code: Term(EU_DATA_THEME.term(code), DATA_THEME_SCHEME, nb, en)
    for code, (nb, en) in _THEMES.items()
}

ACCESS_RESTRICTED = Term(
    EU_ACCESS_RIGHT.RESTRICTED,
    _scheme("access-right"),
    "Begrenset",
    "Restricted",
    (DCT.RightsStatement,),
)
ACCESS_PUBLIC = Term(
    EU_ACCESS_RIGHT.PUBLIC, _scheme("access-right"), "Offentlig", "Public", (DCT.RightsStatement,)
)
LANGUAGE_NB = Term(
    EU_LANGUAGE.NOB,
    _scheme("language"),
    "Norsk bokmål",
    "Norwegian Bokmål",
    (DCT.LinguisticSystem,),
)
LANGUAGE_EN = Term(
    EU_LANGUAGE.ENG, _scheme("language"), "Engelsk", "English", (DCT.LinguisticSystem,)
)
NORWAY = Term(EU_COUNTRY.NOR, _scheme("country"), "Norge", "Norway", (DCT.Location,))
CC_BY_4_0 = Term(
    EU_LICENCE.CC_BY_4_0,
    _scheme("licence"),
    "Creative Commons Navngivelse 4.0 Internasjonal",
    "Creative Commons Attribution 4.0 International",
    (DCT.LicenseDocument,),
)
IRREGULAR = Term(
    EU_FREQUENCY.IRREG, _scheme("frequency"), "Uregelmessig", "irregular", (DCT.Frequency,)
)

# Which data theme a variable belongs to, from words in its subject fields, categories,
# register and data product. Checked in order; a variable may get several themes.
_THEME_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "HEAL",
        (
            "helse",
            "kreft",
            "pasient",
            "sykehus",
            "diagnos",
            "behandling",
            "health",
            "cancer",
            "patient",
            "hospital",
            "treatment",
            "dødsårsak",
        ),
    ),
    ("EDUC", ("utdanning", "skole", "studie", "education", "school", "student")),
    (
        "ECON",
        (
            "inntekt",
            "skatt",
            "lønn",
            "formue",
            "økonomi",
            "income",
            "tax",
            "wage",
            "wealth",
            "econom",
            "foretak",
            "enterprise",
        ),
    ),
    ("REGI", ("kommune", "fylke", "bosted", "region", "municipal", "county", "residence")),
    ("JUST", ("kriminal", "straff", "crime", "justice")),
    (
        "SOCI",
        (
            "befolkning",
            "familie",
            "sivilstand",
            "husholdning",
            "trygd",
            "arbeid",
            "population",
            "family",
            "marital",
            "household",
            "welfare",
            "labour",
        ),
    ),
)
DEFAULT_THEME = "SOCI"  # register data on persons is, first of all, about population


_THEME_PATTERNS = [(code, re.compile("|".join(stems))) for code, stems in _THEME_WORDS]


def themes_for(words: Iterable[str]) -> list[Term]:
    text = " ".join(words).lower()
    codes = [code for code, pattern in _THEME_PATTERNS if pattern.search(text)]
    return [THEMES[c] for c in codes or [DEFAULT_THEME]]


def describe_term(term: Term) -> Resource:
    r = Resource(term.iri, [SKOS.Concept, *term.classes])
    r.text(SKOS.prefLabel, [("nb", term.nb), ("en", term.en)])
    r.add(SKOS.inScheme, term.scheme)
    return r


def describe_theme_scheme() -> Resource:
    """The data-theme table itself, named as the catalogue's theme taxonomy."""
    r = Resource(DATA_THEME_SCHEME, [SKOS.ConceptScheme])
    r.text(DCT.title, [("nb", "Datatema (EU)"), ("en", "Data theme (EU)")])
    return r
