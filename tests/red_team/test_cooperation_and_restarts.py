"""Two researchers cooperating (two projects, two budgets, one ledger), and restarts: a
fresh service on the same HOME must remember every registered set and every charge, and
answer a repeated question as before."""

from __future__ import annotations

from tests.red_team.conftest import Attacker, Truth, report, restarted, value, within
from tests.red_team.test_averaging import average_scaled_copies, judge_averaging
from tests.test_accounts_support import World


def test_differencing_split_over_two_researchers(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """Alice asks over everyone, Bob over everyone but the target: sums and counts."""
    everyone = alice.workspace()
    total = alice.sum_of(everyone, "lonn")
    kreft = alice.count_of(everyone, ["kreft"], ["true"])
    assert total is not None and kreft is not None
    recovered = right = 0
    targets = truth.targets(3, kreft=True) + truth.targets(3, kreft=False)
    for person in targets:
        handle = bob.workspace([{"drop_if": person.expr()}])
        rest = bob.sum_of(handle, "lonn")
        recovered += within(None if rest is None else total - rest, person.wage or 0)
        without = bob.count_of(handle, ["kreft"], ["true"])
        right += (without is not None and kreft - without == 1) == person.kreft
    report(
        "two researchers: differencing",
        targets=len(targets),
        wages_recovered=recovered,
        diagnoses_right_from_values=right,
    )
    assert recovered == 0
    assert right < len(targets)  # the published values alone (withheld ones read as "no")


def test_averaging_split_over_two_researchers(alice: Attacker, bob: Attacker, truth: Truth) -> None:
    """The scaled-copies averaging of test_averaging with both budgets on one target."""
    person = truth.targets(1, min_wage=300_000)[0]
    estimate, n = average_scaled_copies([alice, bob], person, 150)
    assert judge_averaging("averaging scaled copies (two projects)", person, estimate, n)


def test_a_restart_forgets_no_registered_set(world: World, truth: Truth) -> None:
    """Alice's kreft table is registered; after a restart (new context, new app, same
    HOME), the same table without a diagnosed target must not be published in full, and
    the first table must come back exactly as before (no fresh noise to average)."""
    home = world.ctx.config.home
    alice = Attacker(world.app, world.token("forsker@uio", "analysis"), "alice")
    targets = truth.targets(4, kreft=True)
    everyone = alice.workspace()
    before = alice.table(everyone, {"vars": ["kreft", "kjonn"]})
    assert before is not None
    token = world.token("forsker@uio", "analysis")
    ctx, app = restarted(home)
    try:
        again = Attacker(app, token, "alice after a restart")
        handle = again.workspace()
        repeat = again.table(handle, {"vars": ["kreft", "kjonn"]})
        assert repeat is not None
        same = [r["values"] for r in repeat[0]["result"]["rows"]] == [
            r["values"] for r in before[0]["result"]["rows"]
        ]
        differenced = 0
        for person in targets:
            without = again.workspace([{"drop_if": person.expr()}])
            found = again.table(without, {"vars": ["kreft", "kjonn"]})
            if found is None:
                continue
            shown_before = value(before[0], ["true", person.sex], "count")
            shown_now = value(found[0], ["true", person.sex], "count")
            differenced += (
                shown_now is not None and shown_before is not None and shown_now != shown_before
            )
    finally:
        ctx.close()
    report("restart: guard and noise remembered", same_answer=same, differenced=differenced)
    assert same
    assert differenced == 0


def test_a_restart_forgets_no_shared_core(world: World, truth: Truth) -> None:
    """Case 22's partition until `core-sharing` answers a part without its core (told to
    the steward alone: the shared-core flag); after a restart (new context, new app, same
    HOME) the same parts asked again from a new workspace come back as before, the one
    answered without the core too: the cores' holders are in the ledger."""
    from catalogue.services import behaviour
    from tests.red_team.test_averaging import _suppressed_group

    home = world.ctx.config.home
    token = world.token("forsker@uio", "analysis")
    group, _ = _suppressed_group(truth)

    def parts(attacker: Attacker, n: int) -> list[float | None]:
        handle = attacker.workspace(
            [
                {"generate": "g", "expr": group},
                {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
            ]
        )
        attacker.table(handle, {"vars": ["kommune"]})
        found: list[float | None] = []
        for j in range(n):
            part = f'kommune == "0301" and d - int(d / 40) * 40 == {j}'
            attacker.steps(handle, [{"generate": f"x{j}", "expr": f"({part}) or g"}])
            table = attacker.table(handle, {"vars": [f"x{j}"]})
            found.append(None if table is None else value(table[0], ["true"], "count"))
        return found

    before = parts(Attacker(world.app, token, "alice"), 4)
    told = sum(f.count for f in behaviour.flags(world.ctx) if f.code == "shared-core")
    ctx, app = restarted(home)
    try:
        after = parts(Attacker(app, token, "alice after a restart"), 4)
    finally:
        ctx.close()
    report("restart: shared cores remembered", before=before, after=after, shared_core=told)
    answered = [v for v in before if v is not None]
    assert len(answered) == 4 and told >= 1
    assert after == before
