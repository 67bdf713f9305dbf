"""OAI-PMH 2.0: every verb, resumption tokens, from/until and sets, and the protocol's
error codes for bad verbs, arguments and tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from catalogue.export.oai_pmh import OaiRepository, respond
from catalogue.export.oai_records import variable_repository
from tests.conformance import (
    ddi_schema,
    missing_cessda_elements,
)
from tests.test_export_support import (
    SITE,
    sample_snapshot,
)

NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "ddi": "ddi:codebook:2_5",
}
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PAGE = f"{SITE.base}/variables/no.regcat.demo/"
ALL = {
    PAGE + n
    for n in (
        "BEFOLKNING_DOEDS_DATO",
        "BEFOLKNING_KJOENN",
        "BEFOLKNING_SIVSTAND",
        "INNTEKT_WLONN",
        "KREFT_DIAGNOSEDATO",
    )
}


@pytest.fixture(scope="module")
def repo() -> OaiRepository:
    return variable_repository([sample_snapshot()], SITE)


def ask(repo: OaiRepository, page_size: int = 100, **params: str) -> etree._Element:
    pairs = [("from" if k == "from_" else k, v) for k, v in params.items()]
    return etree.fromstring(respond(repo, pairs, NOW, page_size))


def error_code(doc: etree._Element) -> str | None:
    codes = doc.xpath("/oai:OAI-PMH/oai:error/@code", namespaces=NS)
    return codes[0] if codes else None


def harvest(repo: OaiRepository, verb: str, page_size: int, **params: str) -> list[str]:
    """Follow resumption tokens to the end; the identifiers in the order received."""
    seen: list[str] = []
    doc = ask(repo, page_size, verb=verb, **params)
    while True:
        assert error_code(doc) is None, etree.tostring(doc)
        seen += doc.xpath(f"//oai:{verb}//oai:header/oai:identifier/text()", namespaces=NS)
        token = doc.xpath(f"//oai:{verb}/oai:resumptionToken", namespaces=NS)
        if not token or not (token[0].text or "").strip():
            return seen
        doc = ask(repo, page_size, verb=verb, resumptionToken=token[0].text)


def test_identify(repo: OaiRepository) -> None:
    doc = ask(repo, verb="Identify")

    def get(element: str) -> list[str]:
        return doc.xpath(f"//oai:Identify/oai:{element}/text()", namespaces=NS)

    assert get("baseURL") == [f"{SITE.base}/oai"]
    assert get("protocolVersion") == ["2.0"]
    assert get("earliestDatestamp") == ["2024-01-15T09:30:00Z"]
    assert get("deletedRecord") == ["no"]
    assert get("granularity") == ["YYYY-MM-DDThh:mm:ssZ"]
    assert get("adminEmail")[0] == "post@regcat.example.no"
    assert doc.xpath("//oai:request/@verb", namespaces=NS) == ["Identify"]


def test_metadata_formats_and_sets(repo: OaiRepository) -> None:
    doc = ask(repo, verb="ListMetadataFormats")
    prefixes = doc.xpath("//oai:metadataPrefix/text()", namespaces=NS)
    assert prefixes == ["oai_dc", "oai_ddi25"]
    one = ask(repo, verb="ListMetadataFormats", identifier=PAGE + "BEFOLKNING_KJOENN")
    assert error_code(one) is None
    specs = ask(repo, verb="ListSets").xpath("//oai:setSpec/text()", namespaces=NS)
    assert "no.regcat.demo" in specs
    assert "no.regcat.demo:kreftregisteret" in specs
    assert "no.regcat.demo:folkeregisteret:befolkning-familie" in specs


@pytest.mark.parametrize("page_size", [1, 2, 100])
@pytest.mark.parametrize("verb", ["ListIdentifiers", "ListRecords"])
def test_following_tokens_collects_every_record_exactly_once(
    repo: OaiRepository, verb: str, page_size: int
) -> None:
    seen = harvest(repo, verb, page_size, metadataPrefix="oai_dc")
    assert len(seen) == len(set(seen)) == len(ALL)
    assert set(seen) == ALL


def test_tokens_carry_list_size_and_cursor(repo: OaiRepository) -> None:
    first = ask(repo, 2, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = first.xpath("//oai:resumptionToken", namespaces=NS)[0]
    assert token.get("completeListSize") == "5" and token.get("cursor") == "0"
    second = ask(repo, 2, verb="ListIdentifiers", resumptionToken=token.text)
    assert second.xpath("//oai:resumptionToken/@cursor", namespaces=NS) == ["2"]
    # The request element echoes the arguments actually received.
    assert second.xpath("//oai:request/@resumptionToken", namespaces=NS) == [token.text]


def test_sets_and_dates_select_records(repo: OaiRepository) -> None:
    register = harvest(
        repo, "ListIdentifiers", 100, metadataPrefix="oai_dc", set="no.regcat.demo:folkeregisteret"
    )
    assert {i.rsplit("/", 1)[1] for i in register} == {
        "BEFOLKNING_DOEDS_DATO",
        "BEFOLKNING_KJOENN",
        "BEFOLKNING_SIVSTAND",
    }
    product = harvest(
        repo,
        "ListIdentifiers",
        100,
        metadataPrefix="oai_dc",
        set="no.regcat.demo:folkeregisteret:befolkning-familie",
    )
    assert [i.rsplit("/", 1)[1] for i in product] == ["BEFOLKNING_SIVSTAND"]
    # Changed in 2.0.0.0 (2025-02-03): a new release, a metadata patch and a removal.
    recent = harvest(repo, "ListIdentifiers", 100, metadataPrefix="oai_dc", from_="2025-01-01")
    assert {i.rsplit("/", 1)[1] for i in recent} == {
        "BEFOLKNING_DOEDS_DATO",
        "BEFOLKNING_SIVSTAND",
        "INNTEKT_WLONN",
    }
    early = harvest(repo, "ListIdentifiers", 100, metadataPrefix="oai_dc", until="2024-01-15")
    assert {i.rsplit("/", 1)[1] for i in early} == {"BEFOLKNING_KJOENN"}
    exact = harvest(
        repo,
        "ListIdentifiers",
        100,
        metadataPrefix="oai_dc",
        from_="2024-06-01T12:00:00Z",
        until="2024-06-01T12:00:00Z",
    )
    assert [i.rsplit("/", 1)[1] for i in exact] == ["KREFT_DIAGNOSEDATO"]


def test_get_record_in_dublin_core(repo: OaiRepository) -> None:
    doc = ask(
        repo, verb="GetRecord", metadataPrefix="oai_dc", identifier=PAGE + "BEFOLKNING_SIVSTAND"
    )
    dc = doc.xpath("//oai:metadata/oai_dc:dc", namespaces=NS)[0]
    titles = dc.xpath("dc:title/text()", namespaces=NS)
    assert titles == ["Sivilstand", "Marital status"]
    assert dc.xpath("dc:type/text()", namespaces=NS) == ["Dataset"]
    assert PAGE + "BEFOLKNING_SIVSTAND" in dc.xpath("dc:identifier/text()", namespaces=NS)
    assert doc.xpath("//oai:header/oai:datestamp/text()", namespaces=NS) == ["2025-02-03T08:00:00Z"]
    removed = ask(
        repo, verb="GetRecord", metadataPrefix="oai_dc", identifier=PAGE + "BEFOLKNING_DOEDS_DATO"
    )
    descriptions = removed.xpath("//dc:description[@xml:lang='en']/text()", namespaces=NS)
    assert any("Removed from the datastore in version 2.0.0.0" in d for d in descriptions)


def test_ddi_records_validate_and_meet_the_cessda_profile(repo: OaiRepository) -> None:
    schema = ddi_schema()
    doc = ask(repo, verb="ListRecords", metadataPrefix="oai_ddi25")
    codebooks = doc.xpath("//oai:metadata/ddi:codeBook", namespaces=NS)
    assert len(codebooks) == len(ALL)
    ids = doc.xpath("//ddi:*/@ID", namespaces=NS)  # xs:IDs: unique in the whole page
    assert len(ids) == len(set(ids)) > len(ALL)
    for element in codebooks:
        alone = etree.fromstring(etree.tostring(element))
        assert schema.validate(alone), schema.error_log
        assert missing_cessda_elements(alone) == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": "Identify", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from_": "2024-13-45"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from_": "yesterday"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from_": "2024-01-01",
                "until": "2025-01-01T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from_": "2025-01-01",
                "until": "2024-01-01",
            },
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"},
            "badArgument",
        ),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:nowhere:1"},
            "idDoesNotExist",
        ),
        ({"verb": "ListMetadataFormats", "identifier": "oai:nowhere:1"}, "idDoesNotExist"),
        ({"verb": "ListRecords", "resumptionToken": "not-a-token"}, "badResumptionToken"),
        ({"verb": "ListSets", "resumptionToken": "anything"}, "badResumptionToken"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from_": "2030-01-01"},
            "noRecordsMatch",
        ),
        (
            {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "no.such.set"},
            "noRecordsMatch",
        ),
    ],
)
def test_bad_requests_get_the_protocol_error(
    repo: OaiRepository, params: dict[str, str], code: str
) -> None:
    doc = ask(repo, **params)
    assert error_code(doc) == code
    if code in ("badVerb", "badArgument"):  # the request element then has no attributes
        assert doc.xpath("//oai:request", namespaces=NS)[0].attrib == {}


def test_repeated_arguments_are_refused(repo: OaiRepository) -> None:
    twice = [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "oai_ddi25")]
    assert error_code(etree.fromstring(respond(repo, twice, NOW))) == "badArgument"
    verbs = [("verb", "Identify"), ("verb", "Identify")]
    assert error_code(etree.fromstring(respond(repo, verbs, NOW))) == "badVerb"


def test_a_token_for_another_verb_is_refused(repo: OaiRepository) -> None:
    first = ask(repo, 1, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = first.xpath("//oai:resumptionToken/text()", namespaces=NS)[0]
    tampered = token[:-4] + "AAAA"
    assert (
        error_code(ask(repo, 1, verb="ListRecords", resumptionToken=tampered))
        == "badResumptionToken"
    )
