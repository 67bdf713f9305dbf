"""Case 22 against the limits of the sunflowers across the ledger (core-sharing's holder
samples, kernels.ledger_kernels; issue 13): the partition of everyone but G, padded with
G, each part asked from a fresh workspace (`test_averaging`'s fresh-workspace partition),
made to fall outside what the detector looked at.

- *The cap*: the detector checked at most 64 candidate groups (cell, kernel) per view, in
  the order of the cells. Decoy cells placed before the part's cell, each met in one set by
  8 earlier tables (a dozen groups a cell, none of them the attack), filled the cap, and
  the part's own sunflower was never checked.
- *Units in two cells*: the samples were met only when the table's cells partitioned its
  population. One row of one known person in a panel put that person in two cells, and the
  whole table was neither checked nor recorded as holders.

Each is judged as the fresh-workspace partition is: the attacker's standard error from the
parts answered, the estimate's error, and the estimate of an attacker who knows the rule
(G only in the first max_sets parts)."""

from __future__ import annotations

from typing import Any

from tests.red_team.conftest import Attacker, Person, Truth, value
from tests.red_team.test_averaging import PART_IMPORTS, _suppressed_group, judge_partition

D = '(fodselsdato - date("1900-01-01"))'


def _mod(expr: str, k: int) -> str:
    return f"(({expr}) - int(({expr}) / {k}) * {k})"


# Regions of everyone: Z (about 1 %) is left out of every part's table and varies the
# decoy holders; Y (about 20 %) holds the decoy cells; the parts partition the rest.
Z = f"{_mod(D, 97)} == 0"
Y = f"{_mod(D, 5)} == 0 and not ({Z})"
DECOYS = 9  # decoy cells, labels 1-9, before the part's cell (500)
DECOY_TABLES = 8  # earlier tables meeting each decoy cell in 12 sets of one class each


def _group(truth: Truth) -> tuple[str, int]:
    group, count = _suppressed_group(truth)
    return group.replace("kreft", "not sysmiss(diagnose)"), count


def _ask_part(attacker: Attacker, steps: list[dict[str, Any]]) -> dict[str, Any] | None:
    created = attacker.post("", {})
    assert created.status_code == 201, created.get_json()
    handle = created.get_json()["workspace"]
    attacker.steps(handle, PART_IMPORTS + steps)
    response = attacker.ask(handle, "tabulate", {"vars": ["x"]})
    if response.status_code != 200:
        return None
    found: dict[str, Any] = response.get_json()["results"][0]
    return found


def _decoy_holders(attacker: Attacker, group: str) -> None:
    """8 one-way tables over Y and Z (not G): y_i is the class of the birth date mod 12 on
    Y, and a shifted class on Z, so each y_i's cell b meets every decoy cell Y_c in the same
    set (Y_c and class b) while the 8 tables' cells differ (in Z)."""
    created = attacker.post("", {})
    handle = created.get_json()["workspace"]
    attacker.steps(handle, PART_IMPORTS)
    for i in range(DECOY_TABLES):
        shifted = f"1 + {_mod(f'int({D} / 97) + {i}', 12)}"
        attacker.steps(
            handle,
            [
                {
                    "generate": f"y{i}",
                    "expr": f"cond({Z}, {shifted}, 1 + {_mod(D, 12)})",
                    "if": f"(({Z}) or ({Y})) and not ({group})",
                }
            ],
        )
        assert attacker.table(handle, {"vars": [f"y{i}"]}) is not None


def test_decoy_cells_before_the_part_fill_the_detectors_checks(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """The cap: each part's table is x = 500 on A_j ∪ G, the decoy cells 1-9 on Y (the same
    sets in every part), 900 on the rest, missing on Z; 12 decoy groups a decoy cell (108 in
    all) come before the part's cell."""
    group, true_count = _group(truth)
    _decoy_holders(alice, group)
    parts = 37  # prime (no part a residue class of Y or Z), and within both budgets
    counts: list[float] = []
    base: float | None = None
    for a, attacker in enumerate([alice, bob]):
        for j in range(a, parts, 2):
            part = f"not ({Z}) and not ({Y}) and {_mod(D, parts)} == {j}"
            steps: list[dict[str, Any]] = [
                {"generate": "x", "expr": "900", "if": f"not ({Z})"},
                {"replace": "x", "expr": f"1 + {_mod(f'int({D} / 7)', DECOYS)}", "if": Y},
                {"replace": "x", "expr": "500", "if": part},
                {"replace": "x", "expr": "500", "if": group},
            ]
            found = _ask_part(attacker, steps)
            if found is None or value(found, ["500"], "count") is None:
                break
            if base is None:
                labels = [row["labels"][0] for row in found["result"]["rows"]]
                assert labels[: DECOYS + 1] == [str(c) for c in range(1, DECOYS + 1)] + ["500"]
                rest = value(found, ["900"], "count")
                base = None if rest is None else (value(found, ["500"], "count") or 0) + rest
            counts.append(value(found, ["500"], "count") or 0.0)
    judge_partition("case 22 holder limits: decoy cells fill the checks", counts, base, true_count)


def _mover(truth: Truth, group_expr: str) -> Person:
    """A person the attacker can single out, outside G."""
    kommune = group_expr.split('"')[1]
    return next(p for p in truth.unique if p.kommune != kommune)


def test_one_row_in_another_cell_puts_the_table_outside_the_samples(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """Units in two cells: each part's workspace in panel form (three years of wages, a row
    per person and year), x = 1 on A_j ∪ G and 0 elsewhere, but 2 on one known person's
    2020 row: that person is in two cells of the table."""
    group, true_count = _group(truth)
    person = _mover(truth, group)
    parts = 40
    counts: list[float] = []
    base: float | None = None
    for a, attacker in enumerate([alice, bob]):
        for j in range(a, parts, 2):
            part = f"{_mod(D, parts)} == {j}"
            steps: list[dict[str, Any]] = [
                {
                    "import": "INNTEKT_WLONN",
                    "dates": ["2020-12-31", "2021-12-31", "2022-12-31"],
                    "as": "l",
                },
                {"reshape_to_panel": ["l"], "date_as": "aar"},
                {"generate": "x", "expr": f"cond((({part}) and not ({group})) or ({group}), 1, 0)"},
                {"replace": "x", "expr": "2", "if": f"{person.expr()} and year(aar) == 2020"},
            ]
            found = _ask_part(attacker, steps)
            if found is None or value(found, ["1"], "count") is None:
                break
            if base is None:
                total = value(found, [None], "count")
                base = total
            counts.append(value(found, ["1"], "count") or 0.0)
    judge_partition("case 22 holder limits: one person in two cells", counts, base, true_count)
