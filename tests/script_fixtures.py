"""What the script test modules share: `ctx`, the released demo catalogue, built once per
module (module_released_ctx, tests/conftest.py). A module takes it with
`ctx = script_fixtures.ctx`, which keeps it that module's own fixture, as each of them wrote
it before."""

from __future__ import annotations

import pytest

from catalogue.services.context import Context


@pytest.fixture(scope="module")
def ctx(module_released_ctx: Context) -> Context:
    return module_released_ctx
