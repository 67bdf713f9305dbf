"""Group registration (aggregation; output_control/group_values.py, steps/shared/grouping.py)
attacked through the HTTP API: a group's unit set is registered with the differencing
guard when something computed from its statistic is released. Which groups are registered
was decided on their exact size (10 or more): a group of 9 known people and the target if
diagnosed (10 units, or 9) was registered iff diagnosed, and a registered group near a set
released before withholds what is computed from its statistic. The attacker first
tabulates a cell of the 9 known people, the target and one more known person (11 units,
registered), then aggregates the wage by the group and releases the mean of the new
variable: withheld (`differencing`, the group 1 unit from the cell) iff the group was
registered. Guess: diagnosed iff withheld. A coin gets half right. Before: 12 of 12. Now a
group is kept by its perturbed count (group_values.registered_groups), as its values are:
withheld as often as a count of 9 or 10 reaches the threshold (9 and 7 of 12 in two
runs: one perturbed count at the bound, which a count of the group publishes anyway)."""

from __future__ import annotations

from tests.red_team.conftest import Attacker, Truth, report
from tests.red_team.support import born_on, reasons

TARGETS = 6  # diagnosed, and as many not
KNOWN = 9


def test_a_group_registered_by_its_exact_size(alice: Attacker, bob: Attacker, truth: Truth) -> None:
    """Per target: c = 1 for K (9 known), the target and one more known person, missing
    else; tabulate c (cell 1: 11 units, registered); g = 1 for K and the target if
    diagnosed, else 2 (born in month i + 1) or 3: groups far from any set released, and
    from every other target's; aggregate the mean wage by g into m; tabulate the mean of m
    by g (group 1's cell is empty when its m is missing). Withheld by
    `differencing` iff g's group 1 is registered (then 1 unit from cell 1). Half the
    targets by a second researcher (another budget). Reported: withheld per world, the
    guesses right. One perturbed count at the threshold is right with probability 0.614
    per target (ptable D5 V3: a count of 10 reaches 10 that often, one of 9 as often
    not), so 10 or more of 12 happens by chance one run in ten, and 12 of 12 in 0.3 %.
    Asserted: not all 12 right (before, every one was)."""
    pairs = zip(
        truth.targets(TARGETS, kreft=True), truth.targets(TARGETS, kreft=False), strict=True
    )
    targets = [person for pair in pairs for person in pair]
    skip = {p.birth for p in targets}
    handles = {alice.name: alice.workspace(), bob.name: bob.workspace()}
    withheld = {True: 0, False: 0}
    right = shown = 0
    seen: set[str] = set()
    for i, person in enumerate(targets):
        attacker = alice if i < TARGETS else bob
        handle = handles[attacker.name]
        people = truth.by_birth(KNOWN + 1, skip=skip, offset=(KNOWN + 1) * i + 900)
        known, extra = born_on(people[:KNOWN]), born_on(people[KNOWN:])
        t = person.expr()
        attacker.steps(
            handle,
            [
                {"generate": f"c{i}", "expr": "1", "if": f"({t}) or {known} or {extra}"},
                {"generate": f"g{i}", "expr": f"cond(month(fodselsdato) == {i + 1}, 2, 3)"},
                {"replace": f"g{i}", "expr": "1", "if": f"(({t}) and kreft) or {known}"},
            ],
        )
        cell = attacker.count_of(handle, [f"c{i}"], ["1"])
        attacker.steps(handle, [{"aggregate": {f"m{i}": ["mean", "lonn"]}, "by": f"g{i}"}])
        response = attacker.ask(
            handle, "tabulate", {"vars": [f"g{i}"], "summarize": f"m{i}", "stats": ["mean"]}
        )
        why = reasons(response)
        seen.update(why)
        held = "differencing" in why
        withheld[person.kreft] += held
        right += held == person.kreft
        shown += cell is not None
    report(
        "group registered by its exact size (9 known and the target if diagnosed)",
        targets=len(targets),
        withheld_diagnosed=withheld[True],
        withheld_not=withheld[False],
        right=right,
        cells_shown=shown,
        reasons=sorted(seen),
    )
    assert right < len(targets)
