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
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


@cache
def _dummy_hash() -> str:
    # Verified against when the user does not exist, so that an unknown username takes as
    # long to refuse as a wrong password.
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str, username: str) -> str:
    problem = password_problem(password, username)
    if problem:
        raise invalid_input(
            "weak-password",
            f"Passordet er for svakt: minst 12 tegn, og ikke brukernavnet ({problem}).",
            f"The password is too weak: at least 12 characters, not the username ({problem}).",
            problem=problem,
        )
    return _hasher().hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    try:
        return _hasher().verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def upgrade_hash(stored: str | None, password: str) -> str | None:
    """A fresh hash of the (verified) password when `stored` was made with outdated
    parameters, else None. No strength check: the password is already in use."""
    if _hasher().check_needs_rehash(stored or ""):
        return _hasher().hash(password)
    return None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
