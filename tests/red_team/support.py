"""Readers of API responses shared by the attacks (the attacks' fixtures and the attacker
itself live in conftest.py). A reader says None for what an attacker cannot read: a
refused request, a withheld row, a missing value; an attack counts None as nothing
learnt, so a reader that guessed instead would make an attack look stronger than it is."""

from __future__ import annotations

from typing import Any


def coefficient(response: Any, term: str) -> float | None:
    """The released coefficient of `term` in the first result of a model's response; None
    when the request was refused, the term is not there, or its coefficient is withheld."""
    if response.status_code != 200:
        return None
    for row in response.get_json()["results"][0]["result"]["rows"]:
        if row["labels"] and row["labels"][0] == term:
            found = row["values"].get("coefficient")
            return None if found is None else float(found)
    return None
