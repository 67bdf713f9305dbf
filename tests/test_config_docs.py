"""The README's configuration table lists exactly the settings declared in catalogue.config."""

from __future__ import annotations

import re
from pathlib import Path

from catalogue.config import SETTINGS

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_config_table_matches_settings() -> None:
    text = README.read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| `(REGCAT_[A-Z_]+)` \| `([^`]*)` \|", text, flags=re.M))
    declared = {s.env_var: s.default for s in SETTINGS}
    assert documented == declared


def test_readme_shows_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text
