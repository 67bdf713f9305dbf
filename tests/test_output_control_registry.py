"""The rule registry lists every rule module with its code, parameters and docs; the
parameter set has the OUTPUT_CONTROL.md §2 defaults, loads from JSON, is validated and is
versioned by a hash."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import pkgutil
import re

import pytest

from catalogue.analysis.output_control import OutputControlParameters, rule_catalogue, rules
from catalogue.analysis.output_control.registry import RULES
from catalogue.analysis.output_control.rule import Message, Rule
from catalogue.domain.errors import RegcatError

KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def rule_classes_in(module_name: str) -> list[type]:
    module = importlib.import_module(module_name)
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, Rule)
        and value is not Rule
        and value.__module__ == module.__name__
    ]


def test_every_rule_module_defines_one_registered_rule():
    names = [m.name for m in pkgutil.iter_modules(rules.__path__)]
    for name in names:
        found = rule_classes_in(f"{rules.__name__}.{name}")
        assert len(found) == 1, f"rules/{name}.py must define exactly one rule"
        assert found[0] in RULES, f"rules/{name}.py is not in the registry"
    assert len(RULES) == len(names)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_each_rule_has_a_code_typed_parameters_docs_and_reasons(rule):
    assert KEBAB.match(rule.code)
    parameters = rule.parameters_type
    assert dataclasses.is_dataclass(parameters)
    assert parameters.__dataclass_params__.frozen
    defaults = parameters()  # every parameter has a default
    for field in dataclasses.fields(parameters):
        assert field.type in ("int", "float", "bool")
    assert isinstance(rule.title, Message) and rule.title.nb and rule.title.en
    docs = rule.docs.format(**dataclasses.asdict(defaults))
    assert docs.nb and docs.en and docs.nb != docs.en  # written in both languages
    assert rule.reasons
    for code, message in rule.reasons.items():
        assert KEBAB.match(code) and code.startswith(rule.code)
        assert message.nb and message.en


def test_reason_codes_are_unique_across_rules():
    codes = [code for rule in RULES for code in rule.reasons]
    assert len(codes) == len(set(codes))


def test_the_catalogue_lists_code_parameters_defaults_and_docs():
    catalogue = rule_catalogue()
    assert [entry["code"] for entry in catalogue] == [rule.code for rule in RULES]
    threshold = next(e for e in catalogue if e["code"] == "threshold")
    assert threshold["parameters"] == [{"name": "min_count", "type": "int", "default": 10}]
    assert "10" in threshold["docs"]["nb"] and "10" in threshold["docs"]["en"]
    json.dumps(catalogue)  # serialisable as it stands


def test_the_defaults_are_those_of_the_specification():
    rules_ = OutputControlParameters.defaults().to_json_dict()["rules"]
    assert rules_["min-population"] == {"min_units": 1000}
    assert rules_["threshold"] == {"min_count": 10}
    assert rules_["cell-key-noise"] == {"enabled": True, "max_noise": 5, "variance": 3.0, "js": 0}
    assert rules_["dominance-nk"] == {"n": 2, "k": 0.85, "low": 0.2, "high": 0.9}
    assert rules_["p-percent"] == {"p": 10.0, "jitter": 1.0}
    assert rules_["winsorised-summary"]["min_dof"] == 10
    assert rules_["smoothed-percentile"] == {"min_units": 10, "significant_digits": 3}
    assert rules_["extreme-values"]["units"] == 10
    assert rules_["mode"] == {"min_units": 10}
    assert rules_["regression"] == {
        "min_units": 10,
        "min_residual_dof": 10,
        "max_parameter_share": 0.33,
        "min_indicator_units": 10,
        "max_leverage": 0.5,
        "leverage_jitter": 0.1,
        "significant_digits": 4,
    }
    noise = rules_["magnitude-noise"]
    assert noise["top_k"] == 3 and noise["strength"] >= 0.1  # sd ≥ 10 % of the largest
    assert rules_["model-noise"]["coefficient_share"] * rules_["model-noise"]["max_noise"] <= 1
    assert rules_["hexbin"]["min_units"] == 10
    assert rules_["survival"]["min_events"] == 10
    assert rules_["differencing"] == {"min_difference": 10, "ramp": 10, "weight": 7.0}
    assert rules_["budget"] == {
        "points": 50_000,
        "window_days": 30,
        "max_variables": 4,
        "count_price": 1.0,
        "magnitude_price": 2.0,
        "smoothed_price": 2.0,
        "model_price": 5.0,
        "curve_price": 1.0,
        "reference_units": 1000,
        "small_units": 10,
        "max_size_factor": 10.0,
        "input_fee": 40,
        "refusal_fee": 50,
        "exposure_allowance": 100.0,
        "exposure_scale": 25.0,
        "max_noise_factor": 16.0,
        "exposure_floor": 0.01,
        "exposure_units": 100,
    }


def test_a_parameter_file_loads_and_is_versioned(tmp_path):
    defaults = OutputControlParameters.defaults()
    path = tmp_path / "output-control.json"
    path.write_text(
        json.dumps(
            {
                "format": "regcat-output-control-parameters/1",
                "rules": {"threshold": {"min_count": 20}, "p-percent": {"p": 15}},
            }
        ),
        encoding="utf-8",
    )
    loaded = OutputControlParameters.load(path)
    assert loaded.to_json_dict()["rules"]["threshold"] == {"min_count": 20}
    assert loaded.to_json_dict()["rules"]["p-percent"] == {"p": 15.0, "jitter": 1.0}
    assert loaded.version != defaults.version and loaded.version.startswith("sha256:")
    # A file that spells out the defaults is the default set, with the same version.
    path.write_text(json.dumps(defaults.to_json_dict()), encoding="utf-8")
    assert OutputControlParameters.load(path).version == defaults.version


@pytest.mark.parametrize(
    "rules_, fragment",
    [
        ({"no-such-rule": {}}, "no-such-rule"),
        ({"threshold": {"min_cont": 10}}, "min_cont"),
        ({"threshold": {"min_count": "10"}}, "threshold.min_count"),
        ({"threshold": {"min_count": 10.5}}, "threshold.min_count"),
        ({"cell-key-noise": {"enabled": 1}}, "cell-key-noise.enabled"),
        ({"dominance-nk": {"k": 1.5}}, "dominance-nk"),
        ({"budget": {"points": 0}}, "budget"),
        ({"budget": {"max_size_factor": 0.5}}, "budget"),
        ({"threshold": 10}, "threshold"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_message(rules_, fragment):
    with pytest.raises(RegcatError) as refused:
        OutputControlParameters.from_json_dict(
            {"format": "regcat-output-control-parameters/1", "rules": rules_}
        )
    assert refused.value.code == "output-control-parameters"
    assert refused.value.http_status == 400
    assert fragment in refused.value.message("en") or fragment in str(refused.value.details)
    assert refused.value.message("nb").startswith("Ugyldige parametere")


def test_a_file_without_the_format_is_refused(tmp_path):
    with pytest.raises(RegcatError):
        OutputControlParameters.from_json_dict({"rules": {}})
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(RegcatError):
        OutputControlParameters.load(path)
