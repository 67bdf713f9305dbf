"""Attempts to get at the data around output control, through the API: SQL fragments in
expressions and names, the unit identifier or internal columns named in expressions,
identifiers used as group-bys, model terms or clusters. Each is refused (422: the request fits
the published schema, its content is refused) and the workspace stays as it was; arbitrary expression text never reaches SQL (a property test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.analysis import db
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_accounts_support as accounts_support
from tests.test_analysis_support import ISSUE_STEPS, new_workspace
from tests.test_workspaces_api import Researcher

released_people_home = accounts_support.released_people_home

STEPS = [*ISSUE_STEPS, {"import": "BEFOLKNING_MOR", "as": "mor"}]

EXPRESSIONS = [
    "alder; DROP TABLE t1",
    "alder) OR (1=1",
    "1; SELECT * FROM duckdb_tables()",
    "alder -- a comment",
    "alder /* a comment */",
    "read_parquet('/etc/passwd') > 0",
    "unit_id > 0",
    '"unit_id" > 0',
    "UNIT_ID > 0",
    "protect_unit > 0",
    "_secret > 0",
    "v1 > 0",
    "w.v1 > 0",
    "mor > 0",
    "sysmiss(mor)",
    "alder > (SELECT 1)",
    "lonn > 0 UNION SELECT unit_id FROM t1",
    "getvariable('x') > 0",
    "'a' || 'b' == 'ab'",
    "$1 > 0",
    "? > 0",
]


@pytest.fixture(scope="module")
def world(
    released_people_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[accounts_support.World]:
    # One catalogue and one workspace for the module: every attempt must leave them as
    # they were, and each test checks that it did.
    yield from accounts_support._world(released_people_home, tmp_path_factory.mktemp("attempts"))


@pytest.fixture(scope="module")
def alice(world: accounts_support.World) -> Researcher:
    return Researcher(world, "forsker@uio")


@pytest.fixture(scope="module")
def handle(alice: Researcher) -> str:
    return alice.workspace(STEPS)


def _refused(response: Any) -> str:
    """The 422 a refused request gets; its error code."""
    assert response.status_code == 422, response.get_json()
    code: str = response.get_json()["error"]["code"]
    return code


@pytest.mark.parametrize("expression", EXPRESSIONS)
@pytest.mark.parametrize("verb", ["keep_if", "generate"])
def test_sql_and_identifiers_in_expressions_are_refused(
    alice: Researcher, handle: str, verb: str, expression: str
) -> None:
    before = alice.get(f"/{handle}").get_json()
    step = {"keep_if": expression} if verb == "keep_if" else {"generate": "x", "expr": expression}
    assert _refused(alice.post(f"/{handle}/steps", [step])).startswith("expression-")
    assert alice.get(f"/{handle}").get_json() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("tabulate", {"vars": ["mor"]}),
        ("tabulate", {"vars": ["kjonn"], "summarize": "mor"}),
        ("summarize", {"vars": ["mor"]}),
        ("regress", {"y": "lonn", "x": ["mor"]}),
        ("regress", {"y": "lonn", "x": ["i.mor"]}),
        ("regress", {"y": "mor", "x": ["alder"]}),
        ("histogram", {"var": "mor"}),
        ("barchart", {"var": "mor"}),
        ("correlate", {"vars": ["mor", "alder"]}),
    ],
)
def test_identifiers_are_never_grouped_by_or_modelled(
    alice: Researcher, handle: str, path: str, body: dict[str, Any]
) -> None:
    assert _refused(alice.post(f"/{handle}/{path}", body)) == "identifier-variable"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("tabulate", {"vars": ["unit_id"]}),
        ("tabulate", {"vars": ['kommune" --']}),
        ("tabulate", {"vars": ["v1"]}),
        ("summarize", {"vars": ["protect_unit"]}),
        ("regress", {"y": "lonn", "x": ["alder"], "cluster": "unit_id"}),
        ("regress", {"y": "lonn", "x": ["c.unit_id"]}),
    ],
)
def test_internal_columns_are_not_variables(
    alice: Researcher, handle: str, path: str, body: dict[str, Any]
) -> None:
    assert _refused(alice.post(f"/{handle}/{path}", body)) == "unknown-variable"


@pytest.mark.parametrize(
    ("step", "code"),
    [
        ({"generate": 'x"; DROP TABLE t1; --', "expr": "1"}, "invalid-variable-name"),
        ({"import": "BEFOLKNING_KJOENN", "as": "unit_id"}, "reserved-variable-name"),
        ({"rename": {"alder": "protect_unit"}}, "reserved-variable-name"),
        ({"rename": {"alder": "a b"}}, "invalid-variable-name"),
        ({"import": "X'); DROP TABLE t1; --", "as": "x"}, "unknown-dataset"),
        ({"import": "INNTEKT_WLONN", "date": "2020-12-31'; --"}, "invalid-date"),
        ({"collapse": {"n": ["count; DROP", "alder"]}, "by": "mor"}, "invalid-group-statistic"),
        (
            {"import": "INNTEKT_WLONN", "date": "2020-12-31", "via": "unit_id"},
            "reserved-variable-name",
        ),
    ],
)
def test_names_dates_and_verbs_cannot_carry_sql(
    alice: Researcher, handle: str, step: dict[str, Any], code: str
) -> None:
    before = alice.get(f"/{handle}").get_json()
    assert _refused(alice.post(f"/{handle}/steps", [step])) == code
    assert alice.get(f"/{handle}").get_json() == before


def test_a_recode_value_is_a_value_not_sql(alice: Researcher) -> None:
    handle = alice.workspace(STEPS)
    step = {"recode": "kommune", "rules": {"0301') OR 1=1 --": "x"}, "as": "k2"}
    assert alice.post(f"/{handle}/steps", [step]).status_code == 200
    table = alice.post(f"/{handle}/tabulate", {"vars": ["k2"]}).get_json()
    labels = {row["labels"][0] for row in table["results"][0]["result"]["rows"]}
    assert "x" not in labels  # no code matched the text, so nothing was recoded


@pytest.fixture(scope="module")
def fuzzed(pinned: Any) -> Any:
    workspace = new_workspace(pinned, STEPS)
    yield workspace
    workspace.close()


def _tables(workspace: Workspace) -> list[tuple[Any, ...]]:
    return db.rows(workspace.con, "SELECT table_name FROM duckdb_tables() ORDER BY 1")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.text(
        alphabet=st.sampled_from(list("alder kjonn lonn unit_id mor ();'\"-*/=<>!.,0123456789_$?")),
        max_size=60,
    )
)
def test_any_expression_text_is_refused_cleanly_or_runs_as_an_expression(
    fuzzed: Workspace, text: str
) -> None:
    before = (fuzzed.describe(), _tables(fuzzed))
    try:
        # The second step always fails, so whatever the first did must be undone.
        fuzzed.apply(parse_steps([{"keep_if": text}, {"import": "NO_SUCH_DATASET", "as": "z"}]))
    except RegcatError as error:
        assert 400 <= error.http_status < 500
    else:  # pragma: no cover
        raise AssertionError("an unknown dataset must be refused")
    assert (fuzzed.describe(), _tables(fuzzed)) == before
