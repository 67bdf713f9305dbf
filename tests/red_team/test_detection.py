"""Behaviour detection as the attacker meets it: do attacks leave a flag for the steward (`catalogue.services.behaviour.flags`, what `regcat audit flags`
lists)? Each attack runs in a catalogue of its own, in its compact form, whether it still works or
output control now stops it."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from pathlib import Path

from catalogue.services import behaviour, tokens
from tests.red_team import test_averaging, test_models, test_oracles, test_probing
from tests.red_team.conftest import Attacker, Truth, report, restarted
from tests.test_accounts_support import OPERATOR


def _guard(alice: Attacker, truth: Truth) -> None:
    test_oracles._guard_probe(alice, alice, truth)


def _categories(alice: Attacker, truth: Truth) -> None:
    # Stopped since the category limit counts common values only; its pattern remains.
    test_probing.test_category_limit_tells_a_diagnosis(alice, truth)


def _perfect_fit(alice: Attacker, truth: Truth) -> None:
    with contextlib.suppress(AssertionError):  # it works; what matters is being noticed
        test_models.test_slope_of_a_fit_that_is_perfect_but_for_the_target(alice, truth)


def _partition(alice: Attacker, truth: Truth) -> None:
    # Case 22's partition: stopped by core-sharing, which leaves its own flag.
    test_averaging.partition_padding([alice], truth, 10)


ATTACKS: dict[str, Callable[[Attacker, Truth], None]] = {
    "guard membership oracle": _guard,
    "case 22 partition": _partition,
    "category limit oracle": _categories,
    "perfect fit but for the target": _perfect_fit,
}


def test_attacks_are_flagged_for_the_steward_whether_they_work_or_not(
    released_people_home: Path, tmp_path: Path, truth: Truth
) -> None:
    """Every attack here, the ones that still work (the perfect fit) and the ones output
    control now stops (the guard and category-limit probes), leaves the pattern §3 of the
    specification names: many near-identical derivations (one per target) or many new
    variables. An attack that is stopped is still an attempt the steward should see."""
    flagged: dict[str, list[str]] = {}
    for i, (name, attack) in enumerate(ATTACKS.items()):
        home = tmp_path / f"home{i}"
        shutil.copytree(released_people_home, home)
        ctx, app = restarted(home)
        try:
            token = tokens.create_token(ctx, OPERATOR, "forsker@uio", ("analysis",), "t", None)
            attack(Attacker(app, token.token, "alice"), truth)
            flagged[name] = sorted({f.code for f in behaviour.flags(ctx)})
        finally:
            ctx.close()
    report("behaviour detection", flags_per_attack=flagged)
    assert all(flagged.values())
    assert "shared-core" in flagged["case 22 partition"]
