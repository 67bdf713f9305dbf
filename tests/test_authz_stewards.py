"""Stewards act only on their own registers: ingest, removal and release are refused for
another register's data, change nothing, and every attempt is in the audit trail."""

from __future__ import annotations

import logging

import pytest

from catalogue.domain.errors import RegcatError
from catalogue.services.authorization import (
    ingest_as_steward,
    release_as_steward,
    stage_removal_as_steward,
)
from catalogue.services.publishing import ingest_extract
from catalogue.services.releasing import list_versions, show_draft
from tests import test_accounts_support as support
from tests.conftest import SAMPLES
from tests.test_accounts_support import World

released_world = support.released_world
released_people_home = support.released_people_home


def test_a_steward_cannot_release_another_register(
    released_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "regcat.security")
    ctx = released_world.ctx
    ingest_extract(ctx, SAMPLES / "nudb", force_change=True)  # staged by the operator
    before = show_draft(ctx)
    with pytest.raises(RegcatError) as refused:
        release_as_steward(ctx, released_world.identity("forvalter-krg"), "Not mine")
    assert refused.value.http_status == 403
    assert refused.value.code == "not-steward-of-register"
    assert show_draft(ctx) == before
    assert [v.version for v in list_versions(ctx)] == ["1.0.0.0"]
    assert "steward.release.refused" in caplog.text

    released = release_as_steward(ctx, released_world.identity("forvalter-nudb"), "NUDB update")
    assert released.released_by == "forvalter-nudb"
    assert "steward.release" in caplog.text


def test_a_steward_cannot_ingest_or_remove_another_registers_data(released_world: World) -> None:
    ctx = released_world.ctx
    krg = released_world.identity("forvalter-krg")
    before = show_draft(ctx)
    with pytest.raises(RegcatError) as ingest:
        ingest_as_steward(ctx, krg, SAMPLES / "folkeregisteret")
    assert ingest.value.code == "not-steward-of-register"
    with pytest.raises(RegcatError) as removal:
        stage_removal_as_steward(ctx, krg, "BEFOLKNING_KJOENN")
    assert removal.value.code == "not-steward-of-register"
    assert show_draft(ctx) == before
    staged = stage_removal_as_steward(ctx, krg, "KRG_CM", note="retired")
    assert [op.dataset for op in staged.operations] == ["KRG_CM"]
    with pytest.raises(RegcatError) as researcher:
        release_as_steward(ctx, released_world.identity("forsker@uio"), "x")
    assert researcher.value.code == "role-required"
