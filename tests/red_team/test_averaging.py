"""Averaging: many differently worded questions whose noise is independent, averaged until
the noise is gone. The same table asked many ways (names, copies, order), a target's wage
from many scaled copies (the target the largest contribution of a population of small
earners), and a suppressed count from many differently padded tables (case 22)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tests.red_team.conftest import Attacker, Person, Truth, report, value
from tests.red_team.support import both_kinds, replaced, wage_error
from tests.test_accounts_support import World


def test_one_table_asked_fifty_ways(alice: Attacker) -> None:
    """Copies and renames of one variable, dimensions in either order: one answer."""
    handle = alice.workspace()
    answers: set[float | None] = set()
    for i in range(25):
        alice.steps(handle, [{"generate": f"k{i}", "expr": "kreft"}])
        results = alice.table(handle, {"vars": [f"k{i}"]})
        assert results is not None
        answers.add(value(results[0], ["true"], "count"))
        pair = alice.table(handle, {"vars": [f"k{i}", "kjonn"] if i % 2 else ["kjonn", f"k{i}"]})
        assert pair is not None
        labels = ["true", "1"] if i % 2 else ["1", "true"]
        answers.add(-1 - (value(pair[0], labels, "count") or 0))  # another cell, kept apart
    report("one table asked 50 ways", distinct_answers=len(answers))
    assert len(answers) == 2  # one value per cell, whatever the wording


def average_scaled_copies(
    attackers: list[Attacker], person: Person, copies: int
) -> tuple[float | None, int]:
    """Population: earners of at most 50,000 plus the target, so the target is the largest
    contribution and its noise the only large one. One sum without the target first, then
    Σ c_k·y / c_k for up to `copies` factors c_k (each with fresh noise) per attacker, until
    the service refuses; the average minus the sum without. Returns (estimate, sums used)."""
    population = f"(lonn >= 0 and lonn <= 50000) or ({person.expr()})"
    first = attackers[0]
    handle = first.workspace(
        [
            {"keep_if": population},
            *replaced("uten", "lonn", "0", person.expr()),
        ]
    )
    without = first.sum_of(handle, "uten")
    if without is None:
        return None, 0
    usable: list[float] = []
    for a, attacker in enumerate(attackers):
        mine = handle if a == 0 else attacker.workspace([{"keep_if": population}])
        factors = [1 + (len(attackers) * k + a) / 7 for k in range(copies)]
        attacker.steps(
            mine, [{"generate": f"c{k}", "expr": f"lonn * {c}"} for k, c in enumerate(factors)]
        )
        for k, c in enumerate(factors):
            total = attacker.sum_of(mine, f"c{k}")
            if total is None:
                break  # refused (the budget): a careful attacker stops paying
            usable.append(total / c)
    if not usable:
        return None, 0
    return float(np.mean(usable)) - without, len(usable)


STRENGTH = 0.5  # magnitude-noise's strength, which every result lists with its rules


def judge_averaging(title: str, person: Person, estimate: float | None, n: int) -> bool:
    """Each sum carries noise of sd at least STRENGTH times the target's wage (its largest
    contribution), independent from sum to sum: after n sums the attacker's standard error
    is STRENGTH/√n of the wage, whatever this run's draw. The attack FAILS when the service
    stops it while that is still 5 % or more (n ≤ 100), or its estimate is 5 % or more off."""
    standard_error = STRENGTH / math.sqrt(n) if n else math.inf
    error = wage_error(estimate, person)
    report(
        title,
        sums_answered=n,
        standard_error=round(standard_error, 3),
        rel_error=round(error, 3),
    )
    return standard_error >= 0.05 or error >= 0.05


def test_averaging_scaled_copies_of_a_dominant_target(alice: Attacker, truth: Truth) -> None:
    """Up to 150 scaled copies, the whole budget on one target."""
    person = truth.targets(1, min_wage=300_000)[0]
    estimate, n = average_scaled_copies([alice], person, 150)
    assert judge_averaging("averaging scaled copies (one project)", person, estimate, n)


def _suppressed_group(truth: Truth) -> tuple[str, int]:
    """A group the attacker can describe (municipality and sex) whose count of diagnosed
    people is 3-9: the suppressed count they want. Not in Oslo (the padding)."""
    groups: dict[tuple[str, str], int] = {}
    for p in truth.people:
        if p.kommune != "0301" and p.kreft:
            groups[(p.kommune, p.sex)] = groups.get((p.kommune, p.sex), 0) + 1
    (kommune, sex), count = max(
        ((k, c) for k, c in groups.items() if 3 <= c <= 9), key=lambda kc: (kc[1], kc[0])
    )
    return f'kommune == "{kommune}" and kjonn == "{sex}" and kreft', count


def judge_case_22(
    title: str,
    before: dict[str, Any],
    estimate: float | None,
    after: dict[str, Any],
    true_count: int,
    standard_error: float,
    informed: float | None,
    informed_error: float,
    *,
    informed_bound: bool = True,
) -> None:
    """An estimate of a suppressed count reported (`before` and `after`: further figures,
    shown before and after the estimate) with the estimate of an attacker who knows
    `core-sharing` (`informed`), and held to case 22's bound: it FAILS unless the attacker
    was stopped while their 95 % interval still spanned at least three counts (standard
    error ≥ 0.5), or the estimate is at least 1 off; the informed estimate likewise where
    `informed_bound`."""
    report(
        title,
        **before,
        estimate=None if estimate is None else round(estimate, 2),
        **after,
        true=true_count,
        standard_error=round(standard_error, 2),
        knowing_the_rule=None if informed is None else round(informed, 2),
        its_standard_error=round(informed_error, 2),
    )
    assert standard_error >= 0.5 or estimate is None or abs(estimate - true_count) >= 1
    if informed_bound:
        assert informed_error >= 0.5 or informed is None or abs(informed - true_count) >= 1


def padded_rounds(attackers: list[Attacker], truth: Truth, rounds: int) -> None:
    """Case 22. With A, B two independent random halves of Oslo and G the hidden group,
    |A∪G| + |B∪G| − |A∪B| − |A∩B| = 2·|G|; every set is hundreds of units from the others.
    Rounds are shared out among the attackers; each stops at its first refusal."""
    group, true_count = _suppressed_group(truth)
    estimates: list[float] = []
    for a, attacker in enumerate(attackers):
        handle = attacker.workspace(
            [
                {"generate": "g", "expr": group},
                {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
            ]
        )
        for i in range(a, rounds, len(attackers)):
            p, q, s = 7 + 2 * i, 8 + 2 * i, 3 * i
            in_a = f'kommune == "0301" and d - int(d / {p}) * {p} < {p} / 2'
            in_b = f'kommune == "0301" and (d + {s}) - int((d + {s}) / {q}) * {q} >= {q} / 2'
            attacker.steps(
                handle,
                [
                    {"generate": f"ag{i}", "expr": f"({in_a}) or g"},
                    {"generate": f"bg{i}", "expr": f"({in_b}) or g"},
                    {"generate": f"aub{i}", "expr": f"({in_a}) or ({in_b})"},
                    {"generate": f"anb{i}", "expr": f"({in_a}) and ({in_b})"},
                ],
            )
            counts = []
            for v in ("ag", "bg", "aub", "anb"):
                counts.append(attacker.count_of(handle, [f"{v}{i}"], ["true"]))
                if counts[-1] is None:
                    break
            if len(counts) < 4 or None in counts:
                break  # refused: stop paying
            ag, bg, aub, anb = (c or 0 for c in counts)
            estimates.append((ag + bg - aub - anb) / 2)
    n = len(estimates)
    estimate = float(np.mean(estimates)) if estimates else None
    # Each round's estimate has variance 4·V/4 = V = 3 (the count noise's variance, which
    # every result states): the attacker's standard error after n rounds is √(3/n).
    standard_error = math.sqrt(3 / n) if n else math.inf
    # An attacker who knows `core-sharing`: once G is held by `max_sets` (5) other sets,
    # A ∪ B, which leaves G out, is answered as A ∪ B ∪ G (the cell with its core beyond
    # it), and a round gives |G| once, not twice: from the seventh round on, each round's
    # ag + bg − aub − anb is |G| with the noise of four counts (variance 4·V = 12).
    late = [2 * e for e in estimates[6:]]
    informed = float(np.mean(late)) if late else None
    informed_error = math.sqrt(12 / len(late)) if late else math.inf
    judge_case_22(
        f"case 22: averaging padded tables ({len(attackers)} project(s))",
        {"rounds_answered": n},
        estimate,
        {},
        true_count,
        standard_error,
        informed,
        informed_error,
    )


def test_averaging_padded_tables_recovers_a_suppressed_count(alice: Attacker, truth: Truth) -> None:
    padded_rounds([alice], truth, 40)


def test_averaging_padded_tables_over_two_projects(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    padded_rounds([alice, bob], truth, 40)


def partition_padding(
    attackers: list[Attacker],
    truth: Truth,
    parts: int,
    known: Sequence[Person] = (),
    *,
    by: str | None = None,
    forget: bool = False,
) -> None:
    """Case 22 with the padding that needs the fewest questions: a table of `kommune` gives
    |Oslo| (a table everybody asks for), then one new derived variable per part,
    x_j = (in Oslo and d mod m = j) or g, and its table, the parts shared out among the
    attackers. The parts are disjoint, so (Σ_j |x_j| − |Oslo|)/m = |G| plus the noise of
    m + 1 counts over m: variance V(m + 1)/m² for count noise of variance V (which every
    result states). With V = 3 that is below a quarter (standard error 0.5) from m = 13 on:
    fewer questions than a study's inputs, so no budget a study fits in stops it.
    `known`: people outside Oslo and G whom the attacker adds to g (the kernel is then
    G and them; their number is subtracted from the estimate). With them, once |Oslo| is
    read, the attacker keeps Oslo as a 0/1 variable and makes `kommune` one value for all:
    no class of a municipality is left to cut the kernel into small cores (G's municipality
    less the kernel is 22 units in the sample registers, a core when its noise is low).
    `by`: ask each part crossed with this variable and read the part's margin (the row of
    `true` over every value of `by`) instead of a one-way table. `forget`: drop each part's
    variable once its table is read, so that no later part's workspace names it."""
    group, true_count = _suppressed_group(truth)
    if known:
        group = " or ".join([f"({group})", *(f"({p.expr()})" for p in known)])
    counts: list[float] = []
    oslo: int | None = None
    spent: list[int] = []
    variance = 0.0
    for a, attacker in enumerate(attackers):
        handle = attacker.workspace(
            [
                {"generate": "g", "expr": group},
                {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
            ]
        )
        if oslo is None:
            found = attacker.ask(handle, "tabulate", {"vars": ["kommune"]})
            assert found.status_code == 200
            oslo_count = value(found.get_json()["results"][0], ["0301"], "count")
            assert oslo_count is not None
            oslo = int(oslo_count)
            variance = next(
                float(dict(r["parameters"])["variance"])
                for r in found.get_json()["results"][0]["result"]["rules"]
                if r["code"] == "cell-key-noise"
            )
        if known:
            attacker.steps(
                handle,
                [
                    {"generate": "osl", "expr": 'kommune == "0301"'},
                    {"replace": "kommune", "expr": '"0"'},
                ],
            )
        for j in range(a, parts, len(attackers)):
            oslo_of = "osl" if known else 'kommune == "0301"'
            part = f"{oslo_of} and d - int(d / {parts}) * {parts} == {j}"
            attacker.steps(handle, [{"generate": f"x{j}", "expr": f"({part}) or g"}])
            dims = [f"x{j}", by] if by else [f"x{j}"]
            response = attacker.ask(handle, "tabulate", {"vars": dims})
            if response.status_code != 200:
                break  # refused: the sum over the parts is incomplete
            labels = ["true", None] if by else ["true"]
            found_part = value(response.get_json()["results"][0], labels, "count")
            if found_part is None:
                break
            counts.append(found_part)
            if forget:
                attacker.steps(handle, [{"drop": [f"x{j}"]}])
        last = attacker.ask(handle, "tabulate", {"vars": ["kommune"]}).get_json()
        spent.append(int(last["budget"]["spent"]) if "budget" in last else -1)
    complete = len(counts) == parts and oslo is not None
    estimate = (sum(counts) - (oslo or 0)) / parts - len(known) if complete else None
    standard_error = math.sqrt(variance * (parts + 1)) / parts if complete else math.inf
    # An attacker who knows `core-sharing`: at most max_sets (5) + 1 parts carry the kernel,
    # so the same sum over that many is |G| with the noise of all m + 1 counts.
    carrying = 6
    informed = (sum(counts) - (oslo or 0)) / carrying - len(known) if complete else None
    informed_error = math.sqrt(variance * (parts + 1)) / carrying if complete else math.inf
    judge_case_22(
        f"case 22: a partition padded with the group ({len(attackers)} project(s), "
        f"{len(known)} known people in the kernel{f', read from margins by {by}' if by else ''})",
        {"count_variance": variance, "parts_answered": len(counts), "points_spent": spent},
        estimate,
        {},
        true_count,
        standard_error,
        informed,
        informed_error,
        informed_bound=False,
    )


def test_averaging_a_partition_padded_with_the_group(alice: Attacker, truth: Truth) -> None:
    """One project, 40 parts (what its budget affords with room to spare)."""
    partition_padding([alice], truth, 40)


def test_averaging_a_partition_read_from_its_margins(alice: Attacker, truth: Truth) -> None:
    """The same 40 parts, each asked crossed with sex, the part read from its margin: a
    margin aggregates A_j ∪ G as the one-way cell does (principle 6: every margin is a
    registered set), so core-sharing must see it."""
    partition_padding([alice], truth, 40, by="kjonn")


def _known_outside(truth: Truth, n: int) -> list[Person]:
    """n people the attacker can single out in the hidden group's municipality but outside
    the group: every class of `kommune` then meets the kernel whole or not at all."""
    group_of = _suppressed_group(truth)[0]
    kommune, sex = group_of.split('"')[1], group_of.split('"')[3]
    found = [p for p in truth.unique if p.kommune == kommune and not (p.sex == sex and p.kreft)]
    assert len(found) >= n, len(found)
    return found[:: max(1, len(found) // n)][:n]


def test_averaging_a_partition_padded_with_the_group_and_known_people(
    alice: Attacker, truth: Truth
) -> None:
    """The partition of one project (40 parts), its kernel G padded with 16 people the
    attacker knows, so that the kernel holds 25 units: `core-sharing` looks for cores of a
    perturbed count below 20 only (exact counts up to 24), so a kernel of 25 is no core and
    every part was answered; the average is |G| + 16, and the 16 are known. The parts are
    a sunflower whatever the kernel's size (kernels.py): from the sixth on, each is
    answered without it."""
    partition_padding([alice], truth, 40, _known_outside(truth, 16))


def test_averaging_a_partition_padded_with_known_people_forgetting_each_part(
    alice: Attacker, truth: Truth
) -> None:
    """The partition with the kernel padded with 16 known people (above), each part's
    variable dropped from the workspace once its table is read, so that no later part
    meets the earlier ones as classes (kernels.py's limit): each drop makes a new
    population, an input fee, and the budget ends the partition first (24 of 40 parts)."""
    partition_padding([alice], truth, 40, _known_outside(truth, 16), forget=True)


def test_a_larger_count_noise_stops_the_partition_in_two_projects(
    alice: Attacker, bob: Attacker, truth: Truth, world: World
) -> None:
    """What would answer case 22 (docs/OUTPUT_CONTROL.md §12), as a steward's setting: count
    noise of variance 23 (D = 10). Both budgets on one partition, 46 parts each (what a
    budget affords): 92 counts leave a standard error of √(23·93)/92 = 0.50."""
    folder = world.ctx.config.output_control_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "no.regcat.demo.json").write_text(
        json.dumps(
            {
                "format": "regcat-output-control-parameters/1",
                "rules": {"cell-key-noise": {"max_noise": 10, "variance": 23.0}},
            }
        ),
        encoding="utf-8",
    )
    partition_padding([alice, bob], truth, 92)


# What a part's own workspace imports (shared inputs, the same in every part).
PART_IMPORTS: list[dict[str, Any]] = [
    {"import": "BEFOLKNING_BOSTED_KOMMUNE", "date": "2020-01-01", "as": "kommune"},
    {"import": "BEFOLKNING_KJOENN", "as": "kjonn"},
    {"import": "BEFOLKNING_FOEDSELSDATO", "as": "fodselsdato"},
    {
        "import_event": "KRG_DIAGNOSEDATO",
        "from": "2015-01-01",
        "to": "2020-12-31",
        "as": "diagnose",
        "per_person": "min",
    },
]


def _fresh_part(attacker: Attacker, part: str) -> dict[str, object] | None:
    """One padded part asked from a workspace of its own, holding only what it needs (the
    imports are shared inputs; the population and the part are this workspace's): the
    table of the part, or None when refused."""
    created = attacker.post("", {})
    assert created.status_code == 201, created.get_json()
    handle = created.get_json()["workspace"]
    attacker.steps(handle, [*PART_IMPORTS, {"generate": "x", "expr": part}])
    response = attacker.ask(handle, "tabulate", {"vars": ["x"]})
    if response.status_code != 200:
        return None
    found: dict[str, object] = response.get_json()["results"][0]
    return found


def fresh_workspace_partition(attackers: list[Attacker], truth: Truth, parts: int) -> None:
    """Case 22 against a guard that meets only the sets a workspace's own variables name:
    the parts A_j partition everyone but G (the j-th residue of the birth date, G inlined),
    each asked from a fresh workspace, so no variable of it names another part or a base.
    Σ_j |A_j ∪ G| = (N − |G|) + m·|G|, N read as the total of the first table: the estimate
    (Σ − N)/(m − 1) has variance V(m + 1)/(m − 1)². Parts are shared out among the
    attackers; each stops at its first refusal (the budget: a fresh workspace costs two
    inputs, its population and the part).

    Why it fails now: the ledger keeps, per unit, a sample of the published count sets that
    hold it (guard_index.HolderSamples), so the parts asked before meet a new part in G
    whatever workspace asked them, and from the (max_sets + 1)-th part on (`core-sharing`,
    kernels.ledger_kernels) a part is answered without G, its false cell with it. An
    attacker who knows the rule counts G in the first max_sets (5) parts only:
    Σ − N = (5 − 1)·|G|, with the noise of all m + 1 counts over 4."""
    group, true_count = _suppressed_group(truth)
    group = group.replace("kreft", "not sysmiss(diagnose)")
    d = '(fodselsdato - date("1900-01-01"))'
    counts: list[float] = []
    falses: list[float] = []
    total: float | None = None
    for a, attacker in enumerate(attackers):
        for j in range(a, parts, len(attackers)):
            residue = f"{d} - int({d} / {parts}) * {parts} == {j}"
            found = _fresh_part(attacker, f"(({residue}) and not ({group})) or ({group})")
            if found is None or value(found, ["true"], "count") is None:
                break
            counts.append(value(found, ["true"], "count") or 0.0)
            falses.append(value(found, ["false"], "count") or 0.0)
            if total is None:
                total = value(found, [None], "count")
    m = len(counts)
    # The same sum read from the false cells (N − |F_j| = |A_j ∪ G|): they must agree.
    from_falses = (
        (m * total - sum(falses) - total) / (m - 1) if total is not None and m > 1 else None
    )
    standard_error = judge_partition(
        f"case 22: a partition of everyone, each part from a fresh workspace "
        f"({len(attackers)} project(s))",
        counts,
        total,
        true_count,
        from_false_cells=None if from_falses is None else round(from_falses, 2),
    )
    assert standard_error >= 0.5 or from_falses is None or abs(from_falses - true_count) >= 1


def judge_partition(
    title: str, counts: list[float], base: float | None, true_count: int, **after_estimate: Any
) -> float:
    """(Σ_j |A_j ∪ G| − N)/(m − 1) with N the partitioned population (`base`, read from the
    first part's cells), and the same knowing core-sharing (G counted in its first max_sets
    parts only): reported (`after_estimate`: further figures, shown after the estimate) and
    held to case 22's bound. The estimate's standard error, for further estimates of it."""
    m = len(counts)
    estimate = (sum(counts) - base) / (m - 1) if base is not None and m > 1 else None
    standard_error = math.sqrt(3 * (m + 1)) / (m - 1) if m > 1 else math.inf
    carrying = 5  # core-sharing's max_sets: the parts answered with G
    informed = (sum(counts) - base) / (carrying - 1) if base is not None and m > 1 else None
    informed_error = math.sqrt(3 * (m + 1)) / (carrying - 1) if m > 1 else math.inf
    judge_case_22(
        title,
        {"parts_answered": m},
        estimate,
        after_estimate,
        true_count,
        standard_error,
        informed,
        informed_error,
    )
    return standard_error


def test_averaging_a_partition_of_everyone_from_fresh_workspaces(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    fresh_workspace_partition([alice, bob], truth, 44)


def _core_probe(attacker: Attacker, truth_targets: list[Person], parts: int) -> list[bool]:
    """Per target: whether a padded part's table showed a decision of `core-sharing` (the
    core being the target if diagnosed, nobody if not): its true or its false cell
    withheld (the false cell, everyone but the part and the target, holds the target
    beyond the other parts), or the rule named as a reason in any row."""
    handle = attacker.workspace([{"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'}])
    attacker.table(handle, {"vars": ["kommune"]})
    withheld: list[bool] = []
    for i, person in enumerate(truth_targets):
        stopped = False
        for j in range(parts):
            part = f'kommune == "0301" and d - int(d / 40) * 40 == {j + parts * i}'
            group = f"({person.expr()}) and kreft"
            attacker.steps(handle, [{"generate": f"t{i}_{j}", "expr": f"({part}) or {group}"}])
            table = attacker.table(handle, {"vars": [f"t{i}_{j}"]})
            if (
                table is None
                or value(table[0], ["true"], "count") is None
                or value(table[0], ["false"], "count") is None
                or any("core-sharing" in row["reasons"] for row in table[0]["result"]["rows"])
            ):
                stopped = True
                break
        withheld.append(stopped)
    return withheld


def test_core_sharing_withholds_a_core_of_one_only_if_it_is_there(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """The partition of case 22 with G = the target if diagnosed (else nobody): four parts
    per target, 16 targets over two projects; any cell withheld, or `core-sharing` named,
    means diagnosed, for sure (when the rule withheld: 2-3 of 8). Answered without the
    core, the part gets the answer the world without the target gives: nothing shows."""
    targets = both_kinds(truth, 8)
    shared = [targets[k] for k in range(0, 16, 2)], [targets[k] for k in range(1, 16, 2)]
    found = _core_probe(alice, shared[0], 4) + _core_probe(bob, shared[1], 4)
    people = shared[0] + shared[1]
    decided = sum(stopped for stopped in found)
    wrong = sum(stopped and not p.kreft for stopped, p in zip(found, people, strict=True))
    report(
        "core-sharing as an oracle on a core of one unit (two projects)",
        targets=len(people),
        diagnosed=sum(p.kreft for p in people),
        decided_for_sure=decided,
        wrong=wrong,
    )
    assert decided == 0
