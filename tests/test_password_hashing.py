"""Passwords are argon2id hashes at the cost REGCAT_PASSWORD_HASHING names: by default the
argon2 library's recommended parameters (RFC 9106, low memory); "test", which the test suite
runs with (tests/conftest.py), the smallest argon2 allows. A password hashed at another cost
than the setting's is hashed again at its next sign-in, either way."""

from __future__ import annotations

from pathlib import Path

import argon2
from argon2 import PasswordHasher, extract_parameters

from catalogue.config import load_config
from catalogue.services import sessions, user_accounts
from catalogue.services.context import Context
from catalogue.services.credentials import hash_password, password_matches
from catalogue.services.setup import initialise
from catalogue.storage.account_store import AccountStore
from tests.conftest import make_config
from tests.test_accounts_support import OPERATOR, PASSWORD

STANDARD = (3, 65536, 4)  # passes, KiB, lanes
TEST = (1, 8, 1)


def _cost(hashed: str) -> tuple[int, int, int]:
    found = extract_parameters(hashed)
    assert found.type is argon2.Type.ID
    return found.time_cost, found.memory_cost, found.parallelism


def test_the_default_is_the_argon2_librarys_recommendation(tmp_path: Path) -> None:
    config = load_config({"REGCAT_HOME": str(tmp_path)})
    assert config.password_hashing == "standard"
    hashed = hash_password(config.password_hashing, PASSWORD, "kari")
    recommended = argon2.profiles.RFC_9106_LOW_MEMORY
    assert _cost(hashed) == STANDARD
    assert (recommended.time_cost, recommended.memory_cost, recommended.parallelism) == STANDARD
    assert _cost(PasswordHasher().hash(PASSWORD)) == STANDARD
    assert password_matches("standard", hashed, PASSWORD)
    assert not password_matches("standard", hashed, PASSWORD + "!")


def test_the_suite_hashes_at_the_smallest_cost(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    assert config.password_hashing == "test"
    hashed = hash_password(config.password_hashing, PASSWORD, "kari")
    assert _cost(hashed) == TEST
    assert password_matches("test", hashed, PASSWORD)
    assert not password_matches("test", hashed, PASSWORD + "!")
    assert not password_matches("test", None, PASSWORD)  # an unknown user


def _stored(ctx: Context, username: str) -> str:
    with ctx.db.transaction() as session:
        user = AccountStore(session).user(username)
        assert user is not None and user.password_hash is not None
        return user.password_hash


def test_a_hash_of_another_cost_is_redone_at_sign_in(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Context.open(make_config(home, password_hashing="standard")) as ctx:
        initialise(ctx)
        user_accounts.enrol_user(ctx, OPERATOR, "plattform", roles=("admin",), password=PASSWORD)
        assert _cost(_stored(ctx, "plattform")) == STANDARD
    with Context.open(make_config(home)) as ctx:  # the suite's cost
        sessions.sign_in_with_password(ctx, "plattform", PASSWORD, "127.0.0.1")
        assert _cost(_stored(ctx, "plattform")) == TEST
    with Context.open(make_config(home, password_hashing="standard")) as ctx:
        sessions.sign_in_with_password(ctx, "plattform", PASSWORD, "127.0.0.1")
        assert _cost(_stored(ctx, "plattform")) == STANDARD
