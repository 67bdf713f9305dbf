"""Group statistics a step computes (aggregate, collapse: grouping.py) get the value given
before to a set a few units or pairs away (OUTPUT_CONTROL.md §1.4, §7).

Why: a group statistic is perturbed as its published version would be, by keys of the
group's units (a count) or its (unit, value) pairs (a sum, a mean, a smoothed extreme), so
the same set always gets the same value. That sameness was an oracle: counts by `alle` of
two variables that differ only in whether the target's value is missing are equal iff the
target's value was missing (16/16 diagnoses, 4/4 wages bit by bit in the red team). As the
differencing guard answers a near count set with its registered count, a group statistic
whose set is 1 to `min_difference` − 1 units or pairs from one the workspace computed
before (and up to `min_difference` + `ramp` − 1, by the guard's keyed coin) gets that
value: the two counts come out equal either way.

What is compared: where the workspace runs beside a datastore's shared ledger (the
service's workspaces), the group statistics registered anywhere in it: a group count is
looked up and registered as the set of its units with a value (`count_sets`: as pairs
with a mark, so that the guard, which compares unit sets, never sees it), any other group
statistic as its set of (unit, value) pairs, each under its statistic. A fresh value is registered when the step computes it (a step shows its values
as labels, so they are published then). Why: a step saw only its own workspace's values,
so the counts by `alle` of everyone but the target, and of the same plus the target if
diagnosed, each computed in a workspace of its own and read as a label, were equal iff
not diagnosed (red team: test_snap_edges, 10-12/12). A rebuild of the workspace (another
worker, a restart) asks the same questions in the same order and gets the same answers:
the earliest registered set that takes a group is the one it got the first time, or the
group itself.

Without a shared ledger (a workspace made directly, as in tests) the group statistics of
one workspace are compared, in the order they were computed (kept with its state, which
a failed request leaves as it was); the groups themselves are registered with the guard
when anything computed from them is released (counting.finish).

Exposure (exposure.py, rules/budget.py): a group sum, mean, sd or smoothed extreme is, to
an attacker who knows the rest of the group, one measurement of each contributor's value
with the noise of its total, as a table cell is. Each group statistic given afresh adds
(x/σ)² to the exposure of every unit it tells at least `exposure_floor` (whatever its
rank, at most `exposure_units` a group, the largest first), in the same transaction that
registers its value; a group given a registered value tells nothing new and adds nothing.
A fresh group whose most exposed unit is past `exposure_allowance` gets its noise
multiplied by exp((E − allowance)/`exposure_scale`), with a fresh draw per factor, and
records what it told under that noise. Why: group statistics were perturbed at step time
with a draw of their own and never charged, so 140 padded sums of one target's wage in
one `aggregate … by(alle)`, averaged into one derived variable and read as one label, six
workspaces, put the wage within 0.04–2.5 % (red team `test_exposure_evasions`; a group
mean 0.8 %, a smoothed maximum 2.9 %, over two projects). Charged when computed, not when
something derived from it is released: a step shows its values as labels (they are
published then, as registration assumes), and a derived variable that averages many group
statistics is one value repeated over everyone, whose table cell tells about nobody in
particular. Unlike a table cell's, the factor has no cap (`Budget.noise_factor(capped=
False)`): a group statistic costs no points, so nothing else bounds how many an attacker
computes (a workspace holds 300 variables; workspaces are free), and capped at 16 each
would still tell 4/256: 6,400 more of them (46 workspaces) would add the 100 the
allowance stood for. Uncapped, what n statistics tell grows like allowance + (scale/2)·ln(1 +
8n/scale): about 170 after 840, 258 after a million (a relative standard error of 6 %). The
cost is the utility of groups holding a unit an attacker exhausted: their sums get noisier
for everyone, which tells nothing about a value.

Group statistics are inputs of what is computed from them (`statistic_id`,
`statistic_inputs`; rules/budget.py's input fee). Each group statistic a step makes carries,
besides its groups, an id of its own (the step's groups id, `STATISTIC_MARK`, the new
variable's column), and every variable computed from it carries that id on (generate,
replace, recode, a later aggregate of it: grouping.py, merge.py prefixes it); a release
pays the input fee for each carried id as for a derived variable it names, and the id of a
statistic of the workspace itself is the very input its own variable is (naming the
statistic and a variable made from it costs one fee, not two); a filter whose condition
names such a variable makes its population carry the ids (steps/filter.py,
State.population_inputs), so a release over it pays them too. Why: group counts are
perturbed at step time by the cell keys of their units and nothing charged them; 140
counts of a 0/1 variable that is 1 for 20 known people drawn afresh for each count and for
the target if diagnosed, averaged in one derived variable and read back as one label, told
8 of 8 diagnoses (red team `test_group_count_averaging`). A table cell over the same
padded set costs its derived variable's input fee (n · input_fee for the n-th), which is
what bounds the padded tables of conformance case 22; a derived variable that averages
many group statistics put any number of derivations behind one input. Now it pays for each
of them, as the same padded tables would.

A group count is `COUNT_INPUTS` (4) inputs (its id ends in `COUNT_MARK`). Why: one input a
count left the tables' bound, 47 padded counts of one target in one label per project and
window (the population, w and 47 counts, 49,000 points), a standard error of √(3/47) =
0.25 on its presence, a diagnosis right ~97 % of the time (red team
`test_padded_group_counts_within_the_budget`: labels 0.91 and −0.13, 0.66 and 0.11). Padded
tables of one target meet `core-sharing` (their cells share the target as a core), group
counts do not; at 4 inputs a count, 11 fit (46 inputs, 43,240 points): √(3/11) = 0.52, case
22's bound on a count. The price depends on the definitions only (a count is a count
whatever it holds), so it is no oracle, and a study that tabulates one group count pays 3
more inputs. Not built, and why: *core-sharing for group counts* (a count set answered
without the small set K that its unit's earlier count sets all share, ∩ of their sets):
the attacker's sets are not a sunflower (20 padders drawn afresh from 60 meet in about 7
besides the target), so the core must be each unit's closed intersection, and any bound on
its size is an oracle at its edge: 19 known people in every set make a core of 19 without
the target and of 20 with it, so answering without cores below 20 removes 19 units from
every later count iff not diagnosed; no bound (honest counts of several variables by
municipality share cores of thousands) removes what a study counts.

Why not the exposure ledger for counts: a count's noise (variance V = 3) tells each unit's
presence at 1/V a count, but to every unit of the group, present or absent: the count of
S ∪ {t} and of S tell the target's diagnosis equally. Charging the counted units only would
make the widening itself the oracle (a diagnosed target's counts widen from its fourth
count on, an undiagnosed one's do not, and a widened count leaves the ±D a count's noise
never exceeds: certain, whatever the allowance); charging every unit of the group (20,000
for a count by `alle`) costs a write per unit and, at an allowance that protects a 0/1 (a
standard error of 1 needs an allowance of 1, three counts), would widen every count of
every group after three counts datastore-wide. The input fee depends only on the request
and the workspace's definitions, never on the data, so it is no oracle.

Presence: every group statistic but a count is a count in disguise, and is noised and
priced as one. A sum of a 0/1 variable is the count of its 1s (a mean, an sd or a smoothed
median of it moves with that count too), but its magnitude noise, scaled by the three
largest contributions (1, 1, 1), had sd 0.57 against a count's 1.7, it was one input, and
it told each contributor (1/0.57)² ≈ 3 of the exposure allowance of 100, which stands for
a 10 % relative error on a value, none on a yes/no: 8 padded sums of one target by `alle`
averaged in one label told 8 of 8 diagnoses, and 47 fitted one project's budget (a
standard error of 0.08 on its presence; red team `test_group_sums_of_indicators`). So the
noise of every group statistic but a count is multiplied by `presence_factor` = √V / m₁
(3.46 with the defaults): (x/σ)² ≤ 1/V for every unit, the largest included, so a sum
tells a unit's presence no more than a count does (a 0/1 sum's sd 1.98); and it is
COUNT_INPUTS inputs, as a count: 11 fit a label at the budget's bound, 1.98/√11 = 0.60,
case 22's bound on a count. What it is not, and why: a rule for 0/1 variables only,
decided on the variable's type or on its value set. The noise follows the largest
contributions, so nearly equal values (1 for the padders, 1.001 for the target) are a
count as much as equal ones and pass any test of distinct values; and a value set read from
the data flips with the one unit that alone holds a value (v = 2 for the target if
diagnosed), which would make the decision the oracle. The factor depends on the
configuration alone. The cost: a group sum's noise is 3.46 times a table cell's (wage sums
by municipality in the test population: median relative error 1.4 % before, 4.7 % after;
0.06 % and 0.21 % in its group of 2,070 units), and the exposure a group statistic charges
is at most 1/V, not 1/m₁² = 4.

Invariants: a group statistic's carried id is a function of the step and the new column
alone (a rebuilt workspace carries the same ids and pays the same fees); ids with
`STATISTIC_MARK` are never keys of State.groups (the guard's registration, groups_of,
skips them); a release's fee for them is charged whether or not the values were given
registered ones."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from .fingerprint import FingerprintTable, fingerprint_table
from .guard_index import SetIndex
from .ledger import EXPOSURE_MEASURE, ReleasedSet, decode_exposure, exposure_set
from .rules.budget import Budget
from .rules.cell_key_noise import CellKeyNoise, CountsWithKeys
from .rules.differencing import Differencing, NearSets
from .unit_sets import CellUnits
from .value_keys import keyed_bits

GROUP_MEASURE = "group-values"

# Separates a group statistic's own id (carried by what is computed from it) from its
# step's groups id; never in a groups id (grouping.py: "groups-<n>-<column>").
STATISTIC_MARK = "#"
_OWN = "groups-"


# Ends the id of a group count (statistic_id): a count is priced as COUNT_INPUTS inputs.
COUNT_MARK = f"{STATISTIC_MARK}count"
# How many inputs one group count is (statistic_inputs): its own and COUNT_INPUTS − 1 more.
# Why 4: the n-th input of a window costs n · input_fee, so a label over the population, its
# variable and n counts is 2 + 4n inputs, 40 · (2 + 4n)(3 + 4n)/2 points: n = 11 fit in
# 50,000 (47 when a count was one input), a standard error of √(3/11) = 0.52 on one target's
# presence (the module docstring, group counts).
COUNT_INPUTS = 4


def statistic_id(groups_id: str, column: str, count: bool = False) -> str:
    """The id a group statistic made in `column` by the step of `groups_id` carries
    (`count`: a group count, whose id says so)."""
    return f"{groups_id}{STATISTIC_MARK}{column}{COUNT_MARK if count else ''}"


def statistic_inputs(groups: Iterable[str]) -> list[tuple[str, str]]:
    """The budget inputs of the group statistics among carried `groups` ids, as (kind,
    part) for the service's input names: ("derived", column) for a statistic of the
    workspace itself (the input its own variable is), ("group-statistic", id) for one
    merged in from another workspace (its column is the other workspace's); and for every
    group statistic, a count or any other (a sum of a 0/1 is a count: module docstring,
    presence), COUNT_INPUTS − 1 more, ("group-count-<i>", part) with the same part."""
    found: dict[tuple[str, str], None] = {}
    for g in groups:
        if STATISTIC_MARK not in g:
            continue
        base, column = g.removesuffix(COUNT_MARK).split(STATISTIC_MARK, 1)
        own = base.startswith(_OWN)
        part = column if own else g
        found[("derived", part) if own else ("group-statistic", part)] = None
        # Every group statistic is priced as a count (module docstring, presence).
        found.update(dict.fromkeys((f"group-count-{i}", part) for i in range(1, COUNT_INPUTS)))
    return list(found)


def presence_factor(count_variance: float, strength: float) -> float:
    """What the magnitude noise of every group statistic but a count is multiplied by: so
    that its total tells no unit's presence more than a count does, (x/σ)² ≤ 1/V for the
    largest contribution x (σ ≥ strength · x before the factor; V the count noise's
    variance). The same for every group, variable and value (module docstring, presence)."""
    return max(1.0, math.sqrt(count_variance) / strength) if strength > 0 else 1.0


# The bits a group count's units are paired with: a NaN's, which no value of a pair set is.
COUNT_BITS = np.uint64(0x7FF8_0000_C0C0_C0C0)


def registered_groups(counts: CellKeyNoise, members: CellUnits, least: int) -> np.ndarray:
    """Per group whether its unit set is kept to be registered with the differencing guard
    (State.groups): its units' perturbed count (cell key noise by their own keys, the
    count a group count or a table cell of them publishes) reaches `least`, the same test
    that decides whether the group has values. Never its exact size. Why: groups were kept
    when their exact size was 10 or more, so a group of 9 known people and the target if
    diagnosed was registered iff diagnosed, and a release computed from its statistic was
    withheld (`differencing`, the group 1 unit from a cell of the 9, the target and one
    more released before) iff diagnosed: 12 of 12 (red team `test_group_registration`).
    Now a group of 9 or 10 is registered as often as its perturbed count reaches the
    threshold: what that count, published by a count of the group, tells anyway."""
    noised = counts.apply(CountsWithKeys(members.counts(), members.key_sums()))
    return np.array([int(d.value or 0) >= least for d in noised], dtype=bool)


class GroupLedger(NearSets, Protocol):
    """The shared ledger as group statistics use it: registered sets by nearness, and each
    unit's exposure (exposure.py)."""

    def exposure(self, names: Sequence[str]) -> list[float]: ...


class SharedValues(Protocol):
    """The datastore's shared ledger as a step's group statistics reach it."""

    def __call__(self, work: Callable[[GroupLedger], list[ReleasedSet]]) -> None:
        """Runs `work` with the ledger (bound, in a locked transaction) and records the
        sets it returns, as a release of no cells and no charge."""

    def together(self) -> AbstractContextManager[None]:
        """One locked transaction for every `work` run inside the block (a step's group
        statistics): registered and committed together, or, if the step fails before the
        block ends, none of them. Why: a transaction per statistic took the lock, caught
        the ledger up and committed 1,680 times for one aggregate step of 840 sums (half
        of such a step's time, docs/TESTING.md); what a statistic looks up is the same
        either way, since the sets recorded earlier in the transaction are looked up as
        the committed ones are (persistent_ledger.py, `_Pending`)."""


@dataclass(frozen=True)
class Told:
    """What a group statistic's noise tells its units, before the exposure ledger widens
    it: per pair told (a unit of a group, each unit in one group of a statistic) its
    group, its unit's ledger name and (x/σ)² under the unwidened noise (exposure.py); and
    `widened(groups, factors)`, those groups' values with their noise multiplied by the
    factors, a fresh draw for each factor (two scalings of one draw would give the exact
    value)."""

    group: np.ndarray
    names: Sequence[str]
    amount: np.ndarray
    widened: Callable[[np.ndarray, np.ndarray], np.ndarray]

    @staticmethod
    def nothing() -> Told:
        return Told(
            np.zeros(0, np.int64), (), np.zeros(0), lambda groups, _: np.full(len(groups), np.nan)
        )


def _widen(
    budget: Budget,
    told: Told,
    fresh: np.ndarray,
    exposures: Callable[[Sequence[str]], list[float]],
    out: np.ndarray,
) -> tuple[Sequence[str], np.ndarray]:
    """Widens the noise of the `fresh` groups (indices) that tell a unit past its
    allowance, in `out`, and returns what the fresh groups tell their units under that
    noise: names and amounts (a name may repeat: a unit of several rows in two groups)."""
    if not len(told.group) or not len(fresh):
        return (), np.zeros(0)
    chosen = np.zeros(len(out), dtype=bool)
    chosen[fresh] = True
    at = np.flatnonzero(chosen[told.group])
    if not len(at):
        return (), np.zeros(0)
    names = told.names if len(at) == len(told.group) else [told.names[i] for i in at.tolist()]
    exposed = np.asarray(exposures(names), dtype=np.float64)
    most = np.zeros(len(out))
    np.maximum.at(most, told.group[at], exposed)
    factors = np.ones(len(out))
    over = np.flatnonzero(chosen & (most > budget.parameters.exposure_allowance))
    for g in over.tolist():
        factors[g] = budget.noise_factor(float(most[g]), capped=False)
    if len(over):
        out[over] = told.widened(over, factors[over])
    return names, told.amount[at] / factors[told.group[at]] ** 2


def _record(names: Sequence[str], amounts: np.ndarray) -> ReleasedSet:
    """The exposure record of what a step's fresh group statistics told (ledger.py's
    `exposure_set` format, unsorted: a repeated name is summed when read)."""
    text = ",".join(f"{n}:{a:.4f}" for n, a in zip(names, amounts.tolist(), strict=True))
    return replace(exposure_set({}), answer=text)


def count_sets(cells: CellUnits) -> FingerprintTable:
    """Each group's units with a value, fingerprinted as pairs of the unit and a mark that
    no statistic's value is: one unit more or less is 1 pair, as in a unit set, but the
    set is no unit set the differencing guard compares (a group count registered at step
    time over the group less a unit, near the group's own unit set, withheld every table
    of the group: an oracle of whether its count's set is the group)."""
    ids = keyed_bits(
        cells.keys.set_ids[cells.unit], np.full(len(cells.unit), COUNT_BITS, dtype=np.uint64)
    )
    return fingerprint_table(cells.cell, ids, cells.n_cells)


class GroupValues:
    """The group statistics of one workspace, by statistic, indexed by their sets when a
    look-up needs it (a step over 36,000 groups of birth dates looks up only the groups
    whose size is within reach of an earlier set's of the same statistic); and, without a
    shared ledger, what they told each unit (the workspace's own exposure ledger)."""

    def __init__(
        self,
        differencing: Differencing,
        earlier: Sequence[ReleasedSet],
        shared: SharedValues | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.differencing = differencing
        self.shared = shared
        self.budget = budget
        self.reach = differencing.parameters.min_difference + differencing.parameters.ramp
        self._sets: dict[str, list[ReleasedSet]] = {}
        self._indexed: dict[str, tuple[SetIndex, int]] = {}  # index, sets added to it
        self._earlier_exposure = [g for g in earlier if g.measure == EXPOSURE_MEASURE]
        self._exposure: dict[str, float] | None = None  # read from them when first needed
        for given in earlier:
            if given.measure != EXPOSURE_MEASURE:
                self._sets.setdefault(given.statistic, []).append(given)
        self.added: list[ReleasedSet] = []

    def _own_exposure(self) -> dict[str, float]:
        """Without a shared ledger: each unit's exposure from this workspace's own group
        statistics (their records kept with its state)."""
        if self._exposure is None:
            self._exposure = {}
            for record in self._earlier_exposure:
                for name, amount in decode_exposure(record.answer).items():
                    self._exposure[name] = self._exposure.get(name, 0.0) + amount
        return self._exposure

    def together(self) -> AbstractContextManager[None]:
        """Around all of a step's statistics: with a shared ledger, one transaction for
        them (SharedValues.together)."""
        return self.shared.together() if self.shared is not None else nullcontext()

    def _index(self, statistic: str) -> SetIndex:
        index, done = self._indexed.get(statistic, (SetIndex(), 0))
        kept = self._sets.get(statistic, [])
        for given in kept[done:]:
            index.add(given)
        self._indexed[statistic] = (index, len(kept))
        return index

    def given(
        self,
        statistic: str,
        values: np.ndarray,
        sets: FingerprintTable,
        told: Told | None = None,
    ) -> np.ndarray:
        """Per group (NaN: no value) its value, or the value given before to a set that
        takes its set; the new ones are kept for later statistics. A count's values are
        the perturbed counts of the groups' units. A group given afresh that `told`
        says tells a unit past its exposure allowance gets its noise widened (`_widen`),
        and what the fresh groups tell is added to their units' exposure."""
        out = np.array(values, dtype=np.float64)
        if self.shared is not None:
            self._given_shared(statistic, out, sets, self.shared, told)
            return out
        kept = self._sets.setdefault(statistic, [])
        # Groups of one statistic are disjoint sets of 10 or more: never near each other.
        sizes = np.sort(np.array([k.size for k in kept], dtype=np.int64))
        fresh: list[int] = []
        for g in np.flatnonzero(np.isfinite(out)):
            found = sets[int(g)]
            at = np.searchsorted(sizes, found.size - self.reach + 1)
            if at < len(sizes) and sizes[at] < found.size + self.reach:
                before = self.differencing.registered_value(
                    GROUP_MEASURE, statistic, found, self._index(statistic)
                )
                if before is not None:
                    out[g] = before
                    continue
            fresh.append(int(g))
        if told is not None and self.budget is not None:
            exposure = self._own_exposure()
            names, amounts = _widen(
                self.budget,
                told,
                np.array(fresh, dtype=np.int64),
                lambda asked: [exposure.get(n, 0.0) for n in asked],
                out,
            )
            if len(names):
                for name, amount in zip(names, amounts.tolist(), strict=True):
                    exposure[name] = exposure.get(name, 0.0) + amount
                self.added.append(_record(names, amounts))
        for f in fresh:
            given = ReleasedSet(GROUP_MEASURE, statistic, sets[f], float(out[f]))
            kept.append(given)
            self.added.append(given)
        return out

    def _given_shared(
        self,
        statistic: str,
        out: np.ndarray,
        sets: FingerprintTable,
        shared: SharedValues,
        told: Told | None,
    ) -> None:
        budget = self.budget

        def work(ledger: GroupLedger) -> list[ReleasedSet]:
            # The groups of one statistic are disjoint sets of 10 or more: a group is never
            # near another of the same step, only near registered ones.
            fresh: list[int] = []
            for g in np.flatnonzero(np.isfinite(out)):
                found = sets[int(g)]
                before = self.differencing.registered_value(GROUP_MEASURE, statistic, found, ledger)
                if before is not None:
                    out[g] = before
                else:
                    fresh.append(int(g))
            new: list[ReleasedSet] = []
            if told is not None and budget is not None:
                names, amounts = _widen(
                    budget, told, np.array(fresh, np.int64), ledger.exposure, out
                )
                if len(names):
                    new.append(_record(names, amounts))
            new += [ReleasedSet(GROUP_MEASURE, statistic, sets[g], float(out[g])) for g in fresh]
            return new

        shared(work)
