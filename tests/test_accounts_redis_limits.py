"""With REGCAT_REDIS_URL set, sign-in throttling is shared through Redis, so that several
workers (here: two separate apps) count the same guesses."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from catalogue.services.context import Context
from catalogue.web import create_app
from tests import test_accounts_support as support
from tests.conftest import make_config, skip_or_fail
from tests.test_accounts_support import csrf

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_or_skip() -> None:
    try:
        import redis
    except ImportError:
        skip_or_fail("Redis rate-limit tests need the redis package (pip install '.[redis]')")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        skip_or_fail(f"Redis rate-limit tests need a Redis server at {REDIS_URL}")


def test_two_workers_share_one_login_budget(people_home: Path, tmp_path: Path) -> None:
    _redis_or_skip()
    home = tmp_path / "home"
    shutil.copytree(people_home, home)
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    # A prefix of this run's own: runs sharing the server never count each other's guesses.
    prefix = f"regcat-test-{uuid.uuid4().hex}"
    config = make_config(home, redis_url=REDIS_URL, redis_key_prefix=prefix)
    with Context.open(config) as ctx:
        apps = [create_app(ctx.config, {"TESTING": True}) for _ in range(2)]
        statuses = []
        for i in range(12):
            client = apps[i % 2].test_client()
            statuses.append(
                client.post(
                    "/login",
                    data={
                        "username": "forsker@uio",
                        "password": f"guess-{i}",
                        "csrf_token": csrf(client),
                    },
                    environ_base={"REMOTE_ADDR": address},
                ).status_code
            )
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    import redis

    server = redis.Redis.from_url(REDIS_URL)
    keys = server.keys(f"*{prefix}*")
    assert keys  # the counts really live in Redis, under this run's prefix
    server.delete(*keys)


people_home = support.people_home
