"""The step reference (docs/STEPS.md), written from the registry of verbs in both
languages, so that a verb added as a module is documented with no other edit:
`make step-reference` writes the file, and tests/test_step_registry.py fails while the file
is not what the registry writes."""

from __future__ import annotations

from .reference import document, section
from .step import StepField, Takes, Verb, registry

_JSON = {
    Takes.TEXT: ("tekst", "text"),
    Takes.DATE: ("dato ÅÅÅÅ-MM-DD", "date YYYY-MM-DD"),
    Takes.DATES: ("liste av datoer", "list of dates"),
    Takes.NAMES: ("navn eller liste av navn", "name or list of names"),
    Takes.RENAMES: ("objekt {gammelt: nytt}", "object {old: new}"),
    Takes.OBJECT: ("objekt", "object"),
    Takes.STEPS: ("liste av steg", "list of steps"),
    Takes.NUMBER: ("tall", "number"),
    Takes.TRUTH: ("true/false", "true/false"),
}

HEADER = """# Stegene i et arbeidsområde · The steps of a workspace

<!-- Written by `make step-reference` from catalogue/analysis/steps/; do not edit. -->

Et steg er et JSON-objekt med nøyaktig ett verb som nøkkel, og de nøklene verbet tar
(`POST /api/v1/workspaces/{handle}/steps` tar en liste av dem). Hvert verb er én modul i
`catalogue/analysis/steps/`.

A step is a JSON object with exactly one verb as a key, and the keys that verb takes
(`POST /api/v1/workspaces/{handle}/steps` takes a list of them). Each verb is one module of
`catalogue/analysis/steps/`.
"""


def _row(field: StepField, verb: bool = False) -> str:
    nb, en = _JSON[field.takes]
    needed = "ja · yes" if verb or field.required else "nei · no"
    return f"| `{field.name}` | {nb} · {en} | {needed} | {field.description} |"


def _section(verb: Verb) -> str:
    own = StepField(verb.name, verb.takes, verb.description)
    rows = [_row(own, verb=True), *(_row(f) for f in verb.fields)]
    table = ["| nøkkel · key | JSON | påkrevd · required | |", "|---|---|---|---|", *rows]
    return section(verb.name, verb.nb, verb.en, table, verb.example)


def render() -> str:
    return document(HEADER, map(_section, registry().values()))


if __name__ == "__main__":
    print(render(), end="")
