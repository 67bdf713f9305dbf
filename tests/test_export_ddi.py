"""DDI-Codebook 2.5: every document validates against the official XSD (offline) and has
what the CESSDA Data Catalogue profile marks mandatory; the variable section is complete."""

from __future__ import annotations

import re
from dataclasses import replace
from xml.etree import ElementTree as ET

import pytest
from lxml import etree

from catalogue.domain.text import texts
from catalogue.export.ddi_codebook import codebook, variable_study, version_codebook
from catalogue.export.ddi_common import Ids
from tests.conformance import (
    ddi_schema,
    missing_cessda_elements,
)
from tests.test_export_support import (
    SITE,
    sample_snapshot,
)

NS = {"ddi": "ddi:codebook:2_5", "xml": "http://www.w3.org/XML/1998/namespace"}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return ddi_schema()


def parsed(body: bytes) -> etree._Element:
    return etree.fromstring(body, etree.XMLParser(no_network=True))


def names(document: etree._Element) -> list[str]:
    return sorted(document.xpath("//ddi:var/@name", namespaces=NS))


def assert_valid(schema: etree.XMLSchema, document: etree._Element) -> None:
    assert schema.validate(document), schema.error_log
    assert missing_cessda_elements(document) == []


@pytest.mark.parametrize("version", ["1.0.0.0", "1.1.0.0", "2.0.0.0"])
def test_every_version_validates_and_meets_the_cessda_profile(
    schema: etree.XMLSchema, version: str
) -> None:
    assert_valid(schema, parsed(version_codebook(sample_snapshot(), version, SITE)))


def test_one_variable_codebook_validates(schema: etree.XMLSchema) -> None:
    snapshot = sample_snapshot()
    study = variable_study(snapshot, "BEFOLKNING_SIVSTAND", SITE)
    element = codebook(snapshot, study, SITE, "https://regcat.example.no/oai")
    assert_valid(schema, parsed(ET.tostring(element)))


def test_the_variable_section_follows_the_version(schema: etree.XMLSchema) -> None:
    snapshot = sample_snapshot()
    first = parsed(version_codebook(snapshot, "1.0.0.0", SITE))
    latest = parsed(version_codebook(snapshot, "2.0.0.0", SITE))
    assert names(first) == [
        "BEFOLKNING_DOEDS_DATO",
        "BEFOLKNING_KJOENN",
        "BEFOLKNING_SIVSTAND",
        "INNTEKT_WLONN",
    ]
    assert names(latest) == [
        "BEFOLKNING_KJOENN",
        "BEFOLKNING_SIVSTAND",
        "INNTEKT_WLONN",
        "KREFT_DIAGNOSEDATO",
    ]
    files = latest.xpath("//ddi:fileDscr/ddi:fileTxt/ddi:fileName/text()", namespaces=NS)
    assert sorted(files) == names(latest)
    # The metadata patch of 2.0.0.0 is what 2.0.0.0 documents; 1.0.0.0 keeps the original.
    text = "//ddi:var[@name='BEFOLKNING_SIVSTAND']/ddi:txt[@xml:lang='en']/text()"
    assert latest.xpath(text, namespaces=NS) == ["Marital status, corrected."]
    assert first.xpath(text, namespaces=NS) == ["The person's marital status as spells."]
    version = "//ddi:var[@name='INNTEKT_WLONN']/ddi:verStmt/ddi:version"
    assert latest.xpath(version, namespaces=NS)[0].text == "2.0.0.0"


def test_variables_carry_labels_categories_and_validity_in_two_languages() -> None:
    doc = parsed(version_codebook(sample_snapshot(), "1.0.0.0", SITE))
    var = doc.xpath("//ddi:var[@name='BEFOLKNING_SIVSTAND']", namespaces=NS)[0]
    # IDs are scoped by the study (datastore and version), so they stay unique beside
    # another codeBook's in one document.
    assert var.get("representationType") == "code"
    assert var.get("ID") == "V_no.regcat.demo_1.0.0.0.BEFOLKNING_SIVSTAND"
    assert var.get("files") == "F_no.regcat.demo_1.0.0.0.BEFOLKNING_SIVSTAND"
    assert var.xpath("ddi:labl[@xml:lang='nb']/text()", namespaces=NS) == ["Sivilstand"]
    assert var.xpath("ddi:labl[@xml:lang='en']/text()", namespaces=NS) == ["Marital status"]
    assert var.xpath("ddi:universe[@xml:lang='en']/text()", namespaces=NS) == [
        "Everyone resident in Norway"
    ]
    categories = {
        c.xpath("ddi:catValu/text()", namespaces=NS)[0]: c
        for c in var.xpath("ddi:catgry", namespaces=NS)
    }
    assert sorted(categories) == ["1", "2", "6", "99"]
    partner = categories["6"]
    assert partner.xpath("ddi:labl[@xml:lang='en']/text()", namespaces=NS) == ["Registered partner"]
    assert partner.xpath("ddi:txt[@xml:lang='en']/text()", namespaces=NS) == [
        "Valid from 1993-08-01 up to and including 2008-12-31."
    ]
    assert partner.xpath("ddi:txt[@xml:lang='nb']/text()", namespaces=NS) == [
        "Gyldig fra 1993-08-01 til og med 2008-12-31."
    ]
    assert categories["99"].get("missing") == "Y"
    notes = var.xpath("ddi:notes[@xml:lang='en']/text()", namespaces=NS)[0]
    assert "Temporality: EVENT" in notes and "Can be exported: yes." in notes
    death = doc.xpath("//ddi:var[@name='BEFOLKNING_DOEDS_DATO']", namespaces=NS)[0]
    assert death.get("representationType") == "datetime" and death.get("temporal") == "Y"
    assert (
        "Can be exported: no." in death.xpath("ddi:notes[@xml:lang='en']/text()", namespaces=NS)[0]
    )
    groups = doc.xpath("//ddi:varGrp/@var", namespaces=NS)
    assert "V_no.regcat.demo_1.0.0.0.BEFOLKNING_SIVSTAND" in " ".join(groups).split()


def test_ids_are_ncnames_given_once_per_thing_and_never_shared() -> None:
    ids = Ids("no.regcat.demo:1.0.0.0")
    first = ids.of("V", "A:B")
    assert first == "V_no.regcat.demo_1.0.0.0.A_B" and ids.of("V", "A:B") == first
    # "A_B" sanitises like "A:B"; it is another variable, so it gets another ID.
    assert ids.of("V", "A_B") == "V_no.regcat.demo_1.0.0.0.A_B_2"
    assert ids.of("F", "A:B") == "F_no.regcat.demo_1.0.0.0.A_B"
    assert ids.of("CB", "") == "CB_no.regcat.demo_1.0.0.0"
    ncname = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
    assert all(ncname.match(ids.of("G", name)) for name in ("1", "æøå", "a b", "x/y"))


def test_text_that_xml_cannot_hold_is_dropped_not_fatal(schema: etree.XMLSchema) -> None:
    snapshot = sample_snapshot()
    history = snapshot.variables["BEFOLKNING_KJOENN"]
    meta = history[0].metadata
    odd = replace(meta, measure=replace(meta.measure, label=texts(nb="Kjønn\x0b <&>", en="Sex")))
    snapshot.variables["BEFOLKNING_KJOENN"] = (replace(history[0], metadata=odd),)
    doc = parsed(version_codebook(snapshot, "1.0.0.0", SITE))
    assert_valid(schema, doc)
    labels = doc.xpath("//ddi:var[@name='BEFOLKNING_KJOENN']/ddi:labl/text()", namespaces=NS)
    assert labels[0] == "Kjønn <&>"
