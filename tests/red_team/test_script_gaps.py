"""The numbers the script language's last gaps release (issue 15), attacked as a researcher
would with an API token: several percentages in one table (`percents`; scripts'
`rowpct colpct`). Each prints its figure and asserts it fails."""

from __future__ import annotations

import itertools
from typing import Any

from tests.red_team.conftest import Attacker, Truth, report

RUN = "/api/v1/scripts/run"
HEAD = """require no.regcat.demo:1 as db
import db/BEFOLKNING_BOSTED_KOMMUNE 2020-01-01 as kommune
import db/BEFOLKNING_KJOENN as kjonn
import db/BEFOLKNING_FOEDSELSDATO as fodselsdato
"""


def _cells(results: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Per cell of the first result: its published count and percentages, by base."""
    item = results[0]["result"]
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in item["rows"]:
        values = row["values"]
        bases = {k.removeprefix("percent_"): v for k, v in values.items() if k != "count"}
        out[tuple(row["labels"])] = {"count": values["count"], **bases}
    return out


def test_several_percentages_of_one_person_asked_every_way(alice: Attacker, truth: Truth) -> None:
    """The target's cell (its sex × a 0/1 marking the target alone: one person) asked with
    every combination and order of row, column and cell percentages, on renamed copies of
    the marker, by the API (`percents`) and by scripts (`rowpct colpct …`); from each
    answer the attacker reads the target cell as published, or derives it from the row
    margin and the other cell's row percentage (count = margin · (1 − pct/100)), and
    averages. Every percentage is a published count over a published count, so each
    wording gives the same numbers: one draw, which averaging cannot shrink."""
    person = truth.targets(1)[0]
    handle = alice.workspace()
    answers: dict[tuple[Any, ...], set[Any]] = {}
    derived: list[float] = []
    wordings = [
        list(order)
        for size in (2, 3)
        for chosen in itertools.combinations(("row", "column", "cell"), size)
        for order in itertools.permutations(chosen)
    ]
    for i, percents in enumerate(wordings):
        alice.steps(handle, [{"generate": f"t{i}", "expr": person.expr()}])
        response = alice.ask(handle, "tabulate", {"vars": ["kjonn", f"t{i}"], "percents": percents})
        assert response.status_code == 200, response.get_json()
        cells = _cells(response.get_json()["results"])
        for labels, values in cells.items():
            for base, value in values.items():
                answers.setdefault((labels, base), set()).add(value)
        target = cells.get((person.sex, "true"), {}).get("count")
        margin = cells.get((person.sex, None), {}).get("count")
        other = cells.get((person.sex, "false"), {}).get("row")
        if target is not None:
            derived.append(float(target))
        elif margin is not None and other is not None:
            derived.append(margin * (1 - other / 100))
    for line in ("tabulate kjonn t, rowpct colpct", "tabulate t kjonn, colpct rowpct cellpct"):
        script = f"{HEAD}generate t = {person.expr()}\n{line}\n"
        response = alice.client.post(RUN, json={"script": script}, headers=alice.headers)
        alice._check(response)
        body = response.get_json()
        assert response.status_code == 200 and body["error"] is None, body
        (item,) = [o for o in body["output"] if o["kind"] == "result"]
        cells = _cells(item["response"]["results"])
        flip = line.startswith("tabulate t")
        for labels, values in cells.items():
            key = tuple(reversed(labels)) if flip else labels
            if "count" in values:
                answers.setdefault((key, "count"), set()).add(values["count"])
    distinct = max(len(found) for found in answers.values())
    spread = max(derived) - min(derived) if derived else None
    report(
        "several percentages of one person, every wording",
        wordings=len(wordings) + 2,
        most_distinct_answers_per_cell=distinct,
        derived_estimates=len(derived),
        estimate=round(derived[0], 2) if derived else None,
        spread=spread,
    )
    assert all(count is None for count in answers[((person.sex, "true"), "count")])
    # Rounding a percentage to a tenth moves the derived count by under margin/1000, the
    # same in every wording; the counts and percentages themselves take one value each.
    assert distinct == 1
    assert spread is None or spread == 0
