"""The real server (`regcat serve`: gunicorn with its workers) in a child process, for tests
that need what only the real server does: several workers, its port handling."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

REGCAT = Path(sys.executable).with_name("regcat")
# The checkout these tests belong to. A server started from them imports its code from here:
# the virtual environment's editable install may point at another checkout (a git worktree
# sharing one environment), and a test must exercise the code beside it.
CHECKOUT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def regcat_env(home: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGCAT_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CHECKOUT), env.get("PYTHONPATH")]))
    env.update({"REGCAT_HOME": str(home), "REGCAT_USER": "test-steward"})
    env["REGCAT_PASSWORD_HASHING"] = "test"  # as make_config (tests/conftest.py)
    env.update({f"REGCAT_{k.upper()}": v for k, v in settings.items()})
    return env


@contextmanager
def running_server(
    home: Path, port: int, *args: str, env: Mapping[str, str] | None = None, workers: int = 2
) -> Iterator[str]:
    """`regcat serve` on 127.0.0.1:port until the block ends; yields its base URL."""
    command = [str(REGCAT), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), *args]
    log = home.parent / f"server-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            env=dict(env or regcat_env(home)),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base}/datastores", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError(f"the server did not answer within 60 s: {log.read_text()}")
