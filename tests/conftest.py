"""Shared fixtures: a configured catalogue on real SQLite (and PostgreSQL when
REGCAT_TEST_DATABASE_URL is set), built by the alembic migrations."""

from __future__ import annotations

import fcntl
import gc
import json
import os
import secrets
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from catalogue.config import Config, load_config
from catalogue.services.context import Context
from catalogue.services.setup import initialise
from ingest.pseudonym import KEY_BYTES

if TYPE_CHECKING:
    from catalogue.analysis.sources import PinnedVersion

REQUIRE_ALL = os.environ.get("REGCAT_REQUIRE_ALL") == "1"
POSTGRES_URL = os.environ.get("REGCAT_TEST_DATABASE_URL", "")
REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_registers"

# Temporary folders in memory (tmpfs, /dev/shm) where the machine has one with room: every
# SQLite commit of a catalogue under tmp_path waits for an fsync, 6 ms by the clock on the
# build machine's disk (0.07 ms on tmpfs), while the CPU stands idle, and an API test makes
# several per request (tests/test_workspaces_api.py: 455 fsyncs). Only where the folders
# are: what the tests write and read is the same. A passed test's folder is removed after it
# (tmp_path_retention_policy = "failed" in pyproject.toml), so memory holds the session
# fixtures and the running tests' folders, not the whole run's. PYTEST_DEBUG_TEMPROOT
# (pytest's own setting) or --basetemp, given, win.
TMPFS = Path("/dev/shm")
TMPFS_ROOM = 8 * 2**30  # bytes free on it, at least


def _tmpfs_with_room() -> bool:
    try:
        stat = os.statvfs(TMPFS)
    except OSError:
        return False
    return os.access(TMPFS, os.W_OK | os.X_OK) and stat.f_bavail * stat.f_frsize >= TMPFS_ROOM


if "PYTEST_DEBUG_TEMPROOT" not in os.environ and _tmpfs_with_room():
    os.environ["PYTEST_DEBUG_TEMPROOT"] = str(TMPFS)


# `make test` runs pytest on every core (pytest-xdist: `-n auto --dist loadfile
# --no-loadscope-reorder`). A test file is one unit of work, kept on one worker in file
# order: its module fixtures are built once, and some files (the script corpus) depend on
# the order of their tests. The files below hold long tests that share nothing but session
# fixtures (each copies or builds its own world), so their tests are handed out one by one;
# and the units are handed out heaviest first (by --durations), so that no worker is left
# alone with a long one at the end. (xdist's own `loadgroup` would say the same with marks,
# but under pytest 9.2 its group names never reach the scheduler.)
SPLIT_PER_TEST = ("tests/test_api_contract.py", "tests/red_team/")
HEAVIEST_FIRST = (
    "tests/test_api_contract.py",
    "tests/red_team/",
    "tests/test_script_corpus.py",
    "tests/test_microdata_datastore.py",  # one unit: its module fixture ingests a datastore
    "tests/test_models_panel.py",
    "tests/test_workspaces_api.py",
    "tests/test_export_requests_flow.py",
    "tests/test_authz_matrix.py",
    "tests/test_language.py",
    "tests/test_conformance_setting.py",
    "tests/test_output_control_budget.py",
    # Files of 15-50 s of CPU that sort late by name: last, one would leave the other worker
    # idle (docs/TESTING.md, 7 December 12:20-13:40).
    "tests/test_monthly_study.py",
    "tests/test_monthly_snippet.py",
    "tests/test_models_did.py",
    "tests/test_workspaces_injection.py",
)


def _weight(item: pytest.Item) -> int:
    for rank, prefix in enumerate(HEAVIEST_FIRST):
        if item.nodeid.startswith(prefix):
            return rank
    return len(HEAVIEST_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if hasattr(config, "workerinput"):  # an xdist worker; one process keeps the usual order
        items.sort(key=_weight)  # stable: each file's tests stay in their order


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist's
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByFile(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return nodeid if nodeid.startswith(SPLIT_PER_TEST) else nodeid.split("::", 1)[0]

    return ByFile(config, log)


# The cyclic garbage collector walks every object a collection of the oldest generation
# meets, and after collection that is the whole suite: every test module, item and fixture
# definition, and the libraries they import (scipy, statsmodels, schemathesis, ...). None of
# these is ever garbage. So the collector is off while the suite is collected (a third of
# the collection's CPU went to it), what collection left unreachable is finalised at once
# (a ResourceWarning still fails where it belongs), and what is left is frozen: the
# collector never looks at it again (gc.freeze; CPython's own advice for long-lived heaps).
# The objects the tests make are collected as before. Measured in docs/TESTING.md.
@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Any:
    gc.disable()
    try:
        return (yield)
    finally:
        gc.collect()
        gc.freeze()
        gc.enable()


# The pseudonymisation key of the released sample catalogue (`released_home`, and every
# catalogue copied from it): output control's noise is keyed by the units' pseudonyms, so
# this key is the draw every noise-dependent test sees. Fixed by default, so that a failure
# is the same failure on every machine and every run (a random key per session made CI a
# lottery of one chance failure in ~3,000 tests, each a tolerance written for older noise);
# `REGCAT_TEST_PSEUDONYM_KEY=random` draws a new key for the session (printed in the
# header, to reproduce a failure with `REGCAT_TEST_PSEUDONYM_KEY=<hex>`), which is how a
# bound is checked over many draws. Tests that need several draws in one run say so
# themselves (their secrets as parameters). The script corpus keeps its own fixed key.
TEST_KEY_SETTING = "REGCAT_TEST_PSEUDONYM_KEY"
FIXED_TEST_KEY = "a7" * KEY_BYTES


def pytest_configure(config: pytest.Config) -> None:
    # In the controlling process only: the xdist workers it starts inherit the key drawn.
    if os.environ.get(TEST_KEY_SETTING) == "random" and not hasattr(config, "workerinput"):
        os.environ[TEST_KEY_SETTING] = secrets.token_hex(KEY_BYTES)


def pytest_report_header(config: pytest.Config) -> str:
    return f"{TEST_KEY_SETTING}={session_pseudonym_key()}"


def session_pseudonym_key() -> str:
    return os.environ.get(TEST_KEY_SETTING) or FIXED_TEST_KEY


def write_pseudonym_key(home: Path, key: str) -> None:
    """Give a catalogue home a known key before `initialise` (which keeps a key it finds)."""
    path = make_config(home).key_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key + "\n", encoding="ascii")
    path.chmod(0o600)


def skip_or_fail(reason: str) -> None:
    """Outside CI a missing service skips (saying why); in CI (REGCAT_REQUIRE_ALL=1) it fails."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (REGCAT_REQUIRE_ALL=1: nothing may skip)")
    pytest.skip(reason)


def make_config(home: Path, database_url: str = "", **extra: str) -> Config:
    env = {
        "REGCAT_HOME": str(home),
        "REGCAT_DATABASE_URL": database_url,
        "REGCAT_USER": "test-steward",
        # Explicit, as in production: tests compare links and IRIs with this address.
        # Tests of the address-from-the-request behaviour pass base_url="".
        "REGCAT_BASE_URL": "http://127.0.0.1:8000",
        # argon2 at its smallest: the suite hashes and verifies passwords hundreds of times
        # (test_password_hashing.py holds the production default and the upgrade between them).
        "REGCAT_PASSWORD_HASHING": "test",
        **{f"REGCAT_{k.upper()}": v for k, v in extra.items()},
    }
    return load_config(env)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the test PostgreSQL database, dropped afterwards."""
    if not POSTGRES_URL:
        skip_or_fail("PostgreSQL tests need REGCAT_TEST_DATABASE_URL")
    schema = f"regcat_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as e:
        admin.dispose()
        skip_or_fail(f"PostgreSQL at REGCAT_TEST_DATABASE_URL is not reachable: {e}")
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalogue.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def sqlite_ctx(tmp_path: Path) -> Iterator[Context]:
    """An initialised, empty catalogue on SQLite."""
    with Context.open(make_config(tmp_path / "home")) as ctx:
        initialise(ctx)
        yield ctx


@pytest.fixture
def any_ctx(tmp_path: Path, database_url: str) -> Iterator[Context]:
    """An initialised, empty catalogue on each database backend."""
    with Context.open(make_config(tmp_path / "home", database_url)) as ctx:
        initialise(ctx)
        yield ctx


@pytest.fixture(scope="session")
def released_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalogue (SQLite) with all six sample registers released as 1.0.0.0, built once."""
    from catalogue.services.publishing import ingest_extract
    from catalogue.services.releasing import release_draft
    from catalogue.services.samples import sample_register_folders

    home = tmp_path_factory.mktemp("released") / "home"
    write_pseudonym_key(home, session_pseudonym_key())
    with Context.open(make_config(home)) as ctx:
        initialise(ctx)
        for folder in sample_register_folders(SAMPLES):
            ingest_extract(ctx, folder)
        release_draft(ctx, "Sample registers, first release")
    return home


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]
) -> tuple[Path, object]:
    """A folder that `build` fills once per test session, whatever number of xdist workers
    ask for it: the first to ask builds it (under a lock) in the session's own temporary
    root (the one the workers' folders are in), and the others wait for it and use it.
    Returns the folder and what `build` returned (kept as JSON beside it). For expensive
    read-only worlds only: a test copies what it will change (`shutil.copytree`), never
    writes into the folder itself. What it holds is built in this session, from this
    session's code, as a fixture of one process would build it."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the session's root, shared by its workers and by them alone
    folder = root / f"built-once-{name}"
    done = root / f"built-once-{name}.json"
    with open(root / f"built-once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a worker's build that failed
            folder.mkdir()
            done.write_text(json.dumps(build(folder)), encoding="utf-8")
    return folder, json.loads(done.read_text(encoding="utf-8"))


# The microdata.no-shaped datastores (tests/test_microdata_datastore.py,
# tests/test_script_merge_datastores.py): generating them and ingesting and releasing their
# 732 variables is about 60 s of CPU; built once per session (not once per file and worker).
MICRODATA_PERSONS = 1200  # of the committed samples' 20 000: output control wants 1000
MICRODATA_YEARS = 4


@pytest.fixture(scope="session")
def microdata(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """no.ssb.fdb and no.fhi.npr as generated extracts (read only)."""
    from sample_registers.generator.microdata import generate_microdata

    def build(folder: Path) -> dict[str, str]:
        written = generate_microdata(folder, persons=MICRODATA_PERSONS, years=MICRODATA_YEARS)
        return {name: str(path) for name, path in written.items()}

    _, written = built_once(tmp_path_factory, "microdata", build)
    assert isinstance(written, dict)
    return {name: Path(path) for name, path in written.items()}


@pytest.fixture(scope="session")
def microdata_home(
    released_home: Path, microdata: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The sample registers' catalogue with the people of tests/test_accounts_support.py,
    plus no.ssb.fdb and no.fhi.npr ingested and released (read only: copy it)."""
    from catalogue.services import publishing, releasing
    from sample_registers.generator.microdata.facts import variables
    from tests.test_accounts_support import populate

    def build(folder: Path) -> None:
        home = folder / "home"
        shutil.copytree(released_home, home)
        with Context.open(make_config(home)) as ctx:
            populate(ctx)
            initialise(ctx, list(microdata))
            for datastore, extract in microdata.items():
                outcome = publishing.ingest_extract(ctx, extract, datastore=datastore)
                assert outcome.datasets, datastore
                version = releasing.release_draft(ctx, "synthetic", datastore)
                expected = sum(1 for v in variables() if v.datastore == datastore)
                assert version.dataset_count == expected

    folder, _ = built_once(tmp_path_factory, "microdata-home", build)
    return folder / "home"


@pytest.fixture(scope="session")
def pinned(released_home: Path) -> PinnedVersion:
    """The released sample catalogue's version 1.0.0.0 as the analysis engine reads it
    (catalogue.analysis.sources.PinnedVersion), read once per session: here rather than in
    a test module that ~50 others import, which gave each of them a fixture of its own."""
    from catalogue.services.workspaces import pinned_version

    with Context.open(make_config(released_home)) as ctx:
        return pinned_version(ctx, None, "1.0.0.0")


@pytest.fixture(scope="module")
def module_released_ctx(
    released_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Context]:
    """A copy of the released catalogue shared by the tests of one module (each test
    writes only what the others do not read, e.g. as a researcher of its own)."""
    home = tmp_path_factory.mktemp("module-released") / "home"
    shutil.copytree(released_home, home)
    with Context.open(make_config(home)) as ctx:
        yield ctx


@pytest.fixture
def released_ctx(released_home: Path, tmp_path: Path) -> Iterator[Context]:
    """A private copy of the released catalogue that a test may change."""
    home = tmp_path / "home"
    shutil.copytree(released_home, home)
    with Context.open(make_config(home)) as ctx:
        yield ctx
