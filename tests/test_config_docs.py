"""The README's configuration table lists exactly the settings declared in catalogue.config,
with their defaults, types and help; a value of the wrong type is refused by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from catalogue.config import SETTINGS, load_config
from catalogue.domain.errors import RegcatError

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_config_table_matches_settings() -> None:
    text = README.read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| `(REGCAT_[A-Z_]+)` \| `([^`]*)` \| ([^|]+) \| (.*) \|$", text, flags=re.M
    )
    documented = {name: (default, kind, help) for name, default, kind, help in rows}
    declared = {s.env_var: (s.default, s.kind, s.help) for s in SETTINGS}
    assert documented == declared


def test_readme_shows_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text


def test_every_default_can_be_read() -> None:
    config = load_config({})
    for setting in SETTINGS:
        setting.__get__(config, type(config))


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REGCAT_PORT", "eighty"),
        ("REGCAT_PORT", "70000"),
        ("REGCAT_BATCH_ROWS", "0"),
        ("REGCAT_TOKEN_DAYS", "1.5"),
        ("REGCAT_LANGUAGE", "de"),
        ("REGCAT_SECURE_COOKIES", "sometimes"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_the_setting(variable: str, value: str) -> None:
    with pytest.raises(RegcatError) as refused:
        load_config({variable: value})
    error = refused.value
    assert error.code == "setting-invalid"
    assert error.details == {"setting": variable, "value": value}
    for language in ("nb", "en"):
        assert variable in error.message(language) and value in error.message(language)
    assert error.message("nb") != error.message("en")


def test_typed_values_come_out_typed(tmp_path: Path) -> None:
    config = load_config(
        {"REGCAT_HOME": str(tmp_path), "REGCAT_PORT": " 8080 ", "REGCAT_SECURE_COOKIES": "yes"}
    )
    assert config.port == 8080 and config["port"] == " 8080 "
    assert config.index_dir == tmp_path.resolve() / "index"
    assert config.secure_cookies is True
    assert config.base_url == "http://127.0.0.1:8080"
