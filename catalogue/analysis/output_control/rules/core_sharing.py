"""core-sharing: a count cell is answered without a small set of units it holds (its *core*),
or beyond it, when that is already the small part that `max_sets` released sets share with others
(OUTPUT_CONTROL.md v2 §3, behaviour "many tables sharing a small core"; conformance case 22).

The attack it answers: a suppressed group G (3–9 units) padded with m disjoint known sets
A_j, one count each: Σ_j |A_j ∪ G| − |A| = m·|G|, and the count noise (variance V) averages
away as V(m + 1)/m². Every padded set is hundreds of units from every other, so the
differencing guard never sees them; a budget cannot tell 13 such tables (standard error 0.5)
from a study's dozens. What it can see is their shape: the released sets A_j ∪ G meet each
other, and the released sets that hold A_j, in G alone, a *sunflower* whose kernel is small.
A study's tables rarely make one with more than a few petals: two cells of different tables
meet in a small set only where they fix, between them, every attribute of it, and a small
set is fixed that way by at most as many cells as it has attributes.

How (cores.py): when a count cell S is to be published, each registered set R that the
workspace can name (a class of one of its variables whose unit set the ledger holds) is met
with S; S ∩ R, S ∖ R and R ∖ S are its cores when their *perturbed* counts lie in
1 … `core_below` − 1 (their own cell keys: no decision rests on an exact small count). Each
core is keyed by its own fingerprint, and the ledger counts, per core, the released sets
that held it so (shared by every project and workspace of the datastore, persistent). A cell
with a core K already held by `max_sets` other released sets is answered as S ∖ K (K inside
S) or S ∪ K (K beyond S), with that set's own count and cell key: the answer the same
request gets in a world without K's units, so no decision shows (a withholding did: for a
one-unit core, "withheld" meant "there"). A set published before, asked again, gets the
count published then (a repeat). So at most `max_sets` + 1 sets carry one small core: a
partition whose true cells alone hold it gets 6 parts with G, a standard error of
√(V·7)/6 = 0.76 (V = 3); the honest ceiling, the choice of 5 and what answering without the
core costs (the four-table rounds) are in docs/OUTPUT_CONTROL.md §3. (The rule's first
version withheld such a cell; its reason code stays for results of that time.)

Across workspaces (kernels.ledger_kernels): the petals a workspace names are the attacker's
choice, so the ledger also keeps, per unit, a bounded sample of the published count cells
that hold it (guard_index.HolderSamples), and a cell that `max_sets` earlier cells of any
workspace meet in one set K, while their units beyond it are each in one of them (a
sunflower), is answered without K; K goes to another cell of the same view, so the
view's cells still add up (a part's false cell, answered with fresh noise, would otherwise
give |A_j ∪ G| again). Parts of everyone asked from fresh workspaces, which name no other
part and no base, are met so. A one-unit kernel counts there only beyond chance (random
small sets make one-unit sunflowers in most cells of a busy ledger): `max_sets` petals too
large to miss the rest of the cell by chance, or more petals than the cell's other units
are given by chance (kernels._beyond_chance).

Limits (docs/OUTPUT_CONTROL.md §3, §12): a holder is known on a cell only below its units'
sample bounds, which an attacker could lower by making the petal side far more held than
G. Every candidate group of a table is checked (a cap of 64 was filled by decoy groups
placed before the part's cell), and a table whose units lie in two cells (a panel's rows, a
multi-valued dimension) is met on its (cell, unit) pairs (it was skipped): red team
`test_holder_limits`. Not tried yet: a cell is answered without its *smallest* sunflower
kernel only, so a smaller decoy sunflower of known people inside the part would be taken in
G's place; in a table of three or more dimensions the cell a kernel moves to may disagree
with a margin block whose own view found none. A core whose perturbed
count is 0 is not counted (the empty set is not a core; whether a small set is empty is
decided on its perturbed count, which for one unit is 0 five times in eight: answered
without the core, that decision does not show)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class CoreSharingParameters:
    enabled: bool = True
    max_sets: int = 5  # released sets that may share one small core
    core_below: int = 20  # a core's perturbed count is 1 … core_below − 1

    def __post_init__(self) -> None:
        if self.max_sets < 1 or self.core_below < 2:
            raise ValueError("core-sharing needs max_sets ≥ 1 and core_below ≥ 2")


@dataclass(frozen=True)
class CoreCounts:
    """Per cell: how many other released sets already hold each of its small cores as
    theirs (empty: the cell has no small core, or is not published)."""

    held: Sequence[Sequence[int]]


class CoreSharing(Rule[CoreSharingParameters, CoreCounts, int]):
    code = "core-sharing"
    parameters_type = CoreSharingParameters
    title = Message("Vern mot delte små kjerner", "Shared small cores")
    docs = Message(
        "Et antall telles uten en liten del av enhetene bak det (færre enn {core_below}, "
        "etter støy) hvis den allerede er den lille delen {max_sets} andre utleverte tall "
        "har felles med andre: mange tabeller som deler en liten kjerne, er et "
        "gjennomsnittsangrep.",
        "A count is counted without a small part of its units (fewer than {core_below}, "
        "after noise) if that is already the small part that {max_sets} other released "
        "values share with others: many tables sharing a small core are an averaging "
        "attack.",
    )
    reasons = frozen_reasons(
        {
            "core-sharing": Message(
                "En liten gruppe enheter i denne cellen er allerede en del av {max_sets} andre "
                "utleverte tall som ellers ikke overlapper; cellen vises ikke. Spør om "
                "grupper som ikke bygger på den samme lille gruppen.",
                "A small group of units in this cell is already part of {max_sets} other "
                "released values that otherwise do not overlap; the cell is not shown. Ask "
                "about groups that are not built around the same small group.",
            ),
        }
    )

    def apply(self, subject: CoreCounts) -> Sequence[Decision[int]]:
        """Per cell: the index of its first core held by `max_sets` other released sets,
        or −1. Never a withholding: the cell is answered without that core (cores.py)."""
        limit = self.parameters.max_sets
        decisions: list[Decision[int]] = []
        for held in subject.held:
            over = next((j for j, n in enumerate(held) if n >= limit), -1)
            decisions.append(Decision(over if self.parameters.enabled else -1))
        return decisions
