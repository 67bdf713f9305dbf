"""Ports and addresses (issue 12 defect 10): `make demo PORT=… HOST=…`; a busy port is one
clear line, not gunicorn's traceback; without REGCAT_BASE_URL links and IRIs name the host
and port actually served; two servers do not share gunicorn's control socket."""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from catalogue.web import create_app
from tests import test_accounts_support as support
from tests.conftest import REPO, make_config
from tests.servers import REGCAT, free_port, regcat_env, running_server

people_home = support.people_home
DS = "no.regcat.demo"


@pytest.fixture
def occupied_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("nb", "er allerede i bruk"), ("en", "is already in use")],
)
def test_a_busy_port_is_one_line_with_a_hint(
    occupied_port: int, tmp_path: Path, lang: str, expected: str
) -> None:
    done = subprocess.run(
        [str(REGCAT), "--lang", lang, "serve", "--port", str(occupied_port)],
        env=regcat_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "port-busy" in lines[0] and expected in lines[0]
    assert f"PORT={occupied_port + 1}" in lines[0]  # the hint: a port to try instead
    assert "Traceback" not in done.stdout + done.stderr


def test_an_address_this_machine_lacks_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(REGCAT), "--lang", "en", "serve", "--host", "192.0.2.1", "--port", "8000"],
        env=regcat_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "cannot-listen" in done.stderr
    assert "--host 127.0.0.1" in done.stderr


def test_make_demo_passes_port_and_host_on() -> None:
    planned = subprocess.run(
        ["make", "-n", "demo", "PORT=8123", "HOST=0.0.0.0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert re.search(r"regcat demo --host 0\.0\.0\.0 --port 8123$", planned, re.M), planned
    plain = subprocess.run(
        ["make", "-n", "demo"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"regcat demo$", plain, re.M), plain


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder with a short path: a control socket's path must fit sockaddr_un, and
    pytest's own (deeper under xdist: …/popen-gw1/…) can pass serving.py's 100 bytes, where
    the server rightly makes none."""
    path = Path(tempfile.mkdtemp(prefix="rc-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_two_servers_each_have_their_own_control_socket(people_home: Path, short_dir: Path) -> None:
    user_home = short_dir / "user"  # gunicorn's default would be here, shared by both
    user_home.mkdir()
    homes, servers = [], []
    for n in (1, 2):
        home = short_dir / f"s{n}"
        shutil.copytree(people_home, home)
        env = {**regcat_env(home), "HOME": str(user_home)}
        env.pop("XDG_RUNTIME_DIR", None)
        homes.append(home)
        servers.append(running_server(home, free_port(), env=env))
    with servers[0] as first, servers[1] as second:
        for home, base in zip(homes, (first, second), strict=True):
            port = base.rsplit(":", 1)[1]
            control = home / "run" / f"gunicorn-{port}.ctl"
            assert stat.S_ISSOCK(control.stat().st_mode), control
            # Without REGCAT_BASE_URL each server names itself as it was reached.
            with urllib.request.urlopen(f"{base}/robots.txt", timeout=10) as answer:
                assert f"Sitemap: {base}/sitemap.xml" in answer.read().decode()
        assert not (user_home / ".gunicorn").exists()
    assert os.listdir(user_home) == []


@pytest.fixture(scope="module")
def unset_base_client(released_home: Path) -> Iterator[FlaskClient]:
    app = create_app(make_config(released_home, base_url=""), {"TESTING": True})
    yield app.test_client()
    app.extensions["regcat_context"].close()


SERVED = "http://catalogue.example.test:8123"


def test_links_and_iris_follow_the_host_served(unset_base_client: FlaskClient) -> None:
    client = unset_base_client
    page = client.get(f"/variables/{DS}/BEFOLKNING_KJOENN", base_url=SERVED).get_data(as_text=True)
    assert f'<link rel="canonical" href="{SERVED}/variables/{DS}/BEFOLKNING_KJOENN' in page
    sitemap = client.get("/sitemap.xml", base_url=SERVED).get_data(as_text=True)
    assert f"<loc>{SERVED}/variables/{DS}/" in sitemap
    assert "127.0.0.1:8000" not in sitemap
    turtle = client.get("/catalog.ttl", base_url=SERVED).get_data(as_text=True)
    assert f"<{SERVED}/" in turtle and "127.0.0.1:8000" not in turtle
    # Another address, another answer (not a cached one naming the first).
    other = client.get("/catalog.ttl", base_url="http://10.1.2.3:9000").get_data(as_text=True)
    assert "<http://10.1.2.3:9000/" in other and SERVED not in other


def test_a_strange_host_header_is_not_taken_into_links(unset_base_client: FlaskClient) -> None:
    robots = unset_base_client.get("/robots.txt", headers={"Host": 'evil"><x'}).get_data(
        as_text=True
    )
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in robots


def test_a_configured_base_url_wins_over_the_host(released_home: Path) -> None:
    config = make_config(released_home, base_url="https://regcat.example.no/")
    app = create_app(config, {"TESTING": True})
    try:
        robots = app.test_client().get("/robots.txt", base_url=SERVED).get_data(as_text=True)
        assert "Sitemap: https://regcat.example.no/sitemap.xml" in robots
    finally:
        app.extensions["regcat_context"].close()
