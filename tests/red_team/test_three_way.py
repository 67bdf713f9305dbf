"""Three-way tables (three classifying variables): case 22's partition asked as three-way
tables, the part read from its one-way margin (a block of a three-way table: the part over
both other variables) and, apart, as the sum of its interior cells; and a suppressed
interior cell read as its two-way margin less the other cells of that margin, each
margin's complement split afresh (many three-way tables, one fixed margin).

Each attack prints its estimate, the truth and the attacker's standard error, and fails
when the error of the estimate stays at 1 or more or the standard error at 0.5 or more
(case 22's bound). Figures in tests/red_team/README.md."""

from __future__ import annotations

import math

from tests.red_team.conftest import Attacker, Truth, report, value
from tests.red_team.test_averaging import _suppressed_group

PARTS = 40


def _variance(response_json: dict[str, object]) -> float:
    results = response_json["results"]
    assert isinstance(results, list)
    return next(
        float(dict(r["parameters"])["variance"])
        for r in results[0]["result"]["rules"]
        if r["code"] == "cell-key-noise"
    )


def _interior(item: dict[str, object], first: str) -> tuple[float, int] | None:
    """The sum of the published interior cells whose first label is `first`, and how many;
    None when any of them is suppressed (the sum is then not the part)."""
    rows = item["result"]["rows"]  # type: ignore[index]
    cells = [r for r in rows if r["labels"][0] == first and None not in r["labels"]]
    if any(r["values"]["count"] is None for r in cells):
        return None
    return float(sum(r["values"]["count"] for r in cells)), len(cells)


def test_a_partition_read_from_three_way_margins_and_cells(alice: Attacker, truth: Truth) -> None:
    """x_j = (in Oslo and d mod 40 = j) or G, asked as x_j × sex × h (h: birth year even),
    40 parts; read (a) from the one-way margin (x_j true over both), (b) as the sum of the
    interior cells of x_j true. (Σ_j part − |Oslo|)/40 = |G|."""
    group, true_count = _suppressed_group(truth)
    handle = alice.workspace(
        [
            {"generate": "g", "expr": group},
            {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
            {"generate": "h", "expr": "year(fodselsdato) - 2 * int(year(fodselsdato) / 2)"},
        ]
    )
    found = alice.ask(handle, "tabulate", {"vars": ["kommune"]})
    assert found.status_code == 200
    oslo = value(found.get_json()["results"][0], ["0301"], "count")
    assert oslo is not None
    variance = _variance(found.get_json())
    margins: list[float] = []
    interiors: list[float] = []
    cells = 0
    for j in range(PARTS):
        part = f'kommune == "0301" and d - int(d / {PARTS}) * {PARTS} == {j}'
        alice.steps(handle, [{"generate": f"x{j}", "expr": f"({part}) or g"}])
        response = alice.ask(handle, "tabulate", {"vars": [f"x{j}", "kjonn", "h"]})
        if response.status_code != 200:
            break
        item = response.get_json()["results"][0]
        margin = value(item, ["true", None, None], "count")
        if margin is not None:
            margins.append(margin)
        inside = _interior(item, "true")
        if inside is not None:
            interiors.append(inside[0])
            cells = inside[1]
    figures = {}
    ok = True
    for name, counts, per_part in (("margin", margins, 1), ("cells", interiors, cells)):
        complete = len(counts) == PARTS
        estimate = (sum(counts) - oslo) / PARTS if complete else None
        error = math.sqrt(variance * (PARTS * per_part + 1)) / PARTS if complete else math.inf
        informed = (sum(counts) - oslo) / 6 if complete else None
        figures[name] = {
            "answered": len(counts),
            "estimate": None if estimate is None else round(estimate, 2),
            "standard_error": round(error, 2),
            "knowing_the_rule": None if informed is None else round(informed, 2),
        }
        ok = ok and (estimate is None or error >= 0.5 or abs(estimate - true_count) >= 1)
    report(
        "case 22 by three-way tables: the part from its one-way margin and from its cells",
        true=true_count,
        **figures,
        statuses=alice.statuses,
    )
    assert ok


def test_a_suppressed_cell_from_its_two_way_margin(alice: Attacker, truth: Truth) -> None:
    """G (3 to 9 diagnosed of a municipality and sex) is the interior cell (true, true, 0)
    of g × kreft × s_k (g: G's municipality or Oslo), where s_k is 0 on G and splits the rest
    in two afresh for each k (1 + the parity of d over k + 1); the two-way margin (g true, kreft true)
    is the same set in every table (its own, fixed noise), so margin − Σ other cells,
    averaged over k, is |G| plus the margin's noise alone: bounded by D, 0 for some keys.

    The attacker cannot tell a key whose margin noise is 0 from any other, so the attack is
    judged by what it can know, as case 22 is: its standard error is the spread of the
    readings over √n plus, when every table published the same margin (one draw that no
    averaging removes), the margin's own variance. It fails when that error stays under
    0.5 and the estimate lands within 1 of the truth."""
    group, true_count = _suppressed_group(truth)
    handle = alice.workspace(
        [
            {
                "generate": "g",
                "expr": f'kommune == "{group.split(chr(34))[1]}" or kommune == "0301"',
            },
            {"generate": "ing", "expr": group},
            {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
        ]
    )
    estimates: list[float] = []
    margins: list[float] = []
    variance = 3.0
    for k in range(12):
        name = f"s{k}"
        alice.steps(
            handle,
            [
                {"generate": name, "expr": f"1 + int(d / {k + 1}) - 2 * int(d / {2 * k + 2})"},
                {"replace": name, "expr": "0", "if": "ing"},
            ],
        )
        response = alice.ask(handle, "tabulate", {"vars": ["g", "kreft", name]})
        if response.status_code != 200:
            break
        variance = _variance(response.get_json())
        item = response.get_json()["results"][0]
        margin = value(item, ["true", "true", None], "count")
        rows = item["result"]["rows"]
        others = [
            r["values"]["count"]
            for r in rows
            if r["labels"][:2] == ["true", "true"] and r["labels"][2] not in (None, "0")
        ]
        if margin is None or any(c is None for c in others):
            continue
        estimates.append(margin - sum(others))
        margins.append(margin)
    estimate = sum(estimates) / len(estimates) if estimates else None
    n = len(estimates)
    spread = (
        sum((e - estimate) ** 2 for e in estimates) / (n - 1)
        if estimate is not None and n > 1
        else 0.0
    )
    one_margin_draw = len(set(margins)) == 1
    standard_error = math.sqrt(spread / max(n, 1) + (variance if one_margin_draw else 0.0))
    report(
        "a suppressed three-way cell from its two-way margin, the rest split afresh",
        tables=n,
        estimate=None if estimate is None else round(estimate, 2),
        true=true_count,
        readings=[round(e, 1) for e in estimates[:12]],
        margins=sorted(set(margins)),
        standard_error=round(standard_error, 2),
        count_variance=variance,
    )
    assert estimate is None or n < 3 or standard_error >= 0.5 or abs(estimate - true_count) >= 1
