"""Words of the search and variable pages, in bokmål (default) and English. A number
placeholder may name its noun ("{count:code}", see catalogue.domain.plurals)."""

from __future__ import annotations

from typing import Any

from catalogue.domain.plurals import fill
from catalogue.domain.text import localise

PAGE_WORDS: dict[str, tuple[str, str]] = {
    # key: (bokmål, English)
    "site-title": ("Variabelkatalog", "Variable catalogue"),
    "search-heading": ("Finn variabler", "Find variables"),
    "search-label": ("Søk etter variabler", "Search for variables"),
    "search-hint": (
        "Søk på navn, beskrivelse, register, kategori eller kode. Eksempel: kreft, bostedskommune.",
        "Search by name, description, register, category or code. Example: cancer, municipality.",
    ),
    "search-button": ("Søk", "Search"),
    "show": ("Vis", "Show"),
    "all-variables": ("Alle variabler", "All variables"),
    "exportable-variables": ("Variabler som kan utleveres", "Exportable variables"),
    "more-filters": ("Flere filtre", "More filters"),
    "valid-from": ("Gyldig fra", "Valid from"),
    "valid-until": ("Gyldig til", "Valid until"),
    "validity": ("Gyldighet", "Validity"),
    "valid-interval-hint": (
        "Viser variabler som er gyldige en gang i perioden.",
        "Shows variables valid at some time in the interval.",
    ),
    "categories": ("Kategorier", "Categories"),
    "unit-type": ("Enhetstype", "Unit type"),
    "temporality": ("Temporalitet", "Temporality"),
    "apply-filters": ("Bruk filtre", "Apply filters"),
    "clear-filters": ("Nullstill", "Clear all"),
    "data-products": ("Registre og dataprodukter", "Registers and data products"),
    "all-registers": ("Alle registre", "All registers"),
    "found": ("Funnet: {count}", "Found: {count}"),
    "results": ("Søkeresultat", "Search results"),
    "no-hits": (
        "Ingen variabler passer søket. Prøv færre ord eller fjern et filter.",
        "No variables match. Try fewer words or remove a filter.",
    ),
    "beyond-last-page": ("Det er ingen treff på denne siden.", "There are no hits on this page."),
    "first-page": ("Gå til første side", "Go to the first page"),
    "name-and-description": ("Navn og kort beskrivelse", "Name and short description"),
    "exportable": ("Kan utleveres", "Exportable"),
    "technical-name": ("Anbefalt teknisk navn", "Recommended technical name"),
    "yes": ("Ja", "Yes"),
    "no": ("Nei", "No"),
    "sort-by": ("Sorter etter {column}", "Sort by {column}"),
    "page-of": ("Side {page} av {pages}", "Page {page} of {pages}"),
    "previous": ("Forrige", "Previous"),
    "next": ("Neste", "Next"),
    "pagination": ("Sider", "Pages"),
    "other-language": ("English", "Norsk"),
    "datastores": ("Datalagre", "Datastores"),
    "api-docs": ("API-dokumentasjon", "API documentation"),
    # variable page
    "short-name": ("Kortnavn", "Short name"),
    "register": ("Register", "Register"),
    "owner": ("Eier", "Owner"),
    "data-product": ("Dataprodukt", "Data product"),
    "data-type": ("Datatype", "Data type"),
    "sensitivity": ("Sensitivitet", "Sensitivity"),
    "population": ("Populasjon", "Population"),
    "subject-fields": ("Emner", "Subjects"),
    "spatial-coverage": ("Geografisk dekning", "Spatial coverage"),
    "version": ("Versjon", "Version"),
    "open-ended": ("–", "–"),
    "definitions": ("Definisjoner", "Definitions"),
    "about": ("Om variabelen", "About the variable"),
    "value-domain": ("Verdier", "Values"),
    "unit-of-measure": ("Måleenhet", "Unit of measure"),
    "code-list": ("Kodeliste", "Code list"),
    "code": ("Kode", "Code"),
    "category-title": ("Kategori", "Category"),
    "period": ("Gyldig {start} – {end}", "Valid {start} – {end}"),
    "codes-count": ("{count:code}", "{count:code}"),
    "missing-values": ("Spesialverdier og manglende verdier", "Special and missing values"),
    "how-to-use": ("Slik henter du variabelen", "How to use the variable"),
    "how-to-use-api": (
        "Steg i analyse-API-et (JSON):",
        "Step in the analysis API (JSON):",
    ),
    "how-to-use-script": (
        "Tilsvarende linje i et microdata.no-skript:",
        "The same as a line of a microdata.no script:",
    ),
    "how-to-use-fixed": (
        "Faste variabler hentes uten dato.",
        "Fixed variables are imported without a date.",
    ),
    "how-to-use-status": (
        "Tverrsnittsvariabler hentes på en dato: verdien som gjaldt den dagen.",
        "Status variables are imported at a date: the value valid on that day.",
    ),
    "how-to-use-accumulated": (
        "Akkumulerte variabler hentes på en dato: perioden som inneholder datoen.",
        "Accumulated variables are imported at a date: the period containing it.",
    ),
    "how-to-use-event": (
        "Forløpsvariabler hentes for en periode: alle forløp som overlapper den.",
        "Event variables are imported for a period: every spell overlapping it.",
    ),
    "history": ("Versjoner og endringslogg", "Versions and changelog"),
    "released": ("Publisert", "Released"),
    "operation": ("Endring", "Change"),
    "note": ("Merknad", "Note"),
    "in-versions": ("I versjoner", "In versions"),
    "removed-in": (
        "Variabelen ble fjernet i versjon {version}. Siden viser siste publiserte metadata.",
        "The variable was removed in version {version}. This page shows its last metadata.",
    ),
    "showing-version": (
        "Du ser metadata fra versjon {version}.",
        "You are looking at the metadata of version {version}.",
    ),
    "newest-version": ("Vis nyeste versjon", "Show the newest version"),
    "back-to-search": ("Tilbake til søket", "Back to search"),
    "op-ADD": ("Lagt til", "Added"),
    "op-CHANGE": ("Nye data", "New data"),
    "op-PATCH_METADATA": ("Metadata rettet", "Metadata corrected"),
    "op-APPEND": ("Nye perioder lagt til", "Periods appended"),
    "op-REMOVE": ("Fjernet", "Removed"),
    "rows-units": ("{rows:row}, {units:unit}", "{rows:row}, {units:unit}"),
}


def word(key: str, lang: str = "nb", **kwargs: Any) -> str:
    # Without values a text is given as written (str.format is not applied).
    return (
        fill(PAGE_WORDS[key], lang, group=True, **kwargs)
        if kwargs
        else localise(PAGE_WORDS[key], lang)
    )
