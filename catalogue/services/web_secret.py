"""The Flask secret key every web worker of one installation shares.

Flask signs the session cookie and the CSRF token with SECRET_KEY. gunicorn runs several
worker processes; if each made its own random key, a cookie signed by one worker would be
rejected by the next, and a user would flip between signed in and signed out. So, unless
REGCAT_SECRET_KEY is set, the key lives in one file, HOME/keys/web-secret.key, made by
`regcat init` or by the first process that needs it.

Invariants:
- the file is created atomically: the key is written to a private temporary file which is
  then hard-linked to the final name; the link fails if the name exists, so a reader never
  sees half a key and concurrent creators all end up with the one that won;
- the file is readable by its owner only (0600);
- an existing key is never replaced (that would sign every user out).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from catalogue.config import Config
from catalogue.domain.errors import invalid_input

KEY_BYTES = 32


def web_secret_file(config: Config) -> Path:
    return config.home / "keys" / "web-secret.key"


def ensure_web_secret(config: Config) -> bool:
    """Create the key file if it is missing; True when this call created it."""
    path = web_secret_file(config)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=".web-secret.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:  # mkstemp makes it 0600
            out.write(secrets.token_hex(KEY_BYTES) + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(partial, path)
        except FileExistsError:
            return False  # another process won the race: its key is the one
        return True
    finally:
        os.unlink(partial)


def web_secret(config: Config) -> str:
    """REGCAT_SECRET_KEY, or the shared key from the file (created on first use)."""
    if config["secret_key"]:
        return config["secret_key"]
    ensure_web_secret(config)
    path = web_secret_file(config)
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        valid = len(bytes.fromhex(text)) >= 16
    except ValueError:
        valid = False
    if not valid:
        raise invalid_input(
            "bad-web-secret",
            f"Filen {path} inneholder ikke en gyldig nøkkel (minst 32 heksadesimale tegn). "
            "Slett filen og start tjenesten på nytt, eller sett REGCAT_SECRET_KEY. Alle "
            "brukere blir da logget ut.",
            f"The file {path} does not hold a valid key (at least 32 hexadecimal characters). "
            "Delete it and restart the service, or set REGCAT_SECRET_KEY. Every user is then "
            "signed out.",
            path=str(path),
        )
    return text
