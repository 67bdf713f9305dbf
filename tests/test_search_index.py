"""The search index on documents built here: analysis, ranking, filters, facets, sorting,
versions and the atomic swap of index generations."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from catalogue.domain.text import texts
from catalogue.search import (
    FacetLabels,
    LiveIndex,
    SearchQuery,
    SortOrder,
    VariableDocument,
    VariableIndex,
    current_generation,
    publish_generation,
    write_index,
)

DS = "no.test"


def doc(name: str, label: str, description: str = "", **kw: object) -> VariableDocument:
    fields: dict[str, object] = {
        "datastore": DS,
        "name": name,
        "release": "1.0.0.0",
        "versions": ("1.0.0.0",),
        "current": True,
        "labels": texts(nb=label, en=str(kw.pop("en", ""))) if "en" in kw else texts(nb=label),
        "descriptions": texts(nb=description),
        "unit_type": "PERSON",
        "temporality": "FIXED",
        "exportable": False,
    }
    fields.update(kw)
    return VariableDocument(**fields)  # type: ignore[arg-type]


DOCS = [
    doc(
        "BEFOLKNING_BOSTED_KOMMUNE",
        "Bostedskommune",
        "Kommunen personen var registrert bosatt i.",
        en="Municipality of residence",
        temporality="STATUS",
        exportable=True,
        technical_name="bostedskommune",
        register="folkeregisteret",
        product="befolkning-bosted",
        categories=("Bosted",),
        valid_from=date(2016, 1, 1),
    ),
    doc(
        "KRG_ICD10",
        "Kreftform (ICD-10)",
        "Diagnosen etter ICD-10.",
        en="Cancer site",
        temporality="EVENT",
        exportable=True,
        technical_name="icd10",
        register="kreftregisteret",
        product="krefttilfeller",
        categories=("Kreft",),
        valid_from=date(1953, 1, 1),
        context=("Krefttilfeller - diagnostikk og primærbehandling",),
    ),
    doc(
        "KRG_ALDER_DIAGNOSE",
        "Alder ved diagnose",
        "Alder da krefttilfellet ble diagnostisert.",
        temporality="EVENT",
        technical_name="alderDiagnose",
        register="kreftregisteret",
        product="krefttilfeller",
        categories=("Kreft", "Alder"),
        valid_from=date(1953, 1, 1),
    ),
    doc(
        "NUDB_TILHORIGHET",
        "Tilhørighet til skolekrets",
        "Hvilken skolekrets eleven hørte til.",
        register="nudb",
        product="utdanning",
        valid_from=date(1970, 1, 1),
        valid_until=date(2000, 12, 31),
    ),
    doc(
        "INNTEKT_WLONN",
        "Lønnsinntekt",
        "Sum lønn fra alle arbeidsgivere i året.",
        temporality="ACCUMULATED",
        exportable=True,
        technical_name="loennsinntekt",
        register="inntekt",
        product="inntekt-og-skatt",
        valid_from=date(2021, 1, 1),
    ),
    doc(
        "INNTEKT_FORMUE",
        "Nettoformue",
        "Formue etter gjeld; inntekt inngår ikke, men skattepliktig inntekt står i egen variabel.",
        register="inntekt",
        product="inntekt-og-skatt",
    ),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> VariableIndex:
    root = tmp_path_factory.mktemp("index")
    labels = FacetLabels(register={"kreftregisteret": {"nb": "Kreftregisteret"}})
    folder = publish_generation(root, lambda f: write_index(f, DOCS, labels))
    return VariableIndex(folder)


def names(index: VariableIndex, text: str = "", **kw: object) -> list[str]:
    return [h.name for h in index.search(SearchQuery(text=text, **kw)).hits]  # type: ignore[arg-type]


def test_inflected_forms_meet(index: VariableIndex) -> None:
    assert names(index, "bostedskommune")[0] == "BEFOLKNING_BOSTED_KOMMUNE"
    assert names(index, "bostedskommunen")[0] == "BEFOLKNING_BOSTED_KOMMUNE"
    assert names(index, "bostedskommuner")[0] == "BEFOLKNING_BOSTED_KOMMUNE"


def test_folding_finds_ae_oe_aa_spelled_without_them(index: VariableIndex) -> None:
    assert names(index, "tilhorighet") == ["NUDB_TILHORIGHET"]
    assert names(index, "tilhørighet") == ["NUDB_TILHORIGHET"]
    assert names(index, "lonnsinntekt") == ["INNTEKT_WLONN"]


def test_a_word_finds_compounds_that_start_with_it(index: VariableIndex) -> None:
    found = names(index, "kreft")
    assert set(found) == {"KRG_ICD10", "KRG_ALDER_DIAGNOSE"}


def test_prefixes_while_typing(index: VariableIndex) -> None:
    for typed in ("bo", "bost", "bosteds", "bostedskom", "Bostedskommu"):
        assert names(index, typed)[0] == "BEFOLKNING_BOSTED_KOMMUNE", typed
    assert names(index, "tilhøri") == ["NUDB_TILHORIGHET"]
    assert names(index, "alderDiag") == ["KRG_ALDER_DIAGNOSE"]


def test_name_or_label_match_outranks_description_match(index: VariableIndex) -> None:
    # "diagnose" is in KRG_ALDER_DIAGNOSE's name and label, in KRG_ICD10's description.
    assert names(index, "diagnose") == ["KRG_ALDER_DIAGNOSE", "KRG_ICD10"]
    # A word found only in a description still finds the variable.
    assert names(index, "skattepliktig") == ["INNTEKT_FORMUE"]
    hits = {h.name: h.score for h in index.search(SearchQuery(text="lønnsinntekt")).hits}
    assert hits["INNTEKT_WLONN"] > hits.get("INNTEKT_FORMUE", 0)


def test_exact_short_name_comes_first(index: VariableIndex) -> None:
    assert names(index, "krg_alder_diagnose")[0] == "KRG_ALDER_DIAGNOSE"
    assert names(index, "KRG_ICD10")[0] == "KRG_ICD10"


def test_every_word_must_match_and_english_is_stemmed(index: VariableIndex) -> None:
    assert names(index, "alder kreft") == ["KRG_ALDER_DIAGNOSE"]
    assert names(index, "municipalities") == ["BEFOLKNING_BOSTED_KOMMUNE"]
    assert names(index, "kreft zebra") == []


def test_query_syntax_is_plain_text(index: VariableIndex) -> None:
    assert names(index, '"kreft*: (') == names(index, "kreft")
    assert names(index, "AND OR NOT") == []
    assert len(names(index, "*")) == len(DOCS)  # no words: everything, by name


def test_filters(index: VariableIndex) -> None:
    assert names(index, exportable=True) == [
        "BEFOLKNING_BOSTED_KOMMUNE",
        "INNTEKT_WLONN",
        "KRG_ICD10",
    ]
    assert names(index, register=("kreftregisteret",)) == ["KRG_ALDER_DIAGNOSE", "KRG_ICD10"]
    assert names(index, "kreft", category=("Alder",)) == ["KRG_ALDER_DIAGNOSE"]
    assert names(index, temporality=("STATUS", "ACCUMULATED")) == [
        "BEFOLKNING_BOSTED_KOMMUNE",
        "INNTEKT_WLONN",
    ]
    assert names(index, register=("no-such-register",)) == []


def test_validity_interval_overlaps(index: VariableIndex) -> None:
    before_2001 = names(index, valid_from=date(1990, 1, 1), valid_until=date(1995, 12, 31))
    assert "NUDB_TILHORIGHET" in before_2001 and "INNTEKT_WLONN" not in before_2001
    after = names(index, valid_from=date(2022, 1, 1))
    assert "NUDB_TILHORIGHET" not in after and "INNTEKT_WLONN" in after
    assert "INNTEKT_FORMUE" in after  # no dates: valid throughout


def test_facets_count_without_their_own_filter(index: VariableIndex) -> None:
    result = index.search(SearchQuery(register=("kreftregisteret",), exportable=True))
    assert [h.name for h in result.hits] == ["KRG_ICD10"]
    registers = {c.value: c.count for c in result.facets["register"]}
    # Counted with exportable=True but without the register filter:
    assert registers == {"kreftregisteret": 1, "folkeregisteret": 1, "inntekt": 1}
    exportable = {c.value: c.count for c in result.facets["exportable"]}
    assert exportable == {"true": 1, "false": 1}  # within kreftregisteret
    products = {c.value: c.count for c in result.facets["product"]}
    assert products["krefttilfeller"] == 1 and "utdanning" not in products  # not exportable


def test_sorting(index: VariableIndex) -> None:
    by_name = names(index, sort=SortOrder.NAME)
    assert by_name == sorted(by_name)
    assert names(index, sort=SortOrder.NAME_DESC) == list(reversed(by_name))
    oldest_first = names(index, sort=SortOrder.VALID_FROM)
    assert oldest_first[:2] == ["KRG_ALDER_DIAGNOSE", "KRG_ICD10"]
    assert oldest_first[-1] == "INNTEKT_FORMUE"  # no date sorts last
    newest_first = names(index, sort=SortOrder.VALID_FROM_DESC)
    assert newest_first[0] == "INNTEKT_WLONN" and newest_first[-1] == "INNTEKT_FORMUE"
    assert names(index, sort=SortOrder.EXPORTABLE_DESC)[:3] == [
        "BEFOLKNING_BOSTED_KOMMUNE",
        "INNTEKT_WLONN",
        "KRG_ICD10",
    ]
    technical = names(index, sort=SortOrder.TECHNICAL_NAME)
    assert technical[:2] == ["KRG_ALDER_DIAGNOSE", "BEFOLKNING_BOSTED_KOMMUNE"]


def test_paging(index: VariableIndex) -> None:
    first = index.search(SearchQuery(limit=4))
    second = index.search(SearchQuery(limit=4, offset=4))
    assert first.found == second.found == len(DOCS)
    assert len(first.hits) == 4 and len(second.hits) == len(DOCS) - 4
    beyond = index.search(SearchQuery(limit=4, offset=400))
    assert beyond.found == len(DOCS) and beyond.hits == ()


def test_versions_keep_each_revision_in_its_own_versions(tmp_path: Path) -> None:
    old = doc("X", "Gammel tittel", release="1.0.0.0", versions=("1.0.0.0",), current=False)
    new = doc("X", "Ny tittel", release="2.0.0.0", versions=("2.0.0.0", "2.1.0.0"))
    folder = publish_generation(tmp_path, lambda f: write_index(f, [old, new], FacetLabels()))
    index = VariableIndex(folder)
    assert [h.labels["nb"] for h in index.search(SearchQuery()).hits] == ["Ny tittel"]
    pinned = index.search(SearchQuery(version="1.0.0.0", datastore=DS))
    assert [h.labels["nb"] for h in pinned.hits] == ["Gammel tittel"]
    assert index.search(SearchQuery(text="gammel")).found == 0
    assert index.search(SearchQuery(version="2.1.0.0", datastore=DS)).found == 1


def test_a_rebuild_swaps_generations_atomically(tmp_path: Path) -> None:
    live = LiveIndex(tmp_path)
    assert live.get() is None
    publish_generation(tmp_path, lambda f: write_index(f, DOCS[:2], FacetLabels()))
    first = live.get()
    assert first is not None and first.size == 2

    def broken(folder: Path) -> None:
        write_index(folder, DOCS, FacetLabels())
        raise OSError("disk full")

    with pytest.raises(OSError):
        publish_generation(tmp_path, broken)
    assert live.get() is first  # the failed build never became visible
    assert current_generation(tmp_path) == first.folder

    for n in (3, 4, 5):

        def build(folder: Path, n: int = n) -> None:
            write_index(folder, DOCS[:n], FacetLabels())

        publish_generation(tmp_path, build)
    newest = live.get()
    assert newest is not None and newest.size == 5
    generations = [p for p in tmp_path.iterdir() if p.name.startswith("gen-")]
    assert len(generations) == 2  # the live one and the one before
