"""The API keeps the contract it publishes.

schemathesis runs every check it has over every operation of /api/v1/openapi.json, in
process against the WSGI app (no network, no server): anonymously and as a researcher, a
steward and an admin, each signed in with an API token of its role's scope, through the
examples, coverage, fuzzing and stateful phases (the description's links take it from a
created workspace, user, institution or export request to what can be done with it). The
checks and their settings are the repository's schemathesis.toml, the same that
`schemathesis run` reads against a served demo. Any failed check, or any error schemathesis
meets, fails the test; so does a run in which the identity's token never worked.

A token can revoke itself (DELETE /api/v1/tokens/{prefix}), and schemathesis finds the
prefix in the answers: that operation runs last, in a pass of its own, so that the rest of
the run is not made anonymous halfway."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.transport.wsgi import WSGITransport

from catalogue.services import tokens
from catalogue.services.context import Context
from catalogue.web import create_app
from tests import test_accounts_support as support
from tests.conftest import REPO, make_config
from tests.test_accounts_support import OPERATOR

released_people_home = support.released_people_home

REVOKE = "DELETE /api/v1/tokens/{prefix}"
EXAMPLES_PER_OPERATION = 10
SEED = 20261205

# identity -> (account, token scopes, an operation its token must have been let through)
IDENTITIES: dict[str, tuple[str, tuple[str, ...], str] | None] = {
    "anonymous": None,
    "researcher": ("forsker@uio", ("search", "analysis"), "POST /api/v1/workspaces"),
    "steward": ("forvalter-fr", ("search", "steward"), "GET /api/v1/export-requests/review"),
    "admin": ("plattform", ("search", "admin"), "POST /api/v1/institutions"),
}


@dataclass
class Outcome:
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answered: Counter[tuple[str, int]] = field(default_factory=Counter)  # (operation, status)
    cases: Counter[str] = field(default_factory=Counter)  # per phase

    def absorb(self, event: Any) -> None:
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            self.cases[event.phase.value] += len(recorder.cases)
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE:
                        self.failures.append(_describe(recorder, case_id, check))
            for interaction in recorder.interactions.values():
                if interaction.response is not None:
                    self.answered[(recorder.label, interaction.response.status_code)] += 1
        elif isinstance(event, events.NonFatalError):
            self.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            self.errors.append(repr(event.exception))


def _describe(recorder: Any, case_id: str, check: Any) -> str:
    info = check.failure_info
    interaction = recorder.interactions.get(case_id)
    response = interaction.response if interaction is not None else None
    answer = f"{response.status_code} {(response.content or b'')[:300]!r}" if response else "-"
    title = info.failure.title if info else ""
    sample = info.code_sample if info else ""
    return f"{recorder.label} | {check.name} | {title} | {answer}\n    {sample}"


@pytest.fixture
def in_process_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    """schemathesis (4.32) hands its requests-only settings (max_redirects, ...) to werkzeug's
    test client when a check re-sends a request without credentials, and werkzeug refuses
    them; the CLI, over HTTP, is not affected. Drop them on the way in."""
    send = WSGITransport.send

    def send_without_socket_settings(
        self: Any, case: Any, *, session: Any = None, **kw: Any
    ) -> Any:
        if not isinstance(session, requests.Session):
            for name in ("max_redirects", "verify", "cert", "proxies"):
                kw.pop(name, None)
        return send(self, case, session=session, **kw)

    monkeypatch.setattr(WSGITransport, "send", send_without_socket_settings)


@pytest.fixture
def served(released_people_home: Path, tmp_path: Path) -> Iterator[Context]:
    """A private copy of the released catalogue with its people: every run changes it."""
    home = tmp_path / "home"
    shutil.copytree(released_people_home, home)
    with Context.open(make_config(home, token_rate_limit="100000 per minute")) as ctx:
        yield ctx


def _config(headers: dict[str, str], phases: list[str]) -> SchemathesisConfig:
    config = SchemathesisConfig.from_path(REPO / "schemathesis.toml")
    config.update(seed=SEED, max_failures=None)
    config.cache.enabled = False  # no state from an earlier run
    project = config.projects.override
    project.checks.update(included_check_names=["all"])
    project.phases.update(phases=phases)
    project.generation.update(max_examples=EXAMPLES_PER_OPERATION, database="none")
    project.update(workers=1, headers=headers)
    return config


def _run(app: Any, headers: dict[str, str], outcome: Outcome, *, revoke: bool) -> None:
    # The revocation has no links to follow: no stateful phase for it alone.
    phases = ["examples", "coverage", "fuzzing", *([] if revoke else ["stateful"])]
    config = _config(headers, phases)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    schema = schema.include(name=REVOKE) if revoke else schema.exclude(name=REVOKE)
    for event in from_schema(schema).execute():
        outcome.absorb(event)


@pytest.mark.slow
@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_operation_keeps_the_published_contract(
    identity: str, served: Context, in_process_transport: None
) -> None:
    who = IDENTITIES[identity]
    headers = {}
    if who is not None:
        username, scopes, _ = who
        token = tokens.create_token(served, OPERATOR, username, scopes, "contract").token
        headers = {"Authorization": f"Bearer {token}"}
    app = create_app(served.config, {"TESTING": True})
    described = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = {result.ok().label for result in described.get_all_operations()}

    outcome = Outcome()
    _run(app, headers, outcome, revoke=False)
    _run(app, headers, outcome, revoke=True)

    assert outcome.errors == []
    assert outcome.failures == [], "\n".join(outcome.failures)
    # The run reached every operation, went through every phase, and its token worked.
    assert operations <= {label for label, _ in outcome.answered}
    assert all(outcome.cases[phase] > 0 for phase in ("coverage", "fuzzing", "stateful"))
    if identity == "researcher":
        # Stateful links took it from a created workspace to its statistics (a handle made
        # up by the fuzzer only ever gets 404).
        assert any(
            label.startswith("POST /api/v1/workspaces/{handle}/") and status in (200, 422)
            for label, status in outcome.answered
        )
    if who is not None:
        let_through = who[2]
        assert any(label == let_through and status < 400 for label, status in outcome.answered), (
            sorted(s for label, s in outcome.answered if label == let_through)
        )
