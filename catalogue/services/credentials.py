"""Passwords, hashed with argon2id, and the SHA-256 digests that the secrets of web sessions
and API tokens are stored as."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from catalogue.domain.accounts import password_problem
from catalogue.domain.errors import invalid_input


@cache
def _hasher(cost: str) -> PasswordHasher:
    """argon2id at the setting REGCAT_PASSWORD_HASHING: "standard" is the library's current
    recommended parameters; "test" the smallest argon2 allows, so that a test suite that
    signs in hundreds of times does not spend minutes hashing."""
    if cost == "test":
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


@cache
def _dummy_hash(cost: str) -> str:
    # Verified against when the user does not exist, so that an unknown username takes as
    # long to refuse as a wrong password.
    return _hasher(cost).hash(secrets.token_urlsafe(16))


def hash_password(cost: str, password: str, username: str) -> str:
    problem = password_problem(password, username)
    if problem:
        raise invalid_input(
            "weak-password",
            f"Passordet er for svakt: minst 12 tegn, og ikke brukernavnet ({problem}).",
            f"The password is too weak: at least 12 characters, not the username ({problem}).",
            problem=problem,
        )
    return _hasher(cost).hash(password)


def password_matches(cost: str, stored: str | None, password: str) -> bool:
    try:
        return _hasher(cost).verify(stored or _dummy_hash(cost), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def upgrade_hash(cost: str, stored: str | None, password: str) -> str | None:
    """A fresh hash of the (verified) password when `stored` was made with outdated
    parameters, else None. No strength check: the password is already in use."""
    if _hasher(cost).check_needs_rehash(stored or ""):
        return _hasher(cost).hash(password)
    return None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
