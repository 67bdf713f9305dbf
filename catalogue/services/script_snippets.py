"""The standard snippets regcat ships: catalogue/script_library/*.mdscript, one script per
file, each a complete script on the sample registers (`no.regcat.demo`). Adding a snippet
is adding a file; tests/test_script_snippets.py parses and runs every one.

A snippet's title, description and tags are `//` comments at its top, so the file stays
a script that runs as it stands:

    // title.nb: Definer en populasjon
    // title.en: Define a population
    // description.nb: …
    // description.en: …
    // tags: population, populasjon, age

Snippets appear in the library as entries `std-<file name>`, published by `regcat`; their
`require`s resolve when they run (they follow the newest release, as a textbook example
should), and a fork pins them like any saved script."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from catalogue.domain.text import localise

SNIPPETS_DIR = Path(__file__).resolve().parent.parent / "script_library"
SUFFIX = ".mdscript"
PREFIX = "std-"  # library ids of snippets; a published script's start with "lib-"
PUBLISHER = "regcat"
_HEADER = re.compile(r"^//\s*(title\.nb|title\.en|description\.nb|description\.en|tags)\s*:(.*)$")
_KEYS = ("title.nb", "title.en", "description.nb", "description.en", "tags")


@dataclass(frozen=True)
class Snippet:
    entry_id: str
    title: tuple[str, str]  # (bokmål, English)
    description: tuple[str, str]
    tags: tuple[str, ...]
    text: str

    def title_in(self, language: str) -> str:
        return localise(self.title, language)

    def description_in(self, language: str) -> str:
        return localise(self.description, language)


def read_snippet(path: Path) -> Snippet:
    """A snippet file; ValueError naming the file and the key when its header lacks one."""
    text = path.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for line in text.splitlines():
        matched = _HEADER.match(line.strip())
        if matched is None:
            break  # the header is the comment lines at the top
        found[matched.group(1)] = matched.group(2).strip()
    missing = [key for key in _KEYS if not found.get(key)]
    if missing:
        raise ValueError(f"{path.name}: the header lacks {', '.join(missing)}")
    tags = tuple(t.strip().lower() for t in found["tags"].split(",") if t.strip())
    return Snippet(
        PREFIX + path.name.removesuffix(SUFFIX),
        (found["title.nb"], found["title.en"]),
        (found["description.nb"], found["description.en"]),
        tags,
        text,
    )


@cache
def snippets(folder: Path = SNIPPETS_DIR) -> tuple[Snippet, ...]:
    """Every snippet of the folder, by file name (read once: the files ship with the code)."""
    return tuple(read_snippet(path) for path in sorted(folder.glob(f"*{SUFFIX}")))


def snippet(entry_id: str) -> Snippet | None:
    return next((s for s in snippets() if s.entry_id == entry_id), None)


def matches(snippet: Snippet, words: tuple[str, ...]) -> bool:
    """The library's text match (the same rule as the SQL one of published scripts): every
    word, lower-cased, is in a title, a description or a tag, in either language."""
    haystack = "\n".join([*snippet.title, *snippet.description, *snippet.tags]).lower()
    return all(word.lower() in haystack for word in words)
