"""The red team's tools: researchers who talk to the real app over HTTP with ordinary
API tokens, the committed sample registers, and the truth the attacks are judged against.

The truth (who the targets are, their incomes and diagnoses) is read straight from the
sample registers' CSV files, never from the service: an attack is judged by how close its
estimate comes to the value in the source, and the service is used only the way an
attacker can use it. Every response any attack gets is checked for a 5xx on the spot.

Each test gets its own copy of a released catalogue (its own ledger and budgets); a
"restart" is a new Context and a new app on the same HOME, so only what the service keeps
on disk survives it."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from catalogue.services.context import Context
from catalogue.web import create_app
from tests import test_accounts_support as accounts_support
from tests.conftest import SAMPLES, make_config
from tests.test_accounts_support import World, bearer
from tests.test_analysis_support import DIAGNOSIS_STEPS, PERSON_STEPS

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world

API = "/api/v1/workspaces"

# What an attacker imports: enough to single out a person (birth date, sex, municipality)
# and the values they are after.
BASE_STEPS: list[dict[str, Any]] = [
    *PERSON_STEPS,
    *DIAGNOSIS_STEPS,
    {"generate": "alle", "expr": "1"},
]


# --- the truth, from the source files ------------------------------------------------------


@dataclass(frozen=True)
class Person:
    birth: str
    sex: str
    kommune: str
    wage: float | None
    kreft: bool

    def expr(self) -> str:
        """The attacker's description of this person: the facts they know."""
        return (
            f'fodselsdato == date("{self.birth}") and kjonn == "{self.sex}" '
            f'and kommune == "{self.kommune}"'
        )


@dataclass(frozen=True)
class Truth:
    people: tuple[Person, ...]
    unique: tuple[Person, ...] = field(repr=False)  # singled out by their three facts
    births: dict[str, int] = field(repr=False)  # how many in the register share a birth date

    def targets(self, n: int, *, kreft: bool | None = None, min_wage: float = 1.0) -> list[Person]:
        """n people an attacker can single out, with a wage (and a diagnosis, if asked)."""
        found = [
            p
            for p in self.unique
            if p.wage is not None and p.wage >= min_wage and (kreft is None or p.kreft == kreft)
        ]
        assert len(found) >= n, (len(found), n)
        # Spread over the register rather than the first n in file order.
        step = len(found) // n
        return found[::step][:n]

    def by_birth(
        self, n: int, *, skip: frozenset[str] | set[str] = frozenset(), offset: int = 0
    ) -> list[Person]:
        """n people each alone with their birth date (so a birth date names one unit),
        resident somewhere in 2020 with a wage: the known members of a tracker's groups."""
        found = [
            p
            for p in self.people
            if self.births[p.birth] == 1 and p.wage is not None and p.birth not in skip
        ]
        return found[offset : offset + n]


def _rows(dataset: str) -> Iterator[list[str]]:
    register = {"BEFOLKNING": "folkeregisteret", "INNTEKT": "inntekt", "KRG": "kreftregisteret"}
    folder = SAMPLES / register[dataset.split("_")[0]] / dataset
    with (folder / f"{dataset}.csv").open(newline="", encoding="utf-8") as f:
        yield from csv.reader(f, delimiter=";")


@pytest.fixture(scope="session")
def truth() -> Truth:
    births = {r[0]: r[1] for r in _rows("BEFOLKNING_FOEDSELSDATO")}
    sexes = {r[0]: r[1] for r in _rows("BEFOLKNING_KJOENN")}
    kommune = {r[0]: r[1] for r in _rows("BEFOLKNING_BOSTED_KOMMUNE") if r[2] == "2020-01-01"}
    wages = {r[0]: float(r[1]) for r in _rows("INNTEKT_WLONN") if r[2] == "2020-01-01"}
    case_person = {r[0]: r[1] for r in _rows("KRG_PERSON")}
    kreft = {
        case_person[r[0]]
        for r in _rows("KRG_DIAGNOSEDATO")
        if "2015-01-01" <= r[1] <= "2020-12-31" and r[0] in case_person
    }
    people = tuple(
        Person(births[i], sexes[i], kommune[i], wages.get(i), i in kreft)
        for i in births
        if i in sexes and kommune.get(i, "9999") != "9999"
    )
    keyed = sorted(people, key=lambda p: (p.birth, p.sex, p.kommune))
    unique = tuple(
        group[0]
        for group in (
            list(g) for _, g in itertools.groupby(keyed, key=lambda p: (p.birth, p.sex, p.kommune))
        )
        if len(group) == 1
    )
    counts: dict[str, int] = {}
    for birth in births.values():
        counts[birth] = counts.get(birth, 0) + 1
    return Truth(people, unique, counts)


# --- the attacker ----------------------------------------------------------------------------


class Refused(Exception):
    pass


class Attacker:
    """A researcher with an API token, as an attacker would script one. Every response is
    checked at once: nothing they can send makes the service fail (no 5xx)."""

    def __init__(self, app: Flask, token: str, name: str) -> None:
        self.client = app.test_client()
        self.headers = bearer(token)
        self.name = name
        self.requests = 0
        self.statuses: dict[int, int] = {}

    def _check(self, response: Any) -> Any:
        self.requests += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (response.status_code, response.get_data(as_text=True))
        return response

    def post(self, path: str, body: Any) -> Any:
        return self._check(self.client.post(f"{API}{path}", json=body, headers=self.headers))

    def get(self, path: str) -> Any:
        return self._check(self.client.get(f"{API}{path}", headers=self.headers))

    def workspace(self, steps: list[dict[str, Any]] | None = None) -> str:
        created = self.post("", {})
        assert created.status_code == 201, created.get_json()
        handle: str = created.get_json()["workspace"]
        self.steps(handle, BASE_STEPS + (steps or []))
        return handle

    def steps(self, handle: str, steps: list[dict[str, Any]]) -> Any:
        applied = self.post(f"/{handle}/steps", steps)
        assert applied.status_code == 200, applied.get_json()
        return applied

    def ask(self, handle: str, statistic: str, body: dict[str, Any]) -> Any:
        """A statistic request: the response (any status but a 5xx)."""
        return self.post(f"/{handle}/{statistic}", body)

    def table(self, handle: str, body: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The results of a tabulate, or None when the request was refused."""
        response = self.ask(handle, "tabulate", body)
        if response.status_code != 200:
            return None
        results: list[dict[str, Any]] = response.get_json()["results"]
        return results

    def label(self, handle: str, variable: str) -> str | None:
        """The one value every unit holds, read as the label of the table's published cell
        (a group statistic by `alle`)."""
        table = self.table(handle, {"vars": [variable]})
        if table is None:
            return None
        shown = [
            row["labels"][0]
            for row in table[0]["result"]["rows"]
            if row["labels"][0] is not None and row["values"]["count"]
        ]
        return shown[0] if len(shown) == 1 else None

    def sum_of(self, handle: str, variable: str, by: str = "alle", cell: str = "1") -> float | None:
        """The published sum of `variable` over one cell (by default: everyone)."""
        results = self.table(handle, {"vars": [by], "summarize": variable, "stats": ["sum"]})
        if results is None:
            return None
        return value(results[0], [cell], "sum")

    def count_of(self, handle: str, dims: list[str], labels: list[str]) -> int | None:
        results = self.table(handle, {"vars": dims})
        if results is None:
            return None
        found = value(results[0], labels, "count")
        return None if found is None else int(found)


def value(item: dict[str, Any], labels: Sequence[str | None], column: str) -> float | None:
    """A released cell's value by its labels (None: suppressed, withheld or not shown)."""
    for row in item["result"]["rows"]:
        if row["labels"] == list(labels):
            found = row["values"].get(column)
            return None if found is None else float(found)
    return None


def reasons(item: dict[str, Any], labels: Sequence[str | None]) -> list[str]:
    for row in item["result"]["rows"]:
        if row["labels"] == list(labels):
            return list(row["reasons"])
    return ["not-shown"]


@pytest.fixture
def world(released_world: World) -> World:
    return released_world


@pytest.fixture
def alice(world: World) -> Attacker:
    return Attacker(world.app, world.token("forsker@uio", "analysis"), "alice")


@pytest.fixture
def bob(world: World) -> Attacker:
    """A second researcher at another institution: another project, another budget."""
    return Attacker(world.app, world.token("forsker@ntnu", "analysis"), "bob")


def restarted(home: Path) -> tuple[Context, Flask]:
    """A fresh service on the same HOME: a new context and a new app, nothing in memory."""
    ctx = Context.open(make_config(home))
    return ctx, create_app(ctx.config, {"TESTING": True})


def report(title: str, **figures: Any) -> None:
    """Print an attack's figures (visible with -s; summarised in README.md)."""
    shown = ", ".join(f"{k}={v}" for k, v in figures.items())
    print(f"\n[red-team] {title}: {shown}")


def within(estimate: float | None, true: float, share: float = 0.05) -> bool:
    return estimate is not None and abs(estimate - true) <= share * abs(true)


@dataclass
class Score:
    """Estimates of targets' values against the truth. An attack on values FAILS when its
    median relative error is at least 25 % and at most a third of the targets (two, for a
    few) come out within 5 %; a withheld answer is an infinite error. A noisy estimate
    lands within 5 % by chance now and then (about one target in fifteen when the noise is
    of the wage's size), so the count alone would flip from run to run."""

    title: str
    errors: list[float] = field(default_factory=list)

    def add(self, estimate: float | None, true: float) -> None:
        self.errors.append(
            float("inf") if estimate is None else abs(estimate - true) / max(abs(true), 1.0)
        )

    @property
    def recovered(self) -> int:
        return sum(e <= 0.05 for e in self.errors)

    @property
    def median(self) -> float:
        ordered = sorted(self.errors)
        return ordered[len(ordered) // 2] if ordered else float("inf")

    def failed(self) -> bool:
        report(
            self.title,
            targets=len(self.errors),
            within_5_percent=self.recovered,
            answered=sum(e != float("inf") for e in self.errors),
            median_rel_error=round(self.median, 3),
            errors=[round(e, 3) if e != float("inf") else None for e in self.errors[:8]],
        )
        return self.recovered <= max(2, len(self.errors) // 3) and self.median >= 0.25
