"""The microdata.no-shaped synthetic datastore (issue 15 item 2): every variable of the
facts file is generated with its temporality, unit type, data type and code list,
deterministically by seed, for persons of the sample registers' population; it ingests and
releases with no problems as no.ssb.fdb and no.fhi.npr; and a script written for
microdata.no (`require no.ssb.fdb:23 as db`) runs through POST /api/v1/scripts/run, on the
latest release with a notice where version 23 does not exist."""

from __future__ import annotations

import csv
import filecmp
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from catalogue.services.context import Context
from catalogue.services.script_datastores import NOTICE_CODE
from catalogue.web import create_app
from sample_registers.generator.microdata import generate_microdata
from sample_registers.generator.microdata.facts import variables
from sample_registers.generator.population import Population
from tests.conftest import MICRODATA_PERSONS, MICRODATA_YEARS, make_config
from tests.test_accounts_support import World, bearer

# The datastores (fixtures `microdata`, `microdata_home`) are built once per session, in
# tests/conftest.py: tests/test_script_merge_datastores.py uses them too.
PERSONS = MICRODATA_PERSONS


def _files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_values(
    microdata: dict[str, Path], tmp_path: Path
) -> None:
    again = generate_microdata(tmp_path / "again", persons=PERSONS, years=MICRODATA_YEARS)
    other = generate_microdata(tmp_path / "other", persons=PERSONS, years=MICRODATA_YEARS, seed=7)
    for name, folder in microdata.items():
        assert _files(folder) == _files(again[name])
        _, mismatch, errors = filecmp.cmpfiles(folder, again[name], _files(folder), shallow=False)
        assert mismatch == [] and errors == []
    wages = Path("INNTEKT_WLONN/INNTEKT_WLONN.csv")
    assert (microdata["no.ssb.fdb"] / wages).read_bytes() != (
        other["no.ssb.fdb"] / wages
    ).read_bytes()


def test_every_catalogue_variable_is_there_with_its_temporality_type_and_codes(
    microdata: dict[str, Path],
) -> None:
    facts = variables()
    assert len(facts) == 732
    for var in facts:
        folder = microdata[var.datastore] / var.name
        meta = json.loads((folder / f"{var.name}.json").read_text(encoding="utf-8"))
        assert meta["temporalityType"] == var.temporality, var.name
        assert meta["identifierVariables"] == [{"unitType": var.unit_type}], var.name
        measure = meta["measureVariables"][0]
        if var.link:
            assert measure["unitType"] == var.link, var.name
        else:
            assert measure["dataType"] == var.data_type, var.name
        listed = [c["code"] for c in measure.get("valueDomain", {}).get("codeList", [])]
        assert sorted(listed) == sorted(c.code for c in var.codes), var.name
        with open(folder / f"{var.name}.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f, delimiter=";"))
        assert rows, f"{var.name} has no rows"
        first, last = (d.isoformat() for d in var.period())
        for _unit, value, start, stop, _ in rows:
            if var.codes:
                assert value in {c.code for c in var.codes}, (var.name, value)
            if var.temporality == "FIXED":
                assert start == stop == "", var.name
            else:
                assert first <= start <= last, (var.name, start)
                assert stop == "" or start <= stop <= last, (var.name, stop)
            if var.temporality == "STATUS":
                assert start == stop, var.name


def test_persons_are_the_sample_registers_persons_with_the_same_sex(
    microdata: dict[str, Path],
) -> None:
    population = Population(20_000, 20261122)
    sex_of = {
        f"{pid:011d}": "1" if male else "2"
        for pid, male in zip(population.pid, population.male, strict=True)
    }
    folder = microdata["no.ssb.fdb"] / "BEFOLKNING_KJOENN"
    rows = [line.split(";") for line in (folder / "BEFOLKNING_KJOENN.csv").read_text().splitlines()]
    assert len(rows) > PERSONS * 0.9
    assert all(sex_of[unit] == value for unit, value, *_ in rows)


def test_men_earn_more_than_women(microdata: dict[str, Path]) -> None:
    fdb = microdata["no.ssb.fdb"]

    def read(name: str) -> dict[tuple[str, str], str]:
        lines = (fdb / name / f"{name}.csv").read_text().splitlines()
        return {(p[0], p[2]): p[1] for p in (line.split(";") for line in lines)}

    wages = {k: int(v) for k, v in read("INNTEKT_WLONN").items() if k[1] == "2022-01-01"}
    sex = {k[0]: v for k, v in read("BEFOLKNING_KJOENN").items()}
    paid = [(sex[unit], wage) for (unit, _), wage in wages.items() if wage > 0]
    men = [w for s, w in paid if s == "1"]
    women = [w for s, w in paid if s == "2"]
    assert sum(men) / len(men) > sum(women) / len(women)


def _world(home: Path, tmp_path: Path, **settings: str) -> Iterator[World]:
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    with Context.open(make_config(copy, **settings)) as ctx:
        yield World(ctx, create_app(ctx.config, {"TESTING": True}))


SCRIPT = """require no.ssb.fdb:23 as db
import db/BEFOLKNING_KJOENN as kjonn
import db/INNTEKT_WLONN 2020-12-31 as lonn
tabulate kjonn
summarize lonn
"""


def _statistics(output: list[dict[str, object]]) -> list[object]:
    return [item["command"] for item in output if item["kind"] == "result"]


def _run(world: World, script: str) -> dict[str, object]:
    client = world.app.test_client()
    headers = bearer(world.token("forsker@uio", "analysis"))
    response = client.post("/api/v1/scripts/run?lang=en", json={"script": script}, headers=headers)
    assert response.status_code < 500
    body: dict[str, object] = response.get_json()
    return body


def _output(world: World, script: str) -> list[dict[str, Any]]:
    """The output of a script that runs without error."""
    body = _run(world, script)
    assert body.get("error") is None, body
    output = body["output"]
    assert isinstance(output, list)
    return output


def test_a_microdata_script_runs_on_the_latest_release_with_a_notice(
    microdata_home: Path, tmp_path: Path
) -> None:
    for world in _world(microdata_home, tmp_path, script_latest_version="true"):
        output = _output(world, SCRIPT)
        assert output[0]["kind"] == "notice" and output[0]["line"] == 1
        notice = output[0]["notice"]
        assert notice["code"] == NOTICE_CODE and notice["version"] == "1.0.0.0"
        assert "no.ssb.fdb:23" in notice["message"]
        assert _statistics(output) == ["tabulate", "summarize"], output


def test_without_the_setting_a_missing_version_is_refused(
    microdata_home: Path, tmp_path: Path
) -> None:
    for world in _world(microdata_home, tmp_path):
        body = _run(world, SCRIPT)
        error = body["error"]
        assert isinstance(error, dict) and error["code"] == "unknown-version"


def test_a_steward_alias_names_the_datastore(microdata_home: Path, tmp_path: Path) -> None:
    aliases = "no.microdata.fdb=no.ssb.fdb"
    for world in _world(microdata_home, tmp_path, datastore_aliases=aliases):
        output = _output(world, SCRIPT.replace("no.ssb.fdb:23", "no.microdata.fdb:1"))
        assert _statistics(output) == ["tabulate", "summarize"], output


def test_generate_samples_writes_the_datastores_beside_the_registers(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import main

    args = ["generate-samples", "--persons", "1000", "--microdata-persons", "100"]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for key in ("ssb-fdb", "fhi-npr"):
        assert (tmp_path / "microdata" / key / "register.json").exists()
    assert (tmp_path / "folkeregisteret" / "register.json").exists()
