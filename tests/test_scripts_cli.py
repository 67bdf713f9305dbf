"""`regcat script run FILE --url … --token …` against the real server (gunicorn in a child
process): progress per line on standard error, the results on standard output, exit code
1 at the first failing line with the results before it shown; a file that is not UTF-8 or
does not parse is reported at its line and column without reaching the server."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalogue.services import tokens
from catalogue.services.context import Context
from cli import main
from tests import test_accounts_support as accounts_support
from tests.conftest import make_config
from tests.servers import free_port, regcat_env, running_server
from tests.test_accounts_support import OPERATOR

released_people_home = accounts_support.released_people_home

SCRIPT = """require no.regcat.demo:1 as db
import db/BEFOLKNING_KJOENN as kjonn
import db/BEFOLKNING_FOEDSELSDATO as fodselsdato
generate alder = 2020 - year(fodselsdato)
help tabulate
textblock
Kjønn i utvalget
endblock
tabulate kjonn
summarize alder
"""


# One server for the file (starting `regcat serve` is 4-5 s of CPU: the master and its
# worker each import the app). Its tests share one catalogue and one researcher: each runs
# its own scripts and saves its own, and what they assert (exit codes, the kinds and lines
# of the output, the statistics named, a saved script found by its id) no earlier test's
# requests change: the one table asked twice (SCRIPT's) is answered again, as any repeat.
@pytest.fixture(scope="module")
def server(
    released_people_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """The released world served by `regcat serve`, and a researcher's token."""
    home = tmp_path_factory.mktemp("scripts-cli") / "home"
    shutil.copytree(released_people_home, home)
    with Context.open(make_config(home)) as ctx:
        token = tokens.create_token(ctx, OPERATOR, "forsker@uio", ("analysis",), "test").token
    with running_server(home, free_port(), env=regcat_env(home), workers=1) as base:
        yield base, token


def _run(tmp_path: Path, body: bytes, base: str, token: str, *extra: str) -> object:
    file = tmp_path / "analyse.txt"
    file.write_bytes(body)
    return CliRunner().invoke(
        main, ["--lang", "en", "script", "run", str(file), "--url", base, "--token", token, *extra]
    )


def test_a_script_runs_with_progress_per_line(tmp_path: Path, server: tuple[str, str]) -> None:
    base, token = server
    result = _run(tmp_path, SCRIPT.encode(), base, token)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    err = result.stderr  # type: ignore[attr-defined]
    assert [line.split(" ")[0] for line in err.splitlines()] == [f"[{i}/8]" for i in range(1, 9)]
    assert "line 9 tabulate ✓" in err
    out = result.stdout  # type: ignore[attr-defined]
    assert "Kjønn i utvalget" in out and "Done: 7 commands run." in out


def test_json_output_and_a_failing_line(tmp_path: Path, server: tuple[str, str]) -> None:
    base, token = server
    result = _run(
        tmp_path,
        (SCRIPT + "oaxaca kjonn kjonn by kjonn kjonn\n").encode(),
        base,
        token,
        "--json",
    )
    assert result.exit_code == 1  # type: ignore[attr-defined]
    answer = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert [o["kind"] for o in answer["output"]] == ["help", "text", "result", "result"]
    assert answer["error"]["code"] == "script-not-supported"
    assert answer["error"]["details"]["line"] == 11
    assert "line 11 oaxaca ✗" in result.stderr  # type: ignore[attr-defined]


def test_the_models_and_charts_of_the_registry_run(tmp_path: Path, server: tuple[str, str]) -> None:
    """probit, negative-binomial, boxplot, hexbin, piechart, sankey, coefplot, ci and mlogit from the
    command line (regress-panel, which needs a panel, in a script of its own)."""
    base, token = server
    lines = (
        "import db/BEFOLKNING_SIVSTAND 2020-01-01 as sivilstand\n"
        "import db/BEFOLKNING_SIVSTAND 2024-01-01 as sivilstand2024\n"
        "import db/INNTEKT_WLONN 2020-12-31 as lonn\n"
        "generate hoy = lonn > 400000\n"
        "probit hoy alder, robust\n"
        "generate n = round(lonn / 100000)\n"
        "negative-binomial n alder i.kjonn\n"
        "boxplot lonn, over(kjonn)\n"
        "hexbin lonn alder, gridsize(8)\n"
        "piechart sivilstand\n"
        "sankey sivilstand sivilstand2024\n"
        "coefplot probit hoy alder\n"
        "ci lonn\n"
        "generate gruppe = cond(lonn < 300000, 1, 2)\n"
        "mlogit gruppe alder\n"
    )
    result = _run(tmp_path, (SCRIPT + lines).encode(), base, token, "--json")
    assert result.exit_code == 0, result.stdout  # type: ignore[attr-defined]
    answer = json.loads(result.stdout)  # type: ignore[attr-defined]
    charted = [
        (o["line"], o["response"]["statistic"]) for o in answer["output"] if o["kind"] == "result"
    ]
    assert charted[2:] == [
        (15, "probit"), (17, "negbin"), (18, "boxplot"), (19, "hexbin"), (20, "piechart"),
        (21, "sankey"), (22, "coefplot"), (23, "ci"), (25, "mlogit"),
    ]  # fmt: skip
    assert "line 25 mlogit ✓" in result.stderr  # type: ignore[attr-defined]
    panel = "require no.regcat.demo:1 as db\nimport-panel db/INNTEKT_WLONN 2020-12-31 2021-12-31\n"
    result = _run(
        tmp_path, (panel + "regress-panel INNTEKT_WLONN i.date, pooled\n").encode(), base, token
    )
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert "line 3 regress-panel ✓" in result.stderr  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "code", "where"),
    [
        (b"tabulate kjonn\ntabulate k\xf8nn\n", "script-encoding", "Line 2, column 11"),
        (b"tabulate kjonn\ntabluate kjonn\n", "script-unknown-command", "Line 2, column 1"),
    ],
)
def test_a_file_that_does_not_parse_is_reported_before_any_request(
    tmp_path: Path, body: bytes, code: str, where: str
) -> None:
    # No server: the file is judged where it is.
    result = _run(tmp_path, body, "http://127.0.0.1:9", "rgc_none")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert f"({code}): {where}" in result.stderr  # type: ignore[attr-defined]


def test_an_unreachable_server_is_one_line(tmp_path: Path) -> None:
    result = _run(tmp_path, b"help\n", f"http://127.0.0.1:{free_port()}", "rgc_none")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "(script-server-unreachable)" in result.stderr  # type: ignore[attr-defined]


def test_save_list_and_rerun_a_saved_script(tmp_path: Path, server: tuple[str, str]) -> None:
    base, token = server
    file = tmp_path / "analyse.txt"
    file.write_text(SCRIPT, encoding="utf-8")
    server_args = ["--url", base, "--token", token]
    saved = CliRunner().invoke(
        main, ["script", "save", str(file), "--title", "Kjønn", "--json", *server_args]
    )
    assert saved.exit_code == 0, saved.output
    script_id = json.loads(saved.stdout)["id"]
    assert json.loads(saved.stdout)["pins"]["no.regcat.demo:1"]["version"] == "1.0.0.0"
    listed = CliRunner().invoke(main, ["--lang", "en", "script", "list", *server_args])
    assert listed.exit_code == 0 and script_id in listed.stdout and "Kjønn" in listed.stdout
    rerun = CliRunner().invoke(main, ["script", "rerun", script_id, "--json", *server_args])
    assert rerun.exit_code == 0, rerun.output
    answer = json.loads(rerun.stdout)
    assert answer["error"] is None and answer["id"] == script_id
    assert [o["kind"] for o in answer["output"]] == ["help", "text", "result", "result"]
    unknown = CliRunner().invoke(
        main, ["--lang", "en", "script", "rerun", "scr-0000000000000000", *server_args]
    )
    assert unknown.exit_code == 1 and "(unknown-script)" in unknown.stderr
