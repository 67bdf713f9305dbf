"""Getting started (issue 12 defect 8): the README's first-accounts commands work as
written, the page header links to sign-in, and `regcat demo` makes a demo researcher and
says how to sign in as it."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalogue.web import create_app
from cli import main
from tests.conftest import REPO, make_config
from tests.test_accounts_support import csrf

README = REPO / "README.md"
PASSWORD = "a long enough password for the tests"


def getting_started_commands() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Getting started", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```\n(.*?)```", section, re.S)
    assert block, "the Getting started section has no command block"
    commands = []
    for line in block.group(1).splitlines():
        words = shlex.split(line, comments=True)
        if words:
            assert words[0] == "regcat", line
            commands.append(words[1:])
    return commands


def env_for(home: Path) -> dict[str, str]:
    return {
        "REGCAT_HOME": str(home),
        "REGCAT_USER": "operator",
        "REGCAT_BASE_URL": "",
        "REGCAT_SECRET_KEY": "",
    }


def test_the_readme_shows_how_to_make_the_first_accounts(tmp_path: Path) -> None:
    commands = getting_started_commands()
    verbs = [" ".join(c[:2]) for c in commands]
    for wanted in (
        "accounts create-admin",
        "accounts create-institution",
        "accounts create-user",
        "token create",
    ):
        assert wanted in verbs, f"the README's Getting started lacks `regcat {wanted}`"
    home = tmp_path / "home"
    token = ""
    for args in commands:
        if args[0] == "serve":
            continue  # the server is tested elsewhere; here: that it is the next step
        typed = f"{PASSWORD}\n{PASSWORD}\n" if args[0] == "accounts" else None
        result = CliRunner().invoke(main, args, env=env_for(home), input=typed)
        assert result.exit_code == 0, f"regcat {shlex.join(args)}: {result.output}"
        found = re.search(r"^(rgc_\S+)$", result.output, re.M)
        if found:
            token = found.group(1)
    assert token, "no command printed a token"
    user = next(c[2] for c in commands if c[:2] == ["accounts", "create-user"])
    app = create_app(make_config(home))
    try:
        me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.get_json()["username"] == user
    finally:
        app.extensions["regcat_context"].close()


@pytest.mark.parametrize(("lang", "link"), [("nb", "Logg inn"), ("en", "Sign in")])
def test_every_page_header_links_to_sign_in(released_home: Path, lang: str, link: str) -> None:
    app = create_app(make_config(released_home), {"TESTING": True})
    try:
        client = app.test_client()
        for path in ("/", "/datastores", "/variables/no.regcat.demo/BEFOLKNING_KJOENN"):
            page = client.get(f"{path}?lang={lang}").get_data(as_text=True)
            header = page.split("<header>", 1)[1].split("</header>", 1)[0]
            suffix = "?lang=en" if lang == "en" else ""
            assert f'<a href="/login{suffix}">{link}</a>' in header, path
    finally:
        app.extensions["regcat_context"].close()


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        ("nb", "Logg inn på {url} som {user} med passordet {pw}"),
        ("en", "Sign in at {url} as {user} with the password {pw}"),
    ],
)
def test_demo_makes_a_researcher_and_says_how_to_sign_in(
    released_home: Path, tmp_path: Path, lang: str, says: str
) -> None:
    home = tmp_path / "home"
    shutil.copytree(released_home, home)  # the demo's release is there: only the account
    env = env_for(home)
    args = ["--lang", lang, "demo", "--no-serve", "--port", "8765"]
    first = CliRunner().invoke(main, args, env=env)
    assert first.exit_code == 0, first.output
    pattern = re.escape(says).replace(r"\{url\}", r"(\S+)").replace(r"\{user\}", r"(\S+)")
    found = re.search(pattern.replace(r"\{pw\}", r"(\S+?)") + r"[ .(]", first.output)
    assert found, first.output
    url, user, password = found.groups()
    assert url == "http://127.0.0.1:8765/login"
    # The account works: sign in with exactly what was printed.
    app = create_app(make_config(home), {"TESTING": True})
    try:
        client = app.test_client()
        signed_in = client.post(
            "/login", data={"username": user, "password": password, "csrf_token": csrf(client)}
        )
        assert signed_in.status_code == 302
        assert user in client.get("/account").get_data(as_text=True)
    finally:
        app.extensions["regcat_context"].close()
    # A second run (the release is already there) still says how to sign in, anew.
    again = CliRunner().invoke(main, args, env=env)
    assert again.exit_code == 0 and f"{user} " in again.output
    assert password not in again.output
