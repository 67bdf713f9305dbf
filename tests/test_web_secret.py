"""One Flask secret key per installation (issue 12 defect 1): made once, atomically, 0600,
the same for every process, so a cookie signed by one gunicorn worker verifies on another."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalogue.domain.errors import RegcatError
from catalogue.services.web_secret import ensure_web_secret, web_secret, web_secret_file
from catalogue.web import create_app
from cli import main
from tests import test_accounts_support as support
from tests.conftest import make_config
from tests.test_accounts_support import World, sign_in

people_home = support.people_home
world = support.world


def test_the_key_is_made_once_owner_only_and_then_kept(tmp_path: Path) -> None:
    config = make_config(tmp_path / "home")
    path = web_secret_file(config)
    assert not path.exists()
    first = web_secret(config)
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(bytes.fromhex(first)) == 32
    assert web_secret(config) == first
    assert ensure_web_secret(config) is False
    assert [p.name for p in path.parent.iterdir()] == ["web-secret.key"]  # no leftovers


def _key_in_another_process(home: str) -> str:
    return web_secret(make_config(Path(home)))


def test_concurrent_creators_agree_on_one_key(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        keys = pool.map(_key_in_another_process, [home] * 12)
    assert len(set(keys)) == 1
    assert keys[0] == web_secret_file(make_config(Path(home))).read_text().strip()


def test_a_configured_key_wins_and_no_file_is_made(tmp_path: Path) -> None:
    config = make_config(tmp_path / "home", secret_key="set-by-the-operator")
    assert web_secret(config) == "set-by-the-operator"
    assert create_app(config).secret_key == "set-by-the-operator"
    assert not web_secret_file(config).exists()


def test_a_damaged_key_file_is_a_clear_error(tmp_path: Path) -> None:
    config = make_config(tmp_path / "home")
    path = web_secret_file(config)
    path.parent.mkdir(parents=True)
    path.write_text("not a key\n")
    with pytest.raises(RegcatError) as caught:
        web_secret(config)
    assert caught.value.code == "bad-web-secret"
    assert str(path) in caught.value.message("en") and "REGCAT_SECRET_KEY" in caught.value.message(
        "nb"
    )


def test_init_makes_the_key_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"REGCAT_HOME": str(home), "REGCAT_USER": "test", "REGCAT_SECRET_KEY": ""}
    result = CliRunner().invoke(main, ["--lang", "en", "init"], env=env)
    assert result.exit_code == 0, result.output
    path = web_secret_file(make_config(home))
    assert path.exists() and f"sign-in key for the web pages created: {path}" in result.output
    again = CliRunner().invoke(main, ["--lang", "en", "init"], env=env)
    assert f"Using the existing sign-in key: {path}" in again.output


def test_a_session_signed_by_one_app_is_valid_in_another(world: World) -> None:
    """Two app instances from one configuration stand in for two gunicorn workers."""
    first = world.app.test_client()
    sign_in(first, "forsker@uio")
    name = world.app.config["SESSION_COOKIE_NAME"]
    cookie = first.get_cookie(name)
    assert cookie is not None
    other_worker = create_app(world.ctx.config, {"TESTING": True})
    try:
        second = other_worker.test_client()
        second.set_cookie(name, cookie.value)
        page = second.get("/account")
        assert page.status_code == 200
        assert "forsker@uio" in page.get_data(as_text=True)
    finally:
        other_worker.extensions["regcat_context"].close()
