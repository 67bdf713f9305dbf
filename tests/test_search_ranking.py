"""Ranking on the real index of the five sample registers, through the search use case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from catalogue.services.context import Context
from catalogue.services.searching import SearchRequest, search_variables
from tests.conftest import make_config


@pytest.fixture(scope="module")
def ctx(released_home: Path) -> Iterator[Context]:
    """The shared released catalogue, read only (its index was built by the release)."""
    with Context.open(make_config(released_home)) as opened:
        yield opened


def top(ctx: Context, q: str, n: int = 50, **kw: object) -> list[str]:
    page = search_variables(ctx, SearchRequest(q=q, per_page=n, **kw))  # type: ignore[arg-type]
    return [h.name for h in page.hits]


def test_kreft_finds_the_cancer_register_and_nothing_else(ctx: Context) -> None:
    found = top(ctx, "kreft")
    krg = top(ctx, "", register=("kreftregisteret",))
    assert len(krg) >= 10 and sorted(found) == sorted(krg)
    # Labels that start with the word ("Kreftform", "Person med krefttilfellet") come
    # before variables that only mention it in passing.
    assert "KRG_ICD10" in found[:3]


def test_inflections_meet_and_the_name_match_leads(ctx: Context) -> None:
    for q in ("bostedskommune", "bostedskommunen", "Bostedskommuner", "kommune"):
        assert top(ctx, q)[0] == "BEFOLKNING_BOSTED_KOMMUNE", q


def test_words_typed_without_ae_oe_aa(ctx: Context) -> None:
    assert top(ctx, "omsorgsniva")[0] == "NPR_OMSORGSNIVAA"
    assert top(ctx, "dodsdato")[0] == "BEFOLKNING_DOEDS_DATO"
    assert top(ctx, "kjonn")[0] == "BEFOLKNING_KJOENN"
    assert top(ctx, "lonn")[0] == "INNTEKT_WLONN"
    assert top(ctx, "ostrogenreseptorstatus") == ["KRG_BRYST_ER_STATUS"]


def test_search_as_you_type_prefixes(ctx: Context) -> None:
    for typed in ("bos", "bosteds", "bostedskommu"):
        assert top(ctx, typed)[0] == "BEFOLKNING_BOSTED_KOMMUNE", typed
    assert top(ctx, "fodsel")[0] == "BEFOLKNING_FOEDSELSDATO"
    assert top(ctx, "gleas") == ["KRG_PROSTATA_GLEASON"]


def test_name_and_label_matches_outrank_description_matches(ctx: Context) -> None:
    found = top(ctx, "diagnose")
    # In the name/label: KRG_ALDER_DIAGNOSE, KRG_BASIS ("Grunnlag for diagnosen");
    # only in descriptions: NPR_BITILSTAND, NPR_HOVEDTILSTAND.
    assert set(found[:2]) == {"KRG_ALDER_DIAGNOSE", "KRG_BASIS"}
    assert found.index("NPR_HOVEDTILSTAND") > found.index("KRG_DIAGNOSEDATO")


def test_technical_names_short_names_english_and_codes(ctx: Context) -> None:
    assert top(ctx, "loennsinntekt")[0] == "INNTEKT_WLONN"
    assert top(ctx, "alderDiagnose")[0] == "KRG_ALDER_DIAGNOSE"
    assert top(ctx, "NUDB_BU")[0] == "NUDB_BU"
    assert set(top(ctx, "income")) == {"INNTEKT_SAMLET", "INNTEKT_WLONN"}
    assert "BEFOLKNING_BOSTED_KOMMUNE" in top(ctx, "Oslo")  # a code title


def test_no_words_lists_everything_by_name(ctx: Context) -> None:
    everything = top(ctx, "", n=100)
    assert everything == sorted(everything) and len(everything) >= 30
    assert top(ctx, '"*:(', n=100) == everything
