"""The release budget (rules/budget.py): what each release costs, and its calibration. A
realistic study fits in the default budget with room to spare; the averaging attack of
conformance case 22 (padded count tables) and the reconstruction attack of case 23 (sums
over padded random subsets) run out of it. Each calibration test prints its figures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest

from catalogue.analysis.output_control import (
    CountTable,
    InMemoryReleaseLedger,
    MagnitudeTable,
    OutputControlParameters,
    Term,
    UnitValues,
    control_frequency_table,
    control_histogram,
    control_magnitude_table,
    control_percentiles,
    control_regression,
    control_summary,
    fit_ols,
)
from catalogue.analysis.output_control.exposure import (
    Exposure,
    informed_units,
    noise_variance,
    top_units,
    unit_names,
    verdict_units,
)
from catalogue.analysis.output_control.ledger import Release, exposure_set
from catalogue.analysis.output_control.magnitudes import Magnitudes
from catalogue.analysis.output_control.release import (
    ControlContext,
    budget_state,
    charge_inputs,
    charge_refusal,
)
from catalogue.analysis.output_control.rules.budget import Budget, BudgetParameters
from catalogue.analysis.output_control.rules.dominance_nk import DominanceNK, verdict_information
from catalogue.analysis.output_control.unit_sets import CellUnits
from catalogue.analysis.persistent_ledger import PersistentReleaseLedger
from catalogue.domain.errors import RegcatError
from catalogue.storage.analysis_store import AnalysisStore

from .test_output_control_helpers import NOW, context, exposure_of, pseudonyms

DEFAULTS = OutputControlParameters.defaults()


def spent(ctx: ControlContext) -> int:
    return budget_state(ctx).spent


# --- pricing --------------------------------------------------------------------------------


def test_small_sets_cost_more_and_every_set_below_ten_units_costs_the_same():
    budget = Budget(BudgetParameters())
    assert budget.size_factor(100_000) == 1.0
    assert budget.size_factor(1000) == 1.0
    assert budget.size_factor(250) == pytest.approx(2.0)
    assert budget.size_factor(10) == pytest.approx(10.0)
    # 0, a suppressed 1–9 and an unknown size are priced alike: the charge is no oracle.
    assert {budget.size_factor(n) for n in (None, 0, 1, 5, 9, 10)} == {10.0}
    assert budget.cost([("count", [0, 3, 9])]) == budget.cost([("count", [10, 10, 10])]) == 30
    assert budget.cost([("model", [5000] * 4)]) == 20
    assert budget.cost([("magnitude", [40])]) == 10  # 2 · sqrt(1000 / 40)


def test_input_fees_grow_with_the_inputs_a_project_has_used():
    budget = Budget(BudgetParameters(input_fee=10))
    assert budget.input_fees(0, 1) == 10
    assert budget.input_fees(0, 3) == 10 + 20 + 30
    assert budget.input_fees(5, 1) == 60


def test_an_identical_result_again_is_free_and_a_new_one_is_not():
    population = pseudonyms(3000, seed=4)
    ctx = context(population)
    labels = np.array(["a", "b", "c"])[np.arange(3000) % 3]
    table = CountTable.from_labels(["x"], [labels], population)
    first = control_frequency_table(table, ctx)
    cost = spent(ctx)
    assert cost == Budget(BudgetParameters()).cost([("count", [1000, 1000, 1000, 3000])])
    assert control_frequency_table(table, ctx).to_json() == first.to_json()
    assert spent(ctx) == cost  # the same answer again tells nothing new
    other = CountTable.from_labels(["x"], [labels[:2980]], population[:2980])
    control_frequency_table(other, ctx)
    assert spent(ctx) > cost


def test_inputs_are_charged_once_per_window_and_refusals_always():
    ctx = context(pseudonyms(1500, seed=5))
    fee = DEFAULTS.of(Budget).input_fee
    assert charge_inputs(ctx, ["register:a", "derived:b"]) == fee + 2 * fee
    assert charge_inputs(ctx, ["register:a"]) == 0  # used already
    assert charge_inputs(ctx, ["register:a", "derived:c"]) == 3 * fee
    assert spent(ctx) == 6 * fee
    assert charge_refusal(ctx.ledger, ctx.parameters, ctx.project, NOW) == 50
    assert charge_refusal(ctx.ledger, ctx.parameters, ctx.project, NOW) == 50
    assert spent(ctx) == 6 * fee + 100
    later = context(ctx.population, ledger=ctx.ledger, now=NOW + timedelta(days=31))
    assert spent(later) == 0
    assert charge_inputs(later, ["register:a"]) == fee  # a new window: used afresh


def test_input_fees_beyond_the_budget_are_refused():
    parameters = DEFAULTS.with_changes("budget", points=150, input_fee=40)
    ctx = context(pseudonyms(1500, seed=6), parameters)
    charge_inputs(ctx, ["a", "b"])  # 40 + 80
    with pytest.raises(RegcatError) as refused:
        charge_inputs(ctx, ["c"])
    assert refused.value.code == "budget-exhausted"
    assert "120 of its 150" in refused.value.message("en")
    assert "120 av 150" in refused.value.message("nb")


def test_the_budget_state_shows_points_spent_left_and_cost():
    ctx = context(pseudonyms(1500, seed=7))
    charge_inputs(ctx, ["a"])
    state = budget_state(ctx, cost=40)
    assert state.to_json_dict() == {
        "points": 50_000,
        "window_days": 30,
        "spent": 40,
        "left": 49_960,
        "cost": 40,
    }


# --- calibration: a realistic study ---------------------------------------------------------

STUDY_UNITS = 50_000


def _study_data() -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(2026)
    units = pseudonyms(STUDY_UNITS, seed=2026)
    categorical = {
        "kjonn": rng.choice(["1", "2"], STUDY_UNITS),
        "aldersgruppe": rng.choice([f"a{i}" for i in range(8)], STUDY_UNITS),
        "utdanning": rng.choice([f"u{i}" for i in range(6)], STUDY_UNITS),
        "landsdel": rng.choice([f"l{i}" for i in range(7)], STUDY_UNITS),
        "kommune": rng.choice([f"k{i:02d}" for i in range(40)], STUDY_UNITS),
        "sivilstand": rng.choice([f"s{i}" for i in range(5)], STUDY_UNITS),
        "yrke": rng.choice([f"y{i}" for i in range(10)], STUDY_UNITS),
        "diagnose": rng.choice(["ja", "nei"], STUDY_UNITS, p=[0.1, 0.9]),
    }
    income = np.round(rng.lognormal(13.0, 0.6, size=STUDY_UNITS))
    return units, categorical, income


def test_a_realistic_study_fits_the_default_budget_comfortably(capsys):
    """Two months of work on a cohort of 50,000: 30 inputs (9 register variables, 16 derived
    variables, 5 populations), 42 frequency tables of one to three variables with margins,
    12 tables of sums and means, 8 summaries and 8 percentile sets, 20 regression models of
    4–16 terms and 6 histograms."""
    units, cat, income = _study_data()
    ledger = InMemoryReleaseLedger()
    ctx = context(units, ledger=ledger)
    names = list(cat)
    charge_inputs(ctx, [f"register:{n}" for n in names] + ["register:inntekt"])
    charge_inputs(ctx, [f"derived:{i}" for i in range(16)])
    charge_inputs(ctx, [f"population:{i}" for i in range(5)])
    inputs_points = spent(ctx)
    releases = 0
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    for name in names:
        control_frequency_table(CountTable.from_labels([name], [cat[name]], units), ctx)
        releases += 1
    for a, b in pairs:  # 28 two-way tables
        table = CountTable.from_labels([a, b], [cat[a], cat[b]], units)
        control_frequency_table(table, ctx)
        releases += 1
    for a, b, c in [
        ("kjonn", "aldersgruppe", "utdanning"),
        ("kjonn", "aldersgruppe", "diagnose"),
        ("kjonn", "utdanning", "diagnose"),
        ("landsdel", "kjonn", "diagnose"),
        ("sivilstand", "kjonn", "aldersgruppe"),
        ("yrke", "kjonn", "diagnose"),
    ]:
        table = CountTable.from_labels([a, b, c], [cat[a], cat[b], cat[c]], units)
        control_frequency_table(table, ctx)
        releases += 1
    for dims in [["kjonn"], ["aldersgruppe"], ["utdanning"], ["landsdel"], ["kommune"],
                 ["yrke"], ["kjonn", "aldersgruppe"], ["kjonn", "utdanning"],
                 ["landsdel", "kjonn"], ["sivilstand"], ["diagnose", "kjonn"],
                 ["utdanning", "aldersgruppe"]]:  # fmt: skip
        counts = CountTable.from_labels(dims, [cat[d] for d in dims], units)
        control_magnitude_table(MagnitudeTable("inntekt", counts, income), ctx)
        releases += 1
    for k, group in enumerate(["1", "2", "a0", "a3", "a5", "a7", "u0", "u5"]):
        key = "kjonn" if k < 2 else ("aldersgruppe" if k < 6 else "utdanning")
        chosen = cat[key] == group
        values = UnitValues("inntekt", units[chosen], income[chosen])
        control_summary(values, ctx)
        control_percentiles(values, ctx)
        releases += 2
    rng = np.random.default_rng(7)
    for m in range(20):
        terms_asked = 4 + (m % 13)
        x = np.column_stack([np.ones(STUDY_UNITS), rng.normal(size=(STUDY_UNITS, terms_asked - 1))])
        y = x @ rng.normal(size=terms_asked) + rng.normal(size=STUDY_UNITS)
        terms = [Term("const", "constant")] + [
            Term(f"x{j}", "continuous") for j in range(1, terms_asked)
        ]
        control_regression(fit_ols(f"y{m}", units, x, y, terms, ctx.keys), ctx)
        releases += 1
    for k in range(6):
        control_histogram(UnitValues(f"inntekt{k}", units, income * (1 + k / 10)), ctx)
        releases += 1
    total = spent(ctx)
    points = DEFAULTS.of(Budget).points
    exposure = ledger.exposure(unit_names(ctx.keys.keys(units).set_ids))
    allowance = DEFAULTS.of(Budget).exposure_allowance
    with capsys.disabled():
        print(
            f"\n[budget] realistic study: {releases} releases + 30 inputs cost {total} of "
            f"{points} points ({total / points:.0%}; inputs {inputs_points}); the most exposed "
            f"unit {max(exposure):.1f} of an allowance of {allowance:.0f}, "
            f"{sum(e > 0 for e in exposure)} units exposed at all"
        )
    assert releases == 96
    assert total <= 0.7 * points
    # No unit comes near the exposure allowance: no cell of the study got more noise.
    assert max(exposure) < allowance / 2


# --- calibration: the attacks of conformance cases 22 and 23 --------------------------------


def _attack(ctx: ControlContext, step, attempts: int) -> int:
    """Runs `step(i)` for i < attempts until the budget refuses; returns the steps done.
    Every step first pays the input fee of the derived variable it needs (each padded
    table, each random subset, is a new derivation)."""
    for i in range(attempts):
        try:
            charge_inputs(ctx, [f"derived:attack-{i}"])
            step(i)
        except RegcatError as error:
            assert error.code == "budget-exhausted", error.code
            return i
    return attempts


def test_case_22_averaging_padded_count_tables_is_stopped_by_the_budget(capsys):
    """A suppressed count (4 units: say, those with a diagnosis among people born on one
    day) padded with a known group (the first 1000 + 10·i of a group the attacker knows
    the exact size of from outside: the strongest attacker), each padded set ≥ 10 units
    from every other, tabulated as a new derived variable; the padding subtracted and the
    answers averaged. The attack as the specification states it needs 80+ tables."""
    population = pseudonyms(20_000, seed=22)
    target, known = population[:4], population[100:]
    ctx = context(population)
    answers: list[float] = []

    def padded_table(i: int) -> None:
        padding = known[: 1000 + 10 * i]
        inside = np.isin(population, np.concatenate([target, padding]))
        labels = np.where(inside, "1", "0")
        table = CountTable.from_labels([f"pad{i}"], [labels], population, [["0", "1"]])
        result = control_frequency_table(table, ctx)
        count = next(row.values[0] for row in result.rows if row.labels == ("1",))
        assert isinstance(count, int)
        answers.append(count - len(padding))

    done = _attack(ctx, padded_table, 100)
    estimate = float(np.mean(answers))
    without = context(population, DEFAULTS.with_changes("budget", points=10**9))
    unlimited: list[float] = []
    for i in range(80):
        padding = known[: 1000 + 10 * i]
        inside = np.isin(population, np.concatenate([target, padding]))
        table = CountTable.from_labels(
            [f"pad{i}"], [np.where(inside, "1", "0")], population, [["0", "1"]]
        )
        rows = control_frequency_table(table, without).rows
        unlimited.append(next(r.values[0] for r in rows if r.labels == ("1",)) - len(padding))
    with capsys.disabled():
        print(
            f"\n[budget] case 22: stopped after {done} padded tables (of the 80+ the attack "
            f"needs); estimate {estimate:.2f} for 4 (error {abs(estimate - 4):.2f}); without "
            f"a budget 80 tables give {np.mean(unlimited):.2f} (error "
            f"{abs(np.mean(unlimited) - 4):.2f}); spent {spent(ctx)} points"
        )
    assert done < 80


def test_case_23_sums_over_padded_random_subsets_are_stopped_by_the_budget(capsys):
    """The reconstruction attack of case 23 (sums of incomes over random subsets of 32
    units, padded with 1000 units whose total the attacker knows exactly) with the budget
    on: each subset is a new derived variable. It is stopped before its 60+ sums, and what
    it got recovers fewer than 10 % of the 32 incomes within 5 %."""
    population = pseudonyms(1200, seed=23)
    income = np.round(np.random.default_rng(23).lognormal(13.0, 0.6, size=1200))
    known, secret = np.arange(1000), np.arange(1000, 1032)
    padding = float(income[known].sum())
    rng = np.random.default_rng(230)
    ctx = context(population)
    rows: list[np.ndarray] = []
    sums: list[float] = []

    def padded_sum(i: int) -> None:
        chosen = secret[rng.random(len(secret)) < 0.5]
        units = np.concatenate([known, chosen])
        table = MagnitudeTable.from_cells(
            f"subset{i}", ["alle"], [(("alle",), population[units], income[units])]
        )
        value = control_magnitude_table(table, ctx, statistics=("sum",)).rows[0].values[0]
        if isinstance(value, float):
            rows.append(np.isin(secret, chosen).astype(float))
            sums.append(value - padding)

    done = _attack(ctx, padded_sum, 100)
    solved = np.linalg.lstsq(np.array(rows), np.array(sums), rcond=None)[0]
    close = np.abs(solved - income[secret]) <= 0.05 * income[secret]
    with capsys.disabled():
        print(
            f"\n[budget] case 23: stopped after {done} sums ({len(sums)} published); "
            f"{int(close.sum())} of 32 incomes recovered within 5 %; spent {spent(ctx)} points"
        )
    assert done < 60
    assert close.mean() < 0.10


# --- exposure: what published sums tell about one unit --------------------------------------


def _one_cell(units: np.ndarray, values: np.ndarray) -> MagnitudeTable:
    return MagnitudeTable.from_cells("v", ["g"], [(["a"], units, values)])


CELLS_OF_ONE_UNIT = 400  # 200 while a cell told the top unit 4.6 (the top-k noise)


def test_each_fresh_cell_adds_what_it_tells_about_its_top_contributors_in_every_project():
    """A cell of one unit of 10⁶ and 60 of 10⁵ (no dominance: 0.157 of it in the top two)
    tells the big unit (min(10⁶, c)/σ)², σ = √V·c, c = 2·10⁵ the cap (twice the 25th
    largest), 1/3 by its capped sum (the top-k noise's (10⁶/σ)² was 3.99 before exposure
    followed the cap, exposure.py), and its dominance verdict π²/w²·(10⁶/T)², T the top
    two, about 0.64; asked again it tells
    nothing new; another project's cells add to the same unit's exposure. Past the
    allowance the noise and the verdict's band widen, and what each cell tells shrinks with
    them: 200 cells tell less than allowance + scale·ln(max_noise_factor) + 4.6/factor² per
    cell beyond."""
    population = pseudonyms(61 + 60 * CELLS_OF_ONE_UNIT, seed=13)
    ledger = InMemoryReleaseLedger()
    alice = context(population, ledger=ledger)
    bob = context(population, ledger=ledger, project="project-2")
    big = population[:1]
    values = np.array([1e6] + [1e5] * 60)
    sd2 = 3 * (2e5) ** 2  # V·c², c = 2 × the 25th largest
    verdict = verdict_information(DEFAULTS.of(DominanceNK)) * (1e6 / 1.1e6) ** 2
    told = (2e5) ** 2 / sd2 + verdict
    first = _one_cell(np.concatenate([big, population[1:61]]), values)
    shown = control_magnitude_table(first, alice, statistics=["sum"])
    assert shown.rows[0].values[0] is not None
    assert exposure_of(alice, big) == pytest.approx(told, rel=1e-3)
    assert exposure_of(alice, population[1:2]) == pytest.approx(1e10 / sd2, rel=1e-3)
    assert exposure_of(alice, population[100:101]) == 0.0
    control_magnitude_table(first, alice, statistics=["sum"])  # the same cell again
    assert exposure_of(alice, big) == pytest.approx(told, rel=1e-3)
    second = _one_cell(np.concatenate([big, population[61:121]]), values)
    control_magnitude_table(second, bob, statistics=["sum"])
    assert exposure_of(alice, big) == pytest.approx(2 * told, rel=1e-3)
    p = DEFAULTS.of(Budget)
    errors: list[float | None] = []
    for k in range(2, CELLS_OF_ONE_UNIT):
        padding = population[61 + 60 * k : 121 + 60 * k]
        released = control_magnitude_table(
            _one_cell(np.concatenate([big, padding]), values), alice, statistics=["sum"]
        )
        total = released.rows[0].values[0]
        errors.append(None if total is None else float(total) - 6.2e6)  # capped at 2·10⁵
    exposure = exposure_of(alice, big)
    top = p.exposure_allowance + p.exposure_scale * np.log(p.max_noise_factor)
    assert (
        p.exposure_allowance
        < exposure
        < top + told + CELLS_OF_ONE_UNIT * told / p.max_noise_factor**2
    )
    # Past the allowance the verdict's band widens downwards: a cell of the exposed unit is
    # withheld more often; the noise of the shown ones grows.
    budget_factor = alice.parameters.rule(Budget).noise_factor
    early = np.std([e for e in errors[:20] if e is not None])
    shown_late = [e for e in errors[-40:] if e is not None]
    late = np.std(shown_late) if len(shown_late) > 1 else np.inf
    print(
        f"\n[budget] one unit in {CELLS_OF_ONE_UNIT} fresh cells: exposure {exposure:.0f} "
        f"(without the ledger {CELLS_OF_ONE_UNIT * told:.0f}); noise sd {early / 1e6:.2f} of its value in the first 20 "
        f"cells, {late / 1e6:.2f} in the last 40 ({len(shown_late)} of them shown; "
        f"{sum(e is None for e in errors[:20])} of the first 20 withheld)"
    )
    assert budget_factor(exposure) > 4
    assert len(shown_late) <= 20
    assert late > 2 * early


def test_exposure_is_remembered_across_transactions(sqlite_ctx):
    ledger = PersistentReleaseLedger(sqlite_ctx.db.url, "no.regcat.demo")
    population = pseudonyms(3000, seed=5)
    ctx = context(population, ledger=ledger)
    values = np.array([1e6] + [1e5] * 60)
    # Two cells, each 1/3 by the capped sum (c = 2·10⁵, exposure.py) and the verdict's share.
    twice = 2 * (1 / 3 + verdict_information(DEFAULTS.of(DominanceNK)) * (1e6 / 1.1e6) ** 2)
    for start in (1, 61):
        with sqlite_ctx.db.transaction() as session:
            store = AnalysisStore(session)
            store.lock_audit()
            with ledger.bound(store):
                cell = np.concatenate([population[:1], population[start : start + 60]])
                control_magnitude_table(_one_cell(cell, values), ctx, statistics=["sum"])
                if start == 61:  # pending in this transaction, and the committed one
                    assert exposure_of(ctx, population[:1]) == pytest.approx(twice, abs=0.01)
    ledger.forget()  # as if in another process: everything comes from the database
    with sqlite_ctx.db.transaction() as session:
        store = AnalysisStore(session)
        store.lock_audit()
        with ledger.bound(store):
            assert exposure_of(ctx, population[:1]) == pytest.approx(twice, abs=0.01)
            assert exposure_of(ctx, population[2000:2001]) == 0.0


def test_top_units_are_each_cells_k_largest_whatever_the_ties():
    """Cells: distinct values, fewer non-zero values than k, a million-fold tie (a sum of
    0/1: the first k in pair order), and one not wanted."""
    population = pseudonyms(40, seed=3)
    ctx = context(population)
    cell = np.array([0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3])
    values = np.array([5.0, 1.0, 9.0, 7.0, 0.0, 0.0, 4.0, 0.0, 1, 1, 1, 1, 1, 8.0, 9.0])
    units = CellUnits.build(cell, population[: len(cell)], 4, ctx.keys, values)
    largest = Magnitudes.of_cells([values[cell == c] for c in range(4)], keep=3).largest
    found = top_units(units, largest, np.array([True, True, True, False]))
    by_value = [sorted(x for _, x in cell_found) for cell_found in found]
    assert by_value == [[5.0, 7.0, 9.0], [4.0], [1.0, 1.0, 1.0], []]
    assert len({u for u, _ in found[2]}) == 3


def test_a_unit_below_the_top_three_is_charged_what_the_sum_tells_it():
    """(Red team: test_exposure_evasions.) Three known units of 2·10⁶ above a target of
    10⁶ and 160 of 10⁵ (the top two's share 0.174, below any band: never dominated, so the
    cell is answered as it is): the target is fourth, but the sum tells it what it tells
    any unit at the cap c = 2·10⁵ (twice the 25th largest; the target's 10⁶ is capped
    there): (c/σ)² = 1/3, σ = √V·c, whatever lies above (under the top-k noise it was
    (10⁶/σ)² ≈ 0.76, σ² = Σ (m_j·x_(j))² over the three on top); its verdict tells it
    0.77·(10⁶/R)² ≈ 0.002, under the floor."""
    population = pseudonyms(2000, seed=17)
    ctx = context(population)
    values = np.array([2e6] * 3 + [1e6] + [1e5] * 160)
    released = control_magnitude_table(_one_cell(population[:164], values), ctx, statistics=["sum"])
    shown = released.rows[0].values[0] is not None
    told = 1 / 3
    assert exposure_of(ctx, population[3:4]) == pytest.approx(told if shown else 0.0, rel=1e-3)


def test_a_unit_after_two_known_ones_is_charged_what_the_verdict_tells_it():
    """Two known units of 10⁶, a target of 3·10⁵ third, 57 of 10³: the share of the top
    two is 0.85, so the verdict turns on the rest R (the target's 3·10⁵ and 5.7·10⁴): it
    tells the target π²/w²·(3·10⁵/R)² ≈ 0.54 whatever the answer. A dominated cell is
    answered as the cell with its dominant values at 0 (controller._dominated): the two
    10⁶ (a share of 0.958 beside the target: always dominated), then the target too unless
    that rest passes. Answered with the target at 0, it is charged that first verdict; as
    it was (the cell not dominated), the verdict and the sum's (3·10⁵/σ)² ≈ 0.29; with the
    target on top of the rest, that rest's verdict and sum instead."""
    population = pseudonyms(2000, seed=19)
    ctx = context(population)
    values = np.array([1e6, 1e6, 3e5] + [1e3] * 57)
    released = control_magnitude_table(_one_cell(population[:60], values), ctx, statistics=["sum"])
    total = released.rows[0].values[0]
    assert total is not None  # the cell, or its rest, is shown
    information = verdict_information(DEFAULTS.of(DominanceNK))
    verdict = information * (3e5 / 3.57e5) ** 2
    sd2 = 0.25e12 + 0.0625e12 + 0.015625 * 9e10
    rest_sd2 = 0.25 * 9e10 + (0.0625 + 0.015625) * 1e6
    branches = {
        "as it was": verdict + 9e10 / sd2,
        "the target on top of the rest": information * (3e5 / 3.01e5) ** 2 + 9e10 / rest_sd2,
        # Every verdict the answer reveals (rules/dominance_nk.py `revealed_verdicts`): the
        # cell failed as it was, with one 10⁶ at 0 (the target second of its top two), and
        # with both (the target on top).
        "the target at 0": verdict
        + information * (3e5 / 1.3e6) ** 2
        + information * (3e5 / 3.01e5) ** 2,
    }
    exposure = exposure_of(ctx, population[2:3])
    found = [k for k, told in branches.items() if exposure == pytest.approx(told, rel=1e-3)]
    print(f"\n[budget] a unit after two known ones: {found}, total {total:.4g}")
    assert len(found) == 1 and exposure >= verdict * (1 - 1e-3)


def test_every_verdict_a_dominated_answer_reveals_is_charged_to_the_units_set_to_0():
    """Two known units of 10⁶, a target of 3·10⁵, 57 of 100: the cell fails as it was, with
    one 10⁶ at 0 and with both (the target's share 0.98 of the rest, above any band), and
    passes with the target at 0 too (0.035, below any band), so it is answered as the 57.
    The answer tells that three verdicts failed: the target is told π²/w²·(3·10⁵/R₀)² by
    the first (it is in the rest, R₀ = 3.057·10⁵), ·(3·10⁵/1.3·10⁶)² by the second (one of
    its top two) and ·(3·10⁵/3.001·10⁵)² by the third (on top): 2.0 verdicts' worth, not
    the first's 0.96 alone (charged before 2026-12-07). A known 10⁶ is told the first and
    the second; a unit kept is charged by the answered cell alone."""
    population = pseudonyms(2000, seed=23)
    ctx = context(population)
    values = np.array([1e6, 1e6, 3e5] + [100.0] * 57)
    released = control_magnitude_table(_one_cell(population[:60], values), ctx, statistics=["sum"])
    total = released.rows[0].values[0]
    assert total is not None and abs(float(total) - 5700) < 3 * 5 * 100
    information = verdict_information(DEFAULTS.of(DominanceNK))
    target = information * ((3e5 / 3.057e5) ** 2 + (3e5 / 1.3e6) ** 2 + (3e5 / 3.001e5) ** 2)
    assert exposure_of(ctx, population[2:3]) == pytest.approx(target, rel=1e-3)
    known = [information * 0.25, information * (0.25 + (1e6 / 1.3e6) ** 2)]
    assert sorted(exposure_of(ctx, population[u : u + 1]) for u in (0, 1)) == pytest.approx(
        known, rel=1e-3
    )


def test_informed_units_are_every_unit_over_the_floor_at_most_the_cap_per_cell():
    """Cell 0: 150 equal values (the cap, 100, first in pair order); cell 1: one large
    value and values under the floor ((x/σ)² < 0.01); cell 2 not wanted; cell 3: 120
    values of 1 and 30 of 2 (the 30 larger ones, then 70 of the 1s)."""
    population = pseudonyms(2000, seed=23)
    ctx = context(population)
    cell = np.array([0] * 150 + [1] * 11 + [2] * 5 + [3] * 150)
    values = np.array([1.0] * 150 + [100.0] + [0.5] * 10 + [9.0] * 5 + [1.0] * 120 + [2.0] * 30)
    units = CellUnits.build(cell, population[: len(cell)], 4, ctx.keys, values)
    variance = np.array([0.328125, 0.25 * 100.0**2 + 0.078125 * 0.25, 1.0, 0.328125 * 4])
    top = np.array([1.0, 100.0, 9.0, 2.0])
    wanted = np.array([True, True, False, True])
    found = informed_units(units, variance, wanted, 0.01, 100, top)
    assert len(found[0]) == 100
    assert len({u for u, _ in found[0]}) == 100
    assert [x for _, x in found[1]] == [100.0]
    assert found[2] == []
    assert sorted(x for _, x in found[3]) == [1.0] * 70 + [2.0] * 30


def _exposure_by_loop(
    budget: Budget, ledger: InMemoryReleaseLedger, cells: CellUnits, args: tuple
) -> tuple[np.ndarray, Any]:
    """The reference of exposure.Exposure: the per-cell lists of informed_units and
    verdict_units, walked one unit at a time into a dict (what Exposure did before it kept
    arrays)."""
    largest, multipliers, reached, rest, n, information = args
    p = budget.parameters
    variance = noise_variance(largest, multipliers)
    want = reached & (variance > 0)
    noise = informed_units(
        cells, variance, want, p.exposure_floor, p.exposure_units, np.asarray(largest)[0]
    )
    verdicts = verdict_units(cells, largest, rest, n, reached, p.exposure_floor, information)
    listed = sorted({u for found in noise + verdicts for u, _ in found})
    names = dict(zip(listed, unit_names(cells.keys.set_ids[listed]), strict=True))
    exposed = dict(zip(listed, ledger.exposure([names[u] for u in listed]), strict=True))
    factors = np.ones(cells.n_cells)
    for c in range(cells.n_cells):
        units = [u for u, _ in noise[c]] + [u for u, _ in verdicts[c]]
        if units:
            factors[c] = budget.noise_factor(max(exposed[u] for u in units))

    def told(published: np.ndarray, decided: np.ndarray) -> dict[str, float]:
        amounts: dict[str, float] = {}
        for c in np.flatnonzero(published).tolist():
            if variance[c] <= 0:
                continue
            scale = variance[c] * factors[c] ** 2
            for u, x in noise[c]:
                amounts[names[u]] = amounts.get(names[u], 0.0) + x * x / scale
        for c in np.flatnonzero(decided).tolist():
            for u, amount in verdicts[c]:
                amounts[names[u]] = amounts.get(names[u], 0.0) + amount / factors[c] ** 2
        return amounts

    return factors, told


@pytest.mark.parametrize("seed", [29, 31, 37])
def test_exposure_in_arrays_equals_the_loop_over_units(seed: int) -> None:
    """exposure.Exposure keeps its (cell, unit, amount) triples in arrays and sums them per
    unit in one pass: the factors and the amounts told are those of the loop over each
    cell's units (`_exposure_by_loop`), to the last bit, with units in several cells, cells
    over the cap, ties, zeros, cells not reached, and exposures already in the ledger."""
    rng = np.random.default_rng(seed)
    population = pseudonyms(3000, seed=seed)
    ctx = context(population)
    n_cells = 9
    pairs = 2500
    cell = rng.integers(0, n_cells, pairs)
    cell[:400] = 3  # one crowded cell (over the cap of 100)
    unit = rng.choice(population[:1500], pairs)  # some units in several cells
    values = rng.choice([0.0, 1.0, 2.0, 1e3, -5e2], pairs) * rng.random(pairs) ** 3
    values[:400] = 1.0  # a crowded cell of ties
    cells = CellUnits.build(cell, unit, n_cells, ctx.keys, values)
    magnitudes = Magnitudes.of_cells([values[cell == c] for c in range(n_cells)], keep=3)
    budget = Budget(BudgetParameters(exposure_allowance=0.5))
    ledger = InMemoryReleaseLedger()
    # Some units already told much: their cells' factors grow.
    names = unit_names(cells.keys.set_ids[np.arange(0, len(cells.keys.set_ids), 7)])
    ledger.record(Release("p", NOW, 0, (exposure_set({name: 3.0 for name in names}),)))
    reached = rng.random(n_cells) < 0.8
    multipliers = np.array([0.5, 0.25, 0.125])
    information = verdict_information(DEFAULTS.of(DominanceNK))
    args = (magnitudes.largest, multipliers, reached, magnitudes.rest_after_two, 2, information)
    found = Exposure(budget, ledger, cells, *args)
    factors, told = _exposure_by_loop(budget, ledger, cells, args)
    assert np.array_equal(found.factors, factors) and np.any(factors > 1)
    for published, decided in (
        (reached, reached),
        (rng.random(n_cells) < 0.5, rng.random(n_cells) < 0.5),
        (np.zeros(n_cells, bool), np.zeros(n_cells, bool)),
    ):
        expected = told(published & reached, decided & reached)
        got = found.told(published & reached, decided & reached)
        assert got == expected
        assert all(got[name] == expected[name] for name in expected)  # bit for bit
    assert found.told(reached, reached)
