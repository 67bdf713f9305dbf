"""A small, realistic catalogue snapshot built by hand (three versions, five variables,
code lists with validity periods, a removed variable), and checks of it and of the
conformance harness (tests/conformance.py)."""

from __future__ import annotations

import warnings
from dataclasses import replace
from datetime import UTC, date, datetime
from itertools import pairwise

import pytest
from rdflib import Graph

from catalogue.domain.enums import DataType, SensitivityLevel, Temporality
from catalogue.domain.register import DataProduct, Owner, Register
from catalogue.domain.text import texts
from catalogue.domain.variable import (
    Code,
    Extensions,
    Measure,
    SentinelCode,
    ValueDomain,
    VariableMetadata,
)
from catalogue.export.inputs import Site
from catalogue.services.reading import CatalogueSnapshot, VariableRelease, VersionSummary
from tests.conformance import (
    DCAT_AP_NO_SHAPES,
    DCAT_AP_SHAPES,
    cessda_mandatory_xpaths,
    conformance_path,
    violations,
)

DATASTORE = "no.regcat.demo"
SITE = Site(base_url="https://regcat.example.no", contact_email="post@regcat.example.no")
T1 = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)
T2 = datetime(2024, 6, 1, 12, 0)  # naive, as SQLite hands it back
T3 = datetime(2025, 2, 3, 8, 0, tzinfo=UTC)

FOLKEREGISTERET = Register(
    key="folkeregisteret",
    name=texts(nb="Folkeregisteret", en="National Population Register"),
    owner=Owner(
        texts(nb="Skatteetaten", en="Norwegian Tax Administration"),
        "https://www.skatteetaten.no/person/folkeregister/",
        "folkeregisteret@skatteetaten.no",
    ),
    description=texts(nb="Personer bosatt i Norge.", en="Persons resident in Norway."),
    data_products=(
        DataProduct(
            "befolkning-grunndata", texts(nb="Befolkning - grunndata", en="Population - basic data")
        ),
        DataProduct(
            "befolkning-familie", texts(nb="Befolkning - familie", en="Population - family")
        ),
    ),
)
INNTEKT = Register(
    key="inntekt",
    name=texts(nb="Inntekts- og formuesstatistikk", en="Income and wealth statistics"),
    owner=Owner(
        texts(nb="Statistisk sentralbyrå", en="Statistics Norway"),
        "https://organization-catalog.fellesdatakatalog.digdir.no/organizations/971526920",
        "datahjelp@ssb.no",
    ),
    data_products=(
        DataProduct("inntekt-person", texts(nb="Inntekt - person", en="Income - person")),
    ),
)
KREFT = Register(
    key="kreftregisteret",
    name=texts(nb="Kreftregisteret", en="Cancer Registry of Norway"),
    owner=Owner(texts(nb="Kreftregisteret", en="Cancer Registry of Norway"), None, None),
    data_products=(
        DataProduct(
            "krefttilfeller",
            texts(nb="Krefttilfeller - diagnostikk", en="Cancer cases - diagnostics"),
        ),
    ),
)

SEX_CODES = (
    Code("1", texts(nb="Mann", en="Male"), date(1900, 1, 1)),
    Code("2", texts(nb="Kvinne", en="Female"), date(1900, 1, 1)),
)
MARITAL_CODES = (
    Code("1", texts(nb="Ugift", en="Unmarried"), date(1900, 1, 1)),
    Code("2", texts(nb="Gift", en="Married"), date(1900, 1, 1)),
    Code(
        "6",
        texts(nb="Registrert partner", en="Registered partner"),
        date(1993, 8, 1),
        date(2008, 12, 31),
    ),
)


def variable(
    name: str,
    label: tuple[str, str],
    description: tuple[str, str],
    *,
    register: Register,
    product: str,
    temporality: Temporality = Temporality.FIXED,
    data_type: DataType = DataType.STRING,
    codes: tuple[Code, ...] = (),
    sentinels: tuple[SentinelCode, ...] = (),
    exportable: bool = True,
    category: tuple[str, str] = ("Befolkning", "Population"),
    valid_from: date | None = date(1925, 1, 1),
    unit_type: str = "PERSON",
) -> VariableMetadata:
    domain = (
        ValueDomain(
            codes=codes,
            sentinels=sentinels,
            uri_definition=("https://www.ssb.no/klass/klassifikasjoner/19",),
        )
        if codes
        else ValueDomain(
            description=texts(nb="Verdi", en="Value"), measurement_unit=texts(nb="kroner", en="NOK")
        )
    )
    return VariableMetadata(
        name=name,
        temporality=temporality,
        sensitivity=SensitivityLevel.PERSON_GENERAL,
        unit_type=unit_type,
        measure=Measure(
            label=texts(nb=label[0], en=label[1]),
            description=texts(nb=description[0], en=description[1]),
            data_type=data_type,
            value_domain=domain,
        ),
        population=texts(nb="Alle bosatte i Norge", en="Everyone resident in Norway"),
        subject_fields=(texts(nb=category[0], en=category[1]),),
        spatial_coverage=texts(nb="Norge", en="Norway"),
        revision_note=texts(nb="Første publisering.", en="First publication."),
        extensions=Extensions(
            register=register.key,
            data_product=product,
            exportable=exportable,
            technical_name=name.lower(),
            valid_from=valid_from,
            categories=(texts(nb=category[0], en=category[1]),),
            definition_links=("https://www.ssb.no/a/metadata/conceptvariable/vardok/2696",),
        ),
    )


SEX = variable(
    "BEFOLKNING_KJOENN",
    ("Kjønn", "Sex"),
    ("Personens juridiske kjønn.", "The person's legal sex."),
    register=FOLKEREGISTERET,
    product="befolkning-grunndata",
    codes=SEX_CODES,
)
MARITAL = variable(
    "BEFOLKNING_SIVSTAND",
    ("Sivilstand", "Marital status"),
    ("Personens sivilstand som perioder.", "The person's marital status as spells."),
    register=FOLKEREGISTERET,
    product="befolkning-familie",
    temporality=Temporality.EVENT,
    codes=MARITAL_CODES,
    sentinels=(SentinelCode("99", texts(nb="Uoppgitt", en="Unknown")),),
    category=("Familie", "Family"),
)
INCOME = variable(
    "INNTEKT_WLONN",
    ("Lønnsinntekt", "Wage income"),
    ("Samlet lønnsinntekt i året, kroner.", "Total wage income in the year, NOK."),
    register=INNTEKT,
    product="inntekt-person",
    temporality=Temporality.ACCUMULATED,
    data_type=DataType.LONG,
    category=("Inntekt", "Income"),
    valid_from=date(2015, 1, 1),
)
DEATH = variable(
    "BEFOLKNING_DOEDS_DATO",
    ("Dødsdato", "Date of death"),
    ("Datoen personen døde.", "The date the person died."),
    register=FOLKEREGISTERET,
    product="befolkning-grunndata",
    data_type=DataType.DATE,
    exportable=False,
)
CANCER = variable(
    "KREFT_DIAGNOSEDATO",
    ("Diagnosedato", "Date of diagnosis"),
    ("Datoen kreftdiagnosen ble stilt.", "The date the cancer was diagnosed."),
    register=KREFT,
    product="krefttilfeller",
    temporality=Temporality.EVENT,
    data_type=DataType.DATE,
    exportable=False,
    category=("Kreft", "Cancer"),
    unit_type="KRG_KREFTTILFELLE",
)


def release(
    version: str,
    at: datetime,
    meta: VariableMetadata,
    operation: str = "ADD",
    superseded_in: str | None = None,
    note: str = "Sample registers",
) -> VariableRelease:
    return VariableRelease(
        version=version,
        released_at=at,
        operation=operation,
        note=note,
        metadata=meta,
        row_count=1000,
        unit_count=900,
        start_min=date(2015, 1, 1),
        stop_max=date(2023, 12, 31),
        superseded_in=superseded_in,
    )


def sample_snapshot() -> CatalogueSnapshot:
    marital_patched = replace(
        MARITAL,
        measure=replace(
            MARITAL.measure,
            description=texts(nb="Sivilstand, rettet.", en="Marital status, corrected."),
        ),
    )
    return CatalogueSnapshot(
        datastore=DATASTORE,
        versions=(
            VersionSummary("2.0.0.0", T3, "kari", "New income year; death date withdrawn"),
            VersionSummary("1.1.0.0", T2, "kari", "Cancer registry added"),
            VersionSummary("1.0.0.0", T1, "kari", "Sample registers, first release"),
        ),
        registers=(FOLKEREGISTERET, INNTEKT, KREFT),
        variables={
            "BEFOLKNING_DOEDS_DATO": (release("1.0.0.0", T1, DEATH, superseded_in="2.0.0.0"),),
            "BEFOLKNING_KJOENN": (release("1.0.0.0", T1, SEX),),
            "BEFOLKNING_SIVSTAND": (
                release("1.0.0.0", T1, MARITAL, superseded_in="2.0.0.0"),
                release(
                    "2.0.0.0", T3, marital_patched, "PATCH_METADATA", note="Clearer description"
                ),
            ),
            "INNTEKT_WLONN": (
                release("1.0.0.0", T1, INCOME, superseded_in="2.0.0.0"),
                release("2.0.0.0", T3, INCOME, "CHANGE", note="Income year 2024 added"),
            ),
            "KREFT_DIAGNOSEDATO": (release("1.1.0.0", T2, CANCER),),
        },
        current=frozenset(
            {"BEFOLKNING_KJOENN", "BEFOLKNING_SIVSTAND", "INNTEKT_WLONN", "KREFT_DIAGNOSEDATO"}
        ),
    )


# ----------------------------------------------------------------------------- helpers
def parse_rdf(text: str | bytes, rdflib_format: str) -> Graph:
    """Parse an RDF document with rdflib. Its JSON-LD parser warns that it uses the
    deprecated ConjunctiveGraph internally; that warning is rdflib's own and is ignored."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="ConjunctiveGraph is deprecated", category=DeprecationWarning
        )
        return Graph().parse(data=text, format=rdflib_format)


# ----------------------------------------------------------------------------- checks
def test_the_sample_snapshot_is_consistent() -> None:
    snapshot = sample_snapshot()
    labels = [v.version for v in snapshot.versions]
    for name, history in snapshot.variables.items():
        for earlier, later in pairwise(history):
            assert earlier.superseded_in == later.version, name
            assert labels.index(earlier.version) > labels.index(later.version)
    assert "BEFOLKNING_DOEDS_DATO" not in snapshot.current


def test_the_cessda_profile_yields_mandatory_paths() -> None:
    paths = [p for p, _ in cessda_mandatory_xpaths()]
    assert "/ddi:codeBook/ddi:stdyDscr/ddi:citation/ddi:titlStmt/ddi:IDNo/@agency" in paths
    assert "/ddi:codeBook/ddi:stdyDscr/ddi:stdyInfo/ddi:abstract" in paths


@pytest.mark.parametrize("shapes", [DCAT_AP_SHAPES, DCAT_AP_NO_SHAPES])
def test_the_harness_catches_a_broken_catalogue(shapes: tuple[str, ...]) -> None:
    broken = Graph().parse(
        data="""
        @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        <http://x/c> a dcat:Catalog ; dct:title "No description, no publisher"@en ;
            dcat:dataset <http://x/d> .
        <http://x/d> a dcat:Dataset ; dct:title "No description"@en ; dcat:theme "not an IRI" .
        """,
        format="turtle",
    )
    assert violations(broken, shapes)


@pytest.mark.parametrize("example", ["example-dataset-series.ttl", "example-DCAT-AP-NO2.0.ttl"])
def test_dcat_ap_no_examples_pass_the_harness(example: str) -> None:
    data = Graph().parse(conformance_path(f"dcat-ap-no/{example}"), format="turtle")
    assert violations(data, DCAT_AP_NO_SHAPES) == []
