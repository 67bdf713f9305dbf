"""What output control costs a researcher: published numbers against the exact ones, on the
population bench/analysis.py builds (5.5 million persons by default).

    python bench/output_control_utility.py [--persons 5500000] [--home DIR] [--threads 0]

Builds (or reuses, with --home) the same released catalogue as bench/analysis.py, makes a
workspace with the same script (municipality, sex, birth date, education, wage income,
age), and releases through output control with the default parameters:

  counts     municipality × education × sex, with margins: the median relative error of
             every published count of at least 100 (target < 5 %);
  magnitudes sum and mean of wage income by municipality × education: the median relative
             error over cells of at least 1000 units (target < 1 %);
  groups     aggregate sum, mean, sd and median of wage income by municipality (the values
             a later table repeats): the median relative error of each over groups of at
             least 1000 units with a value (target < 1 % for sum and mean; sd and the
             smoothed median, against the exact median, beside them);
  summaries  summarize's winsorised mean and sd of wage income over each municipality ×
             education cell of at least 1000 units: the median relative error against the
             exact winsorised ones (target < 1 % for the mean);
  OLS        wage income on sex, age and education dummies with HC1 errors: every published
             coefficient within one standard error of the unperturbed fit (target: all).

The exact numbers come straight from the workspace's rows (the benchmark runs on the
server's side of output control); each statistic is released on a fresh ledger, so only the
noise, never the differencing guard, is measured. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.analysis import STEPS, prepare  # noqa: E402

COUNTS = {"vars": ["kommune", "utdanning", "kjonn"]}
MAGNITUDES = {"vars": ["kommune", "utdanning"], "summarize": "lonn", "stats": ["sum", "mean"]}
MODEL = {"y": "lonn", "x": ["kjonn", "alder", "i.utdanning"], "robust": True}


def _workspace(home: Path, threads: int) -> Any:
    from catalogue.analysis.limits import WorkspaceLimits
    from catalogue.analysis.step import parse_steps
    from catalogue.analysis.unit_keys.store import KeyCache
    from catalogue.analysis.workspace import Workspace
    from catalogue.services.context import Context
    from catalogue.services.workspaces import _secret, pinned_version
    from tests.conftest import make_config

    with Context.open(make_config(home)) as ctx:
        pinned = pinned_version(ctx, None, None)
        secret = _secret(ctx, pinned.datastore)
    workspace = Workspace(
        pinned,
        limits=WorkspaceLimits(threads=threads),
        key_cache=KeyCache(secret, home / "analysis" / "keys"),
    )
    workspace.apply(parse_steps([step for _, step in STEPS]))
    return workspace


def _context(workspace: Any) -> Any:
    from catalogue.analysis.output_control import (
        ControlContext,
        InMemoryReleaseLedger,
        OutputControlParameters,
    )

    units = workspace.control_units()
    return ControlContext(
        OutputControlParameters.defaults(),
        units.keys,
        InMemoryReleaseLedger(),
        "utility-benchmark",
        "benchmark",
        units.population,
    )


def _exact(workspace: Any, dimensions: list[str], value: str | None = None) -> dict[Any, Any]:
    """(labels) → exact count, or (count, sum) of `value`, from the rows, as tabulate
    labels them (numbers without a trailing .0)."""
    from catalogue.analysis import db
    from catalogue.analysis.statistics.shared.common import text_sql

    schema = workspace.state.schema
    labels = [text_sql(schema.get(d)) for d in dimensions]
    present = " AND ".join(f'w."{schema.get(d).column}" IS NOT NULL' for d in dimensions)
    measure = ""
    if value is not None:
        column = f'CAST(w."{schema.get(value).column}" AS DOUBLE)'
        present += f" AND isfinite({column})"
        measure = f", SUM({column})"
    rows = db.rows(
        workspace.con,
        f'SELECT {", ".join(labels)}, COUNT(*){measure} FROM "{workspace.state.table}" AS w '
        f"WHERE {present} GROUP BY ALL",
    )
    width = len(dimensions)
    return {tuple(str(x) for x in r[:width]): r[width:] for r in rows}


def _margins(exact: dict[Any, Any], dimensions: int) -> dict[Any, int]:
    """Every margin of an exact count table (None for a dimension summed over)."""
    totals: dict[Any, int] = {}
    for labels, (count,) in exact.items():
        for mask in range(1 << dimensions):
            key = tuple(None if mask >> d & 1 else labels[d] for d in range(dimensions))
            totals[key] = totals.get(key, 0) + int(count)
    return totals


def counts(workspace: Any) -> str:
    result = workspace.prepare("tabulate", COUNTS).release(_context(workspace))[0].result
    truth = _margins(_exact(workspace, COUNTS["vars"]), len(COUNTS["vars"]))
    errors = [
        abs(row.values[0] - truth[row.labels]) / truth[row.labels]
        for row in result.rows
        if isinstance(row.values[0], int) and truth.get(row.labels, 0) >= 100
    ]
    return (
        f"counts ≥ 100: {len(errors)} cells, median relative error "
        f"{100 * float(np.median(errors)):.3f} % (max {100 * max(errors):.2f} %)   target < 5 %"
    )


def magnitudes(workspace: Any) -> list[str]:
    result = workspace.prepare("tabulate", MAGNITUDES).release(_context(workspace))[0].result
    truth = _exact(workspace, MAGNITUDES["vars"], "lonn")
    lines = []
    for k, name in enumerate(result.columns):
        errors = []
        for row in result.rows:
            found = truth.get(row.labels)
            if row.values[k] is None or found is None or found[0] < 1000:
                continue
            exact = found[1] if name == "sum" else found[1] / found[0]
            errors.append(abs(float(row.values[k]) - exact) / abs(exact))
        if not errors:  # a small population (--persons) has no cell of 1000 units
            lines.append(f"{name} over cells ≥ 1000 units: no such cell")
            continue
        lines.append(
            f"{name} over cells ≥ 1000 units: {len(errors)} cells, median relative error "
            f"{100 * float(np.median(errors)):.4f} % (max {100 * max(errors):.3f} %)   "
            "target < 1 %"
        )
    return lines


def summaries(workspace: Any) -> list[str]:
    """control_summary of wage income over the units of each municipality × education cell
    of at least 1000 units (as summarize releases it), against the exact winsorised mean and
    sd of the same values."""
    from catalogue.analysis import db
    from catalogue.analysis.output_control import UnitValues, control_summary
    from catalogue.analysis.output_control.rules.winsorised_summary import winsorise
    from catalogue.analysis.statistics.shared.common import DataView, text_sql

    schema = workspace.state.schema
    x = f'CAST(w."{schema.get("lonn").column}" AS DOUBLE)'
    labels = [text_sql(schema.get(d)) for d in MAGNITUDES["vars"]]
    rows = db.rows(
        workspace.con,
        f'SELECT w.rowid, {", ".join(labels)}, {x} FROM "{workspace.state.table}" AS w '
        f"WHERE isfinite({x})",
    )
    units = workspace.control_units()
    view = DataView(
        workspace.con, workspace.state, workspace.limits, workspace.parameters, units.rows
    )
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    unit = view.rows.units(ids).astype(np.int64)
    values = np.array([r[3] for r in rows], dtype=np.float64)
    cells: dict[tuple[str, str], list[int]] = {}
    for k, r in enumerate(rows):
        cells.setdefault((str(r[1]), str(r[2])), []).append(k)
    errors: dict[str, list[float]] = {"mean": [], "sd": []}
    for at in cells.values():
        if len(at) < 1000:
            continue
        mine = np.array(at)
        result = control_summary(UnitValues("lonn", unit[mine], values[mine]), _context(workspace))
        clipped = winsorise(values[mine], 1.0, 99.0)
        exact = {"mean": clipped.mean(), "sd": clipped.std(ddof=1)}
        for row in result.rows:
            name = row.labels[0]
            if name in errors and row.values[0] is not None and exact[name]:
                errors[name].append(abs(float(row.values[0]) - exact[name]) / abs(exact[name]))
    lines = []
    for name, found in errors.items():
        if not found:
            lines.append(f"summary {name} over cells ≥ 1000 units: no such cell")
            continue
        lines.append(
            f"summary {name} over cells ≥ 1000 units: {len(found)} cells, median relative "
            f"error {100 * float(np.median(found)):.4f} % (max {100 * max(found):.3f} %)"
            + ("   target < 1 %" if name == "mean" else "")
        )
    return lines


GROUPS = {"sum": "g_sum", "mean": "g_mean", "sd": "g_sd", "median": "g_median"}


def groups(workspace: Any) -> list[str]:
    """aggregate … by municipality, read from the workspace's rows (the
    values a later table would repeat), against the exact group statistics."""
    from catalogue.analysis import db
    from catalogue.analysis.step import parse_steps

    workspace.apply(
        parse_steps(
            [
                {"aggregate": {v: [k, "lonn"] for k, v in GROUPS.items()}, "by": "kommune"},
            ]
        )
    )
    schema = workspace.state.schema
    x = f'CAST(w."{schema.get("lonn").column}" AS DOUBLE)'
    given = ", ".join(f'ANY_VALUE(w."{schema.get(v).column}")' for v in GROUPS.values())
    rows = db.rows(
        workspace.con,
        f"SELECT COUNT(*), SUM({x}), AVG({x}), STDDEV_SAMP({x}), MEDIAN({x}), {given} "
        f'FROM "{workspace.state.table}" AS w WHERE isfinite({x}) '
        f'GROUP BY w."{schema.get("kommune").column}"',
    )
    lines = []
    for k, name in enumerate(GROUPS):
        errors = [
            abs(float(r[5 + k]) - r[1 + k]) / abs(r[1 + k])
            for r in rows
            if r[0] >= 1000 and r[5 + k] is not None and r[1 + k]
        ]
        if not errors:
            lines.append(f"group {name} over groups ≥ 1000 units: no such group")
            continue
        lines.append(
            f"group {name} over groups ≥ 1000 units: {len(errors)} groups, median relative "
            f"error {100 * float(np.median(errors)):.4f} % (max {100 * max(errors):.3f} %)"
            + ("   target < 1 %" if name in ("sum", "mean") else "")
        )
    return lines


def model(workspace: Any) -> str:
    plan = workspace.prepare("regress", MODEL)
    result = plan.release(_context(workspace))[0].result
    exact = plan.estimate
    ratios = [
        abs(float(row.values[0]) - b) / se
        for row, b, se in zip(result.rows, exact.coefficients, exact.std_errors, strict=True)
    ]
    within = sum(r <= 1 for r in ratios)
    return (
        f"OLS: {within} of {len(ratios)} coefficients within one standard error of the "
        f"unperturbed fit (largest |b' − b| / se = {max(ratios):.3f}, median "
        f"{float(np.median(ratios)):.3f})   target: all"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=5_500_000)
    parser.add_argument("--home", type=Path, default=None, help="Catalogue to (re)use.")
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads; 0 = all.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home or Path(scratch) / "home"
        prepare(home, args.persons)
        started = time.perf_counter()
        workspace = _workspace(home, args.threads)
        print(
            f"workspace of {len(workspace.control_units().population):,} persons built in "
            f"{time.perf_counter() - started:.0f} s\n"
        )
        try:
            print(counts(workspace))
            for line in magnitudes(workspace):
                print(line)
            for line in summaries(workspace):
                print(line)
            print(model(workspace))
            for line in groups(workspace):
                print(line)
        finally:
            workspace.close()


if __name__ == "__main__":
    main()
