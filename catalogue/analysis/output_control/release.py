"""What every controller entry point shares: the workspace context, the population check,
bookkeeping of the rules applied, the differencing guard, the budget, the ledger record
and, last, minting the ControlledResult. Also the budget's other charges, which the
service makes around a release: input fees and refusal fees, and the budget's state."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from catalogue.domain.errors import RegcatError

from .answers import Whole, encode
from .cell_key import KeySource
from .fingerprint import SetFingerprint
from .ledger import (
    COUNT_MEASURE,
    PAIRS_MEASURE,
    Release,
    ReleasedSet,
    ReleaseLedger,
    exposure_set,
)
from .parameters import OutputControlParameters
from .registry import RULES
from .result import (
    _MINT,
    AppliedRule,
    ControlledResult,
    Note,
    ResultRow,
    SummaryValue,
    all_finite,
    finite,
)
from .rounding import nearest_ten
from .rule import Decision, Message, Rule
from .rules.budget import Budget, BudgetSubject
from .rules.cell_key_noise import CellKeyNoise, CountsWithKeys
from .rules.differencing import Differencing, DifferencingSubject, Novelty, Snapped
from .rules.min_population import MinPopulation
from .rules.regression import Regression
from .rules.threshold import Threshold
from .unit_sets import CellUnits

if TYPE_CHECKING:
    from .cores import UnitClasses

R = TypeVar("R", bound=Rule[Any, Any, Any])


@dataclass(frozen=True, eq=False)
class ControlContext:
    """Everything about the workspace the controller needs besides the aggregates."""

    parameters: OutputControlParameters
    keys: KeySource
    ledger: ReleaseLedger
    project: str
    datastore_version: str
    population: np.ndarray  # pseudonyms of the workspace population
    now: datetime | None = None  # the budget's clock; None = the current time
    # The classes of the workspace's variables, read when first needed: the sets a count
    # cell's small cores are found against (cores.py, rules/core_sharing.py). None: none.
    classes: Callable[[], Sequence[UnitClasses]] | None = None

    @cached_property
    def _population_units(self) -> CellUnits:
        return CellUnits.single(np.asarray(self.population, dtype=np.int64), self.keys)

    @property
    def population_size(self) -> int:
        return int(self._population_units.counts()[0])

    def population_key_sum(self) -> np.ndarray:
        return self._population_key_sum

    @cached_property
    def _population_key_sum(self) -> np.ndarray:
        return self._population_units.key_sums()

    def clock(self) -> datetime:
        return self.now or datetime.now(UTC)

    def budget_since(self, now: datetime) -> datetime:
        """The start of the budget's window ending at `now`."""
        days = self.parameters.of(Budget).window_days
        return now - timedelta(days=days)

    @cached_property
    def population_fingerprint(self) -> SetFingerprint:
        return self._population_units.fingerprint_table()[0]

    @cached_property
    def perturbed_population(self) -> int:
        """The population's count with its own cell key noise: what min-population judges
        and what a result shows (rounded to ten); never the exact count."""
        noise = self.parameters.rule(CellKeyNoise)
        counts = np.array([self.population_size], dtype=np.int64)
        return int(noise.apply(CountsWithKeys(counts, self.population_key_sum()))[0].value or 0)


def check_population(context: ControlContext) -> None:
    """Refuses (422) every statistic on a workspace whose perturbed population is below the
    minimum (an exact bound would tell whether one unit is in a population of 1000)."""
    rule = context.parameters.rule(MinPopulation)
    if rule.apply(context.perturbed_population)[0].withheld:
        raise rule.refusal("min-population")


class ResultBuilder:
    """Use as a context manager around one controlled computation: it holds the ledger's
    session so the differencing check and the record happen atomically."""

    def __init__(
        self,
        context: ControlContext,
        kind: str,
        dimensions: Sequence[str],
        columns: Sequence[str],
        variables: int = 0,
    ) -> None:
        self.context = context
        self.kind = kind
        self.dimensions = tuple(dimensions)
        self.columns = tuple(columns)
        self.variables = variables
        self._rules: dict[str, Rule[Any, Any, Any]] = {}
        self._sets: list[ReleasedSet] = []
        # Pair sets answered afresh: their answer (the rows at these positions of the
        # finished result) is registered with them when the release is recorded.
        self._answered: list[tuple[str, SetFingerprint, tuple[int, ...], bool]] = []
        # Pair sets answered afresh with values that are not rows of the result (a chart's
        # smoothed range): registered as they are.
        self._kept: list[tuple[str, SetFingerprint, tuple[ResultRow, ...], bool]] = []
        self._charged = 0
        self._asked: list[tuple[str, tuple[int | None, ...]]] = []
        self._notes: list[Note] = []
        self.summary: list[SummaryValue] = []  # published numbers about the whole result
        self.steward: dict[str, int] = {}  # for the audit log only (ControlledResult.steward)
        # A perturbed count (not yet rounded) of the units the result is about when that is
        # not the workspace (a model's units); None: the workspace's population.
        self.population: int | None = None
        self._session = context.ledger.session()

    def __enter__(self) -> ResultBuilder:
        self._session.__enter__()
        try:
            self.rule(MinPopulation)  # listed among the rules applied
            check_population(self.context)
            self._refuse_if(Budget, BudgetSubject(self.variables, 0, 0))
        except BaseException:
            self._session.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._session.__exit__(kind, error, trace)

    def rule(self, rule_type: type[R]) -> R:
        """The rule with this datastore's parameters, recorded as applied."""
        if rule_type.code not in self._rules:
            self._rules[rule_type.code] = self.context.parameters.rule(rule_type)
        found: R = self._rules[rule_type.code]  # type: ignore[assignment]
        return found

    def note(self, code: str, message: Message) -> None:
        if all(n.code != code for n in self._notes):
            self._notes.append(Note(code, message.nb, message.en))

    def _refuse_if(self, rule_type: type[Rule[Any, Any, Any]], subject: Any) -> None:
        rule = self.rule(rule_type)
        decision = rule.apply(subject)[0]
        if decision.withheld:
            raise rule.refusal(str(decision.reason), **vars(subject))

    def refuse(self, rule_type: type[Rule[Any, Any, Any]], code: str) -> RegcatError:
        return self.rule(rule_type).refusal(code)

    def guard(
        self,
        measure: str,
        statistic: str,
        fingerprints: Sequence[SetFingerprint | None],
        *,
        compare_within: bool,
        cells_per_set: int = 1,
        published: Sequence[float | None] | None = None,
        record: Sequence[bool] | None = None,
        across_measures: bool = True,
    ) -> list[Decision[Novelty | Snapped]]:
        """The differencing guard over these sets; new ones are recorded and charged.
        `published`: counts published for the sets, kept with them; a count set a few units
        away from one of them is then answered with it (rules/differencing.py). `record`:
        per set whether a new one is recorded (False: the statistic is answered with a
        registered answer, `registered_answer`, and publishes nothing new).
        `across_measures`: False for a statistic of values, whose near sets of another
        measure do not withhold it (rules/differencing.py)."""
        decisions = self.rule(Differencing).apply(
            DifferencingSubject(
                measure,
                statistic,
                fingerprints,
                self.context.ledger,
                compare_within,
                snap=published is not None,
                across_measures=across_measures,
            )
        )
        values = published if published is not None else [None] * len(fingerprints)
        recorded = record if record is not None else [True] * len(fingerprints)
        for found, decision, value, kept in zip(
            fingerprints, decisions, values, recorded, strict=True
        ):
            if found is None or not kept:
                continue
            if decision.value == "new":
                self._sets.append(ReleasedSet(measure, statistic, found, value))
                self._charged += cells_per_set
            elif isinstance(decision.value, Snapped) and not decision.value.repeat:
                # Registered with the count it got (rules/differencing.py), not charged.
                self._sets.append(ReleasedSet(measure, statistic, found, decision.value.published))
        return list(decisions)

    def counted(self, sets: Sequence[SetFingerprint | None], sizes: Sequence[int]) -> list[int]:
        """The count of units each set is taken to hold where a result shows it, lets it be
        derived (a mean's denominator, a model's N) or decides on it: as for a count cell,
        the count registered for the same set or one a few units away
        (rules/differencing.py), else its own perturbed count (`sizes`), registered with
        it. Sets under the threshold (and None) keep their own. Why: a statistic of values
        over a set near a registered one of another measure is answered afresh, and its
        own perturbed count, read as sum / mean, equalled the registered set's iff the two
        sets were the same (red team: test_snap_edges)."""
        least = self.context.parameters.of(Threshold).min_count
        differencing = self.context.parameters.rule(Differencing)
        out: list[int] = []
        for found, size in zip(sets, sizes, strict=True):
            if found is None or size < least:
                out.append(size)
                continue
            registered = differencing.registered_value(
                COUNT_MEASURE, "count", found, self.context.ledger
            )
            if registered is None:
                registered = float(size)
                if not any(
                    s.measure == COUNT_MEASURE and s.fingerprint.same_set(found) for s in self._sets
                ):
                    self._sets.append(ReleasedSet(COUNT_MEASURE, "count", found, registered))
            out.append(round(registered))
        return out

    def hold_cores(self, records: Sequence[ReleasedSet]) -> None:
        """Records, with the release, the small cores its published cells held
        (rules/core_sharing.py). Not charged: the cells were."""
        self._sets.extend(records)

    def expose(self, amounts: dict[str, float]) -> None:
        """Records, with the release, what it told about its cells' top contributors
        (exposure.py, rules/budget.py). Not charged in points: that would tell who they are."""
        if amounts:
            self._sets.append(exposure_set(amounts))

    def registered_answer(self, statistic: str, pairs: SetFingerprint) -> str | None:
        """The answer registered for this set of (unit, value) pairs or one a few pairs
        away (rules/differencing.py), or None: then answer it afresh and `remember` it."""
        return self.rule(Differencing).registered_answer(statistic, pairs, self.context.ledger)

    def remember(
        self, statistic: str, pairs: SetFingerprint, rows: Sequence[int], whole: bool = False
    ) -> None:
        """Registers, when the release is recorded, the answer given for a pair set: the
        finished result's rows at these positions, withheld ones included; `whole`: with
        its summary, population, notes and rules (a model's answer: answers.py)."""
        self._answered.append((statistic, pairs, tuple(rows), whole))

    def keep(
        self,
        statistic: str,
        pairs: SetFingerprint,
        rows: Sequence[ResultRow],
        whole: bool = False,
    ) -> None:
        """Registers, when the release is recorded, these rows as the answer given for a
        pair set: values the result uses but does not show as rows (a chart's range, a
        model's coefficients in its affine form); `whole`: with the result's summary,
        population, notes and rules (as `remember`)."""
        self._kept.append((statistic, pairs, tuple(rows), whole))

    def replay(self, whole: Whole) -> None:
        """Gives this result the summary, population, notes and rules of a registered whole
        answer (its rows are given by the caller): the result is then the registered one,
        whatever this request's own computation touched or found."""
        self.summary[:] = whole.summary
        self.population = whole.population
        self._notes = list(whole.notes)
        listed = {rule.code: rule for rule in RULES}
        rules = {code: self.context.parameters.rule(listed[code]) for code in whole.rules}
        self._rules = {**rules, **{c: r for c, r in self._rules.items() if c not in rules}}

    def _whole(self, result: ControlledResult) -> Whole:
        return Whole(
            result.summary,
            self.population,
            result.notes,
            tuple(rule.code for rule in result.rules),
        )

    def charge(self, kind: str, perturbed_sizes: Sequence[int | None]) -> None:
        """Declares what this release asks for, for the budget (OUTPUT_CONTROL.md v2 §3):
        one entry per cell, value or term asked for, whether it ends up published,
        suppressed or withheld, so that the charge never tells which. `kind` is one of
        "count", "magnitude", "smoothed", "model", "curve"; `perturbed_sizes` holds each
        cell's perturbed number of units (None where none was computed).

        Interface for output control v2: the budget rule prices these entries."""
        self._asked.append((kind, tuple(perturbed_sizes)))

    def _population(self) -> int:
        """The population shown, a count like any other: a population a few units from a
        registered count set shows that set's count (rules/differencing.py), and a new one
        is registered with its own. Its own perturbed count, rounded to ten, still told
        a workspace without the target from one with it in about half the cases."""
        self.rule(CellKeyNoise)  # listed among the rules applied
        context = self.context
        units = context.population_fingerprint
        registered = self.rule(Differencing).registered_value(
            COUNT_MEASURE, "count", units, context.ledger
        )
        if registered is None:
            registered = float(context.perturbed_population)
            self._sets.append(ReleasedSet(COUNT_MEASURE, "count", units, registered))
        return nearest_ten(round(registered))

    def _finite(self, rows: Sequence[ResultRow]) -> tuple[list[ResultRow], bool]:
        """The rows with every number that is not finite withheld, and whether the result
        is withheld whole. Whatever computed it (a fit at its limits, a sum past the
        largest float, a replayed answer), a NaN or ±∞ is never published nor stored: a
        model's coefficient or standard error that is one withholds the model whole as
        one that cannot be estimated (`regression-withheld`, with no summary, as a model
        asked afresh that cannot be estimated is); a correlation's pair likewise; any
        other statistic's such value is withheld (None) in its row, and so is a summary
        value (a fit statistic). Before, the ledger's
        encoding refused it (HTTP 500: a failure in one world and an answer in the
        other), and a response held `NaN`, which is no JSON (red team `test_non_finite`)."""
        held = [all_finite(row.values) for row in rows]
        if all(held) and all_finite(s.value for s in self.summary):
            return list(rows), False
        if self.kind == "regression" and not all(held):
            self.rule(Regression)
            self.summary[:] = []
            self.population = None
            blank = tuple(None for _ in self.columns)
            return [ResultRow(("model",), blank, ("regression-withheld",))], True
        self.summary[:] = [
            s if finite(s.value) else SummaryValue(s.name, None, s.reasons) for s in self.summary
        ]
        found = []
        for row, ok in zip(rows, held, strict=True):
            if ok:
                found.append(row)
            elif self.kind == "correlation":
                self.rule(Regression)
                blank = tuple(None for _ in self.columns)
                found.append(ResultRow(row.labels, blank, ("regression-withheld",)))
            else:
                values = tuple(v if finite(v) else None for v in row.values)
                found.append(ResultRow(row.labels, values, row.reasons))
        return found, False

    def finish(self, rows: Sequence[ResultRow]) -> ControlledResult:
        """Mints the result (every number finite: `_finite`), charges it to the budget
        (nothing if the project was given the identical result before) and records the
        release."""
        context = self.context
        now = context.clock()
        rows, whole = self._finite(rows)
        if whole:
            # The answers registered with the release are the withheld one: whole answers
            # get its one row, a term's row (registered at its position) none.
            self._answered = [
                (statistic, pairs, (0,), True)
                for statistic, pairs, _, kept in self._answered
                if kept
            ]
            self._kept = [
                (statistic, pairs, tuple(rows), True)
                for statistic, pairs, _, kept in self._kept
                if kept
            ]
        result = self._mint(rows)
        digest = result_digest(result)
        since = context.budget_since(now)
        if context.ledger.has_result(context.project, digest, since):
            cost = 0  # the same answer again: it reveals nothing new
        else:
            cost = self.rule(Budget).cost(self._asked)
            spent = context.ledger.points_spent(context.project, since)
            self._refuse_if(Budget, BudgetSubject(self.variables, cost, spent))
        answered = [
            ReleasedSet(
                PAIRS_MEASURE,
                statistic,
                pairs,
                answer=encode([result.rows[i] for i in at], self._whole(result) if whole else None),
            )
            for statistic, pairs, at, whole in self._answered
        ] + [
            ReleasedSet(
                PAIRS_MEASURE,
                statistic,
                pairs,
                answer=encode(rows, self._whole(result) if whole else None),
            )
            for statistic, pairs, rows, whole in self._kept
        ]
        context.ledger.record(
            Release(context.project, now, self._charged, (*self._sets, *answered), cost, digest)
        )
        return result

    def _mint(self, rows: Sequence[ResultRow]) -> ControlledResult:
        population = self._population() if self.population is None else nearest_ten(self.population)
        used = sorted(
            {reason for row in rows for reason in row.reasons}
            | {reason for value in self.summary for reason in value.reasons}
        )
        texts = []
        for code in used:
            owner = next(r for r in self._rules.values() if code in r.reasons)
            message = owner.reason(code)
            texts.append((code, message.nb, message.en))
        return ControlledResult(
            _MINT,
            kind=self.kind,
            datastore_version=self.context.datastore_version,
            parameters_version=self.context.parameters.version,
            population=population,
            dimensions=self.dimensions,
            columns=self.columns,
            rows=tuple(rows),
            rules=tuple(
                AppliedRule(code, tuple(rule.parameter_values().items()))
                for code, rule in self._rules.items()
            ),
            reason_texts=tuple(texts),
            notes=tuple(self._notes),
            summary=tuple(self.summary),
            steward=tuple(sorted(self.steward.items())),
        )


def result_digest(result: ControlledResult) -> str:
    """What makes two results the same answer: everything but the names of the dimensions
    (a renamed variable's table tells nothing its first table did not)."""
    content = {**result.to_json_dict(), "dimensions": len(result.dimensions), "audit_id": None}
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- the budget's other charges (the service makes them around a release) -----------------


@dataclass(frozen=True)
class BudgetState:
    """A project's budget as the API shows it (`cost`: what the request at hand cost)."""

    points: int
    window_days: int
    spent: int
    cost: int = 0

    @property
    def left(self) -> int:
        return max(0, self.points - self.spent)

    def to_json_dict(self) -> dict[str, int]:
        return {
            "points": self.points,
            "window_days": self.window_days,
            "spent": self.spent,
            "left": self.left,
            "cost": self.cost,
        }


def budget_state(context: ControlContext, cost: int = 0) -> BudgetState:
    """The project's budget now (inside a ledger session)."""
    parameters = context.parameters.of(Budget)
    spent = context.ledger.points_spent(context.project, context.budget_since(context.clock()))
    return BudgetState(parameters.points, parameters.window_days, spent, cost)


def charge_inputs(context: ControlContext, inputs: Sequence[str]) -> int:
    """Charges the input fees of those `inputs` (ids of register variables, derived variables
    and populations, stable for the same definition) that the project has not used in the
    window; refuses (422) if they would take it over its budget. Returns the points."""
    now = context.clock()
    since = context.budget_since(now)
    used = context.ledger.inputs_used(context.project, since)
    new = tuple(sorted(set(inputs) - used))
    if not new:
        return 0
    budget = context.parameters.rule(Budget)
    fee = budget.input_fees(len(used), len(new))
    spent = context.ledger.points_spent(context.project, since)
    decision = budget.apply(BudgetSubject(0, fee, spent))[0]
    if decision.withheld:
        raise budget.refusal(str(decision.reason), variables=0, cost=fee, spent=spent)
    context.ledger.record(Release(context.project, now, 0, (), fee, None, new))
    return fee


def charge_refusal(
    ledger: ReleaseLedger, parameters: OutputControlParameters, project: str, at: datetime
) -> int:
    """Charges a refused request's fee. The service calls this in a transaction of its own,
    after the refused one was rolled back, so that a refusal is paid for. (It needs no
    workspace context: a request may be refused before there is a population.)"""
    fee = parameters.of(Budget).refusal_fee
    with ledger.session():
        ledger.record(Release(project, at, 0, (), fee))
    return fee
