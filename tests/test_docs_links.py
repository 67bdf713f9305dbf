"""The repository documents itself: every relative link in the README and docs/ resolves
inside the clone, nothing sends a reader to a design folder beside it (`../shared`, which a
clone does not have; only the conformance setting's default names it), and every `docs/ARCHITECTURE.md §n` a docstring cites exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

DOCUMENTS = [REPO / "README.md", REPO / "SECURITY.md", *sorted((REPO / "docs").glob("*.md"))]
SOURCES = [
    path
    for folder in ("catalogue", "ingest", "schemas", "sample_registers", "bench", "tests")
    for path in sorted((REPO / folder).rglob("*.py"))
] + [REPO / "cli.py"]
# [text](target) and [text]: target; images too. Code spans are removed first.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|^\[[^\]]+\]:\s*(\S+)", re.M)
# The conformance setting's default is a folder beside the clone, by design; these name it.
ABOUT_THE_SETTING = {"conformance.py", "test_conformance_setting.py", "test_docs_links.py"}
CITED_SECTION = re.compile(r"docs/ARCHITECTURE\.md (§\d+(?:[–-]\d+)?(?:, §\d+)*)")


def relative_links(markdown: str) -> list[str]:
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    found = [a or b for a, b in LINK.findall(text)]
    return [t for t in found if not re.match(r"^[a-z][a-z0-9+.-]*:", t) and not t.startswith("#")]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves_inside_the_repository(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    # Only the conformance setting's default may name the folder beside a clone.
    outside = set(re.findall(r"\.\./shared(?:/[\w.-]+)?", text)) - {"../shared/conformance"}
    assert not outside, f"{document.name} sends readers outside the repository: {outside}"
    for target in relative_links(text):
        path = (document.parent / target.split("#", 1)[0]).resolve()
        assert path.is_relative_to(REPO), f"{document.name}: {target} leaves the repository"
        assert path.exists(), f"{document.name}: {target} does not exist"


def test_the_readme_links_every_document_in_docs() -> None:
    linked = {(REPO / t).resolve() for t in relative_links((REPO / "README.md").read_text("utf-8"))}
    assert set(DOCUMENTS[2:]) <= linked


def test_the_link_finder_finds_links() -> None:
    """So that the checks above cannot pass by finding nothing."""
    sample = "See [a](docs/A.md), [b](https://x.org), [c](#top), `[d](no.md)` and\n[e]: ../E.md"
    assert relative_links(sample) == ["docs/A.md", "../E.md"]


def test_docstrings_cite_sections_that_exist_and_nothing_outside() -> None:
    headings = (REPO / "docs" / "ARCHITECTURE.md").read_text("utf-8")
    sections = {int(n) for n in re.findall(r"^## (\d+)\.", headings, re.M)}
    cited = 0
    for source in SOURCES:
        text = source.read_text(encoding="utf-8")
        name = source.relative_to(REPO)
        if source.name not in ABOUT_THE_SETTING:
            assert "../shared" not in text, f"{name} points outside the repository"
            assert "DESIGN §" not in text, f"{name} cites a design file the repository lacks"
        for group in CITED_SECTION.findall(text):
            for first, last in re.findall(r"§(\d+)(?:[–-](\d+))?", group):
                for n in range(int(first), int(last or first) + 1):
                    assert n in sections, f"{name} cites docs/ARCHITECTURE.md §{n}"
                    cited += 1
    assert cited > 10
