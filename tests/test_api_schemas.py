"""The step grammar has one source: each verb module of catalogue.analysis.steps declares
which keys its verb takes and what JSON each key holds, and the API's step schema
(schemas.api.workspaces) is built from the registry of those modules. These tests hold the two together: the schema publishes every
key the engine reads and no other, loads a step as it was sent (the route passes what it
loaded on to the engine), and refuses a list of dates exactly where the engine does."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from marshmallow import ValidationError

from catalogue.analysis.step import MAX_DATES, all_keys, parse_steps, registry
from catalogue.domain.errors import RegcatError
from schemas.api.workspaces import AnalysisStepSchema

ONE_STEP_PER_VERB: list[dict[str, Any]] = [
    {"import": "BEFOLKNING_BOSTED_KOMMUNE", "date": "2020-01-01", "as": "kommune"},
    {"import": "INNTEKT_WLONN", "dates": ["2020-12-31", "2021-12-31"], "as": "lonn"},
    {
        "import_event": "KRG_DIAGNOSEDATO",
        "from": "2015-01-01",
        "to": "2020-12-31",
        "as": "diagnose",
        "per_person": "min",
    },
    {"import": "INNTEKT_WLONN", "date": "2020-12-31", "as": "mor_lonn", "via": "mor"},
    {"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "alder > 0"},
    {"replace": "alder", "expr": "alder + 1"},
    {"keep_if": "alder >= 18"},
    {"drop_if": "sysmiss(lonn)"},
    {"keep": ["a", "b"]},
    {"drop": "c"},
    {"rename": {"old": "new"}},
    {"recode": "utdanning", "rules": {"1-2": 1, "3-5": 2, "else": 9}, "as": "utd3"},
    {"dummies": "utdanning", "prefix": "utd"},
    {"collapse": {"n_barn": ["count", "alder"], "snitt": ["mean", "lonn"]}, "by": "mor"},
    {"aggregate": {"kommune_snitt": ["mean", "lonn"]}, "by": "kommune"},
    {"reshape_to_panel": ["lonn", "kommune"], "date_as": "dato"},
    {"reshape_from_panel": ["lonn", "kommune"]},
    {"sample": 0.1, "seed": 2024},
    {"destring": ["belop"], "ignore": " kr", "dpcomma": True},
    {"assign_labels": "kjonn", "labels": {"1": "Mann", "2": "Kvinne"}},
    {"age_month": "fodselsdato", "age": 62, "as": "mnd62"},
    {"months_since": "mnd62", "at": "dato", "as": "hendelsesmnd"},
    {"birth_cohort": "fodselsdato", "months": 12, "as": "kohort"},
    {"import_outer": "NUDB_BU", "date": "2020-10-01", "as": "utdanning"},
    {"import_events": "KRG_DIAGNOSEDATO", "from": "2015-01-01", "to": "2020-12-31", "as": "d"},
    {
        "predict": "lonn_hat",
        "model": "regress",
        "coefficients": {"alder": 5210.5, "_cons": 310000.0},
    },
    {
        "merge": ["snitt"],
        "source": [{"import": "INNTEKT_WLONN", "date": "2020-12-31", "as": "snitt"}],
        "on": "mor",
    },
]


def _published_keys() -> set[str]:
    return {f.data_key or name for name, f in AnalysisStepSchema().fields.items()}


def test_every_key_of_the_grammar_is_declared_once_and_published() -> None:
    verbs = registry()
    used = set(verbs) | set().union(*(verb.keys for verb in verbs.values()))
    assert set(all_keys()) == used
    assert _published_keys() == used


def test_the_examples_use_every_verb_and_the_engine_reads_them() -> None:
    verbs = registry()
    assert {next(k for k in step if k in verbs) for step in ONE_STEP_PER_VERB} == set(verbs)
    assert len(parse_steps(ONE_STEP_PER_VERB)) == len(ONE_STEP_PER_VERB)


def test_a_step_is_loaded_as_it_was_sent() -> None:
    loaded = AnalysisStepSchema(many=True).load(ONE_STEP_PER_VERB)
    assert loaded == ONE_STEP_PER_VERB
    # An unknown key or verb is the engine's to report, with the step's number.
    strange = [{"frobnicate": "x"}, {"keep_if": "a > 1", "colour": "blue"}]
    assert AnalysisStepSchema(many=True).load(strange) == strange


@pytest.mark.parametrize(
    "step",
    [
        {"import": 5},
        {"keep_if": None},
        {"rename": {"old": 1}},
        {"rules": ["1-2"]},
        {"dates": "2020-01-01"},
        {"age": "62"},
    ],
)
def test_a_key_holding_the_wrong_json_does_not_fit_the_schema(step: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        AnalysisStepSchema(many=True).load([step])


def _dates(count: int) -> list[str]:
    return [(date(2000, 1, 1) + timedelta(days=i)).isoformat() for i in range(count)]


@pytest.mark.parametrize("count", [0, 1, MAX_DATES, MAX_DATES + 1])
def test_the_schema_and_the_engine_refuse_the_same_lists_of_dates(count: int) -> None:
    step = {"import": "INNTEKT_WLONN", "dates": _dates(count), "as": "lonn"}
    fits = 1 <= count <= MAX_DATES
    try:
        AnalysisStepSchema(many=True).load([step])
        schema_takes = True
    except ValidationError:
        schema_takes = False
    try:
        parse_steps([step])
        engine_takes = True
    except RegcatError:
        engine_takes = False
    assert schema_takes == engine_takes == fits
