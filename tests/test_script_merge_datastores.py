"""merge across datastores (issue 15): a dataset of one `require`d datastore merged into a
dataset of another answers `script-not-supported` at the merge's line, naming both
datastores (with their versions) and why it cannot run, and the run stops
there (nothing after it runs; the receiving dataset keeps its variables). Why it is not
built: a workspace is one pinned datastore version (its steps replay against that
version's sources), and output control is per datastore (each has its own record-key
secret, unit_keys/record_keys.py, and its own release ledger and budget): values of
datastore B released from a workspace of datastore A would be registered in A's ledger
only, so B's differencing guard would never see them (the sets B registered, minus one
unit, asked again through A). Two aliases of ONE datastore (a steward's alias) are one
datastore, and a merge between their datasets runs.

The datastores are the microdata.no-shaped no.ssb.fdb and no.fhi.npr of
test_microdata_datastore (the sample registers' persons; NPRID is npr's variable of
persons)."""

from __future__ import annotations

from pathlib import Path

from tests.test_microdata_datastore import _output, _run, _world

ACROSS = """require no.ssb.fdb:1 as db
require no.fhi.npr:1 as npr
create-dataset personer
import db/BEFOLKNING_KJOENN as kjonn
create-dataset pasienter
import npr/NPRID as nprid
merge nprid into personer
use personer
variables
"""


def test_a_merge_across_two_datastores_is_not_supported_yet(
    microdata_home: Path, tmp_path: Path
) -> None:
    for world in _world(microdata_home, tmp_path):
        body = _run(world, ACROSS)
        error = body["error"]
        assert isinstance(error, dict), body
        assert error["code"] == "script-not-supported" and error["details"]["line"] == 7
        message = error["message"]
        assert "datastores" in message
        # both named, source first, and why: each datastore's own output control
        assert message.index("no.fhi.npr") < message.index("no.ssb.fdb")
        assert "own output control" in message and "own ledger" in message
        assert body["output"] == []  # nothing after the merge ran


ALIASED = """require no.ssb.fdb:1 as db
require no.microdata.fdb:1 as md
create-dataset personer
import db/BEFOLKNING_KJOENN as kjonn
create-dataset lonninger
import md/BEFOLKNING_KJOENN as k
import md/INNTEKT_WLONN 2020-12-31 as lonn
merge lonn into personer
use personer
variables
"""


def test_a_merge_between_two_aliases_of_one_datastore_runs(
    microdata_home: Path, tmp_path: Path
) -> None:
    for world in _world(microdata_home, tmp_path, datastore_aliases="no.microdata.fdb=no.ssb.fdb"):
        output = _output(world, ALIASED)
        listed = next(o for o in output if o["kind"] == "variables")
        assert [v["name"] for v in listed["variables"]] == ["kjonn", "lonn"]
