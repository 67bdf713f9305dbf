"""Fuzz every operation of the OpenAPI description with schemathesis, offline, against the
app in-process (WSGI), signed in with a token that holds every scope: nothing may answer
with a server error, whatever the input."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from catalogue.domain.accounts import Identity
from catalogue.services import tokens, user_accounts
from catalogue.services.context import Context
from catalogue.web import create_app
from tests import test_accounts_support as support
from tests.conftest import make_config
from tests.test_accounts_support import OPERATOR, PASSWORD

released_people_home = support.released_people_home

FUZZER = "fuzz.every-role"  # a name the generated data will not hit by chance


@pytest.fixture(scope="module")
def fuzz_target(
    released_people_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("fuzz") / "home"
    shutil.copytree(released_people_home, home)
    ctx = Context.open(make_config(home, token_rate_limit="10000 per minute"))
    user_accounts.enrol_user(
        ctx,
        OPERATOR,
        FUZZER,
        institution="uio",
        roles=["researcher", "institution-admin", "steward", "admin"],
        steward_of=["folkeregisteret", "nudb"],
        password=PASSWORD,
    )
    user_accounts.accept_agreement(ctx, Identity.operator(FUZZER))
    token = tokens.create_token(
        ctx, OPERATOR, FUZZER, ["search", "analysis", "steward", "admin"], "fuzz"
    ).token
    yield {"app": create_app(ctx.config, {"TESTING": True}), "token": token}
    ctx.close()


def test_no_input_makes_a_server_error(fuzz_target: dict[str, Any]) -> None:
    # schemathesis's own pytest plugin does not run under pytest 9 yet, so each operation's
    # hypothesis strategy is driven here directly.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_target["app"])
    headers = {"Authorization": f"Bearer {fuzz_target['token']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def fuzz(case: Any) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, (
                case.method,
                case.formatted_path,
                response.text[:500],
            )

        fuzz()


def test_anonymous_callers_get_no_server_error_either(fuzz_target: dict[str, Any]) -> None:
    client = fuzz_target["app"].test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        url = path.replace("{", "").replace("}", "")
        for method in operations:
            response = client.open(url, method=method.upper(), json={})
            assert response.status_code < 500, (method, path)
