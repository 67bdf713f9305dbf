"""A second opinion on groups at the threshold (issue 13): a group of exactly 10 units, the
target entering or leaving it. min-population is judged on perturbed counts (a group
statistic is missing when its units' perturbed count is under 10, steps/shared/grouping.py;
a table cell likewise), so a group of 9 known people and the target if diagnosed is shown
more often when diagnosed. Each perturbed count is one reading of the target's presence,
worth at most a count's 1/6 a reading; the attack asks whether one group gives more than
one reading: every statistic of one `aggregate` step (count, sum, mean, sd, median, max,
min: each with its own rule of support) and the table that reads them, over fresh paddings
(new known people each round, a new workspace, so new cell keys).

The attacker calibrates the threshold's odds on groups of known people alone (10 and 9),
reads each target's group by whether its count is shown, with the published perturbation
table's odds (0.614 for 10 units, 0.386 for 9: a binary reading worth 0.107 for the truth on
average, below a published count's 0.157 and the house's 1/6), and checks that no other
statistic is shown or withheld apart from it at a rate that depends on the group's size.
FAILS when every statistic but sd is shown or withheld with its count (sd's support, the
units off the mode, is its own) and the mean log-likelihood ratio a group gives is within
three standard errors of the one reading's 0.107 (48 readings: a bound of 0.30).

The budget answers one padding's seven tables and two more paddings' counts (five
refused), so the first padding reads every statistic and the later ones the count alone.
2026-12-08 (main 85ad1be), six sessions under random keys: −0.039, 0.116, 0.078, 0.078,
0.078, 0.097 a group for the truth (48 readings each); no statistic apart from its count
in 40 of 40 groups of the first padding each session, sd never shown; calibration shown
131/216 of 10 and 81/216 of 9 (the table's 0.614 and 0.386). An earlier version that read
a refused table as withheld saw the windows "apart" in half the groups: the budget's
refusals of the last tables, not a decision of their own."""

from __future__ import annotations

import math
from typing import Any

from catalogue.analysis.output_control.ptable import load_ptable
from tests.red_team.conftest import Attacker, Person, Truth, report
from tests.red_team.support import born_on

PER_KIND = 8  # targets with a diagnosis, and as many without
KNOWN = 9  # known people beside each target: 10 units iff diagnosed
CALIBRATION = 12  # groups of 10 known people, and as many of 9
ROUNDS = 8  # fresh paddings, each in a workspace of its own
COUNT_LLR = 1 / 6
STATISTICS = ("count", "sum", "mean", "sd", "median", "max", "min")


def _round(
    alice: Attacker,
    truth: Truth,
    targets: list[Person],
    offset: int,
    statistics: tuple[str, ...],
) -> tuple[dict[int, tuple[bool, ...]], dict[int, tuple[bool, ...]]] | None:
    """One padding: per target's group (0-15) and per calibration group (100 + j: 10 known;
    200 + j: 9 known) which statistics are shown (read exactly as labels); None when a
    table is refused."""
    need = len(targets) * KNOWN + CALIBRATION * (2 * KNOWN + 1)
    people = truth.by_birth(need, skip={p.birth for p in targets}, offset=offset)
    steps: list[dict[str, Any]] = [{"generate": "grp", "expr": "99"}]
    at = 0
    for i, person in enumerate(targets):
        steps.append({"replace": "grp", "expr": str(i), "if": born_on(people[at : at + KNOWN])})
        steps.append({"replace": "grp", "expr": str(i), "if": f"({person.expr()}) and kreft"})
        at += KNOWN
    for j in range(CALIBRATION):
        steps.append(
            {"replace": "grp", "expr": str(100 + j), "if": born_on(people[at : at + KNOWN + 1])}
        )
        at += KNOWN + 1
        steps.append(
            {"replace": "grp", "expr": str(200 + j), "if": born_on(people[at : at + KNOWN])}
        )
        at += KNOWN
    # Positive values within 1.6 of each other: no two dominate a group of 9 or 10.
    steps.append(
        {"generate": "v", "expr": "0.01 * (10 + mod(day(fodselsdato), 7))", "if": "grp != 99"}
    )
    steps.append(
        {
            "aggregate": {f"a_{s}": [s, "v"] for s in statistics},
            "by": "grp",
        }
    )
    handle = alice.workspace(steps)
    shown: dict[int, list[bool]] = {}
    everyone = [*range(len(targets)), *(100 + j for j in range(CALIBRATION))]
    everyone += [200 + j for j in range(CALIBRATION)]
    for s in statistics:
        # Each group's value read exactly as the label of its cell in a table by grp and
        # the value (test_spreads_and_reach._group_labels), a refused table told apart.
        table = alice.table(handle, {"vars": ["grp", f"a_{s}"]})
        if table is None:  # refused (the budget): no reading of this padding
            return None
        labels = {
            int(row["labels"][0])
            for row in table[0]["result"]["rows"]
            if row["labels"][0] is not None
            and row["labels"][1] is not None
            and row["values"].get("count")
        }
        for g in everyone:
            shown.setdefault(g, []).append(g in labels)
    groups = {g: tuple(v) for g, v in shown.items()}
    return (
        {g: v for g, v in groups.items() if g < 100},
        {g: v for g, v in groups.items() if g >= 100},
    )


def _shown_odds() -> tuple[float, float]:
    """P(a count cell of 10 units is shown) and P(of 9), from the published perturbation
    table (D = 5, V = 3): the attacker's model of the threshold."""
    table = load_ptable(5, 3.0)
    row = table.rows[-1]
    noise = range(-table.max_noise, table.max_noise + 1)
    return (
        float(sum(p for d, p in zip(noise, row, strict=True) if 10 + d >= 10)),
        float(sum(p for d, p in zip(noise, row, strict=True) if 9 + d >= 10)),
    )


def test_a_target_at_the_threshold_of_a_group_of_ten(alice: Attacker, truth: Truth) -> None:
    """ROUNDS fresh paddings of 9 known people and the target if diagnosed, every
    statistic of one aggregate step read as labels. The count's presence is read with the
    perturbation table's odds; whether the other statistics add a reading is seen on
    calibration groups of 10 and 9 known people of the same rounds (a statistic shown or
    withheld apart from the count, at rates that differ by the group's size)."""
    targets = truth.targets(PER_KIND, kreft=True) + truth.targets(PER_KIND, kreft=False)
    readings: list[tuple[int, tuple[bool, ...]]] = []
    whole: list[tuple[bool, ...]] = []  # the first padding's groups, every statistic
    ten: list[tuple[bool, ...]] = []
    nine: list[tuple[bool, ...]] = []
    refused = 0
    for r in range(ROUNDS):
        # Every statistic in the first padding, the count alone in the later ones (a
        # table a statistic: the budget answers about ten).
        asked = STATISTICS if r == 0 else STATISTICS[:1]
        answered = _round(alice, truth, targets, 1500 + 400 * r, asked)
        if answered is None:
            refused += 1
            continue
        found, calibration = answered
        readings += list(found.items())
        ten += [v for g, v in calibration.items() if g < 200]
        nine += [v for g, v in calibration.items() if g >= 200]
        if r == 0:
            whole = [*found.values(), *calibration.values()]
    p10, p9 = _shown_odds()
    shown_llr = math.log(p10 / p9)
    hidden_llr = math.log((1 - p10) / (1 - p9))
    ratios = []
    for i, pattern in readings:
        r = shown_llr if pattern[0] else hidden_llr
        ratios.append(r if targets[i].kreft else -r)
    per_group = sum(ratios) / len(ratios)
    right = sum(pattern[0] == targets[i].kreft for i, pattern in readings)

    # In the first padding (every statistic): groups where a statistic other than sd (its
    # support is its own, the units off the mode) is shown or withheld apart from the count.
    apart = sum(any(p[k] != p[0] for k in (1, 2, 4, 5, 6)) for p in whole)

    def code(p: tuple[bool, ...]) -> str:
        return "".join("1" if x else "0" for x in p)

    report(
        f"a target at the threshold of a group of {KNOWN + 1} ({len(STATISTICS)} statistics, "
        f"{ROUNDS} paddings)",
        readings=len(readings),
        paddings_refused=refused,
        patterns_of_the_first_padding=sorted({code(p) for p in whole}),
        statistics_apart_from_the_count=f"{apart}/{len(whole)}",
        sd_shown=sum(p[3] for p in whole),
        shown_of_ten=f"{sum(p[0] for p in ten)}/{len(ten)}",
        shown_of_nine=f"{sum(p[0] for p in nine)}/{len(nine)}",
        the_tables_odds=(round(p10, 3), round(p9, 3)),
        shown_diagnosed=sum(p[0] for i, p in readings if targets[i].kreft),
        shown_not=sum(p[0] for i, p in readings if not targets[i].kreft),
        right_by_the_count=f"{right}/{len(readings)}",
        llr_per_group=round(per_group, 3),
        one_readings_llr=round(p10 * shown_llr + (1 - p10) * hidden_llr, 3),
        count_llr_per_reading=round(COUNT_LLR, 3),
    )
    # Every statistic of a group is shown or withheld with its count: one reading a group.
    assert whole and apart == 0
    expected = p10 * shown_llr + (1 - p10) * hidden_llr
    spread = math.sqrt(p10 * (1 - p10)) * (shown_llr - hidden_llr)
    assert per_group <= expected + 3 * spread / math.sqrt(len(ratios))
