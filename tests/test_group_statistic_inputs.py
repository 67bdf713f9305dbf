"""Group statistics are inputs of what is computed from them (output_control/group_values.py,
`statistic_id`, `statistic_inputs`; docs/OUTPUT_CONTROL.md §3 `budget`, input fees): each
group statistic carries an id of its own, whatever is computed from it carries the id on,
and a release pays the input fee for each carried id as for a variable it names (red team:
test_group_count_averaging)."""

from __future__ import annotations

from typing import Any

from catalogue.analysis.output_control.group_values import (
    COUNT_INPUTS,
    STATISTIC_MARK,
    statistic_id,
    statistic_inputs,
)
from catalogue.analysis.step import parse_steps
from tests import test_analysis_support as support

workspace_factory = support.workspace_factory


def _count(column: str, kind: str = "derived") -> list[tuple[str, str]]:
    """A group statistic's inputs, a count's or any other's (a sum of a 0/1 is a count):
    its own and COUNT_INPUTS − 1 more (group_values.py)."""
    return [(kind, column)] + [(f"group-count-{i}", column) for i in range(1, COUNT_INPUTS)]


def test_group_statistics_are_carried_into_what_is_computed_from_them(
    workspace_factory: Any,
) -> None:
    ws = workspace_factory(
        [
            *support.ISSUE_STEPS,
            {
                "aggregate": {"antall": ["count", "lonn"], "snitt": ["mean", "lonn"]},
                "by": "kommune",
            },
            {"generate": "z", "expr": "antall + snitt"},
            {"generate": "y", "expr": "1"},
            {"replace": "y", "expr": "2", "if": "antall > 10"},
        ]
    )
    schema = ws.state.schema
    antall, snitt, z, y = (schema.get(n) for n in ("antall", "snitt", "z", "y"))
    # A statistic's own id is the input its variable is: naming both costs one fee (its
    # own input is among its COUNT_INPUTS, a mean's as a count's).
    assert statistic_inputs(antall.groups) == _count(antall.column)
    assert statistic_inputs(snitt.groups) == _count(snitt.column)
    assert statistic_inputs(z.groups) == [*_count(antall.column), *_count(snitt.column)]
    assert statistic_inputs(y.groups) == _count(antall.column)  # from its condition
    # The ids are no groups of the guard's registration: it registers the step's groups once.
    assert all(STATISTIC_MARK not in key for key in ws.state.groups)
    assert len({g for g in z.groups if STATISTIC_MARK not in g}) == 1
    # A later aggregation of z carries z's statistics besides its own.
    ws.apply(parse_steps([{"aggregate": {"igjen": ["sum", "z"]}, "by": "kjonn"}]))
    again = ws.state.schema.get("igjen")
    assert statistic_inputs(again.groups) == [
        *_count(again.column),
        *_count(antall.column),
        *_count(snitt.column),
    ]


def test_statistics_merged_in_from_another_workspace_are_inputs_of_their_own() -> None:
    """A merged statistic's column is the other workspace's: its input is named by its
    whole (prefixed) id, not as a derived variable of this workspace."""
    own = "groups-2-c7" + STATISTIC_MARK + "c9"
    merged = "merge12:" + own
    assert statistic_inputs(["groups-2-c7", own, merged, own]) == [
        *_count("c9"),
        *_count(merged, "group-statistic"),
    ]
    # A count's id says so, merged or not; it is priced as any other statistic.
    count = statistic_id("groups-2-c7", "c9", count=True)
    assert statistic_inputs([count, "merge12:" + count]) == [
        *_count("c9"),
        *_count("merge12:" + count, "group-statistic"),
    ]


def test_a_filter_on_a_group_statistic_makes_its_population_carry_it(
    workspace_factory: Any,
) -> None:
    """keep_if/drop_if whose condition names a variable computed from group statistics
    selects rows by them: the population carries their ids (State.population_inputs), so
    every release over it pays their fees, whether or not it names the variable; the ids
    stay when the variable is dropped and when the rows are collapsed. A filter on other
    variables adds none (red team: test_padded_group_counts_read_through_a_filter)."""
    ws = workspace_factory(
        [
            *support.ISSUE_STEPS,
            {"aggregate": {"antall": ["count", "lonn"]}, "by": "kommune"},
            {"generate": "z", "expr": "antall / 2"},
        ]
    )
    antall = ws.state.schema.get("antall")
    assert ws.state.population_inputs == ()  # ISSUE_STEPS filter on alder only
    ws.apply(parse_steps([{"drop_if": "z < 0 and kjonn == '1'"}]))
    carried = ws.state.population_inputs
    assert statistic_inputs(carried) == _count(antall.column)
    assert all(STATISTIC_MARK in g for g in carried)
    ws.apply(parse_steps([{"drop": ["z", "antall"]}, {"keep_if": "lonn > 0"}]))
    assert ws.state.population_inputs == carried
    ws.apply(parse_steps([{"collapse": {"s": ["sum", "lonn"]}, "by": "kommune"}]))
    assert ws.state.population_inputs == carried
