"""The pension-reform study of docs/MONTHLY.md §5 on a generated population (issue 17's
acceptance: on the generator's 5.5-million-person population the 95 % intervals at event
month 0 hold 1.75 hours and 3,183 NOK and exclude 0; the placebo's hold 0).

    python bench/monthly_study.py --home DIR [--samples DIR | --persons 5500000] [--out DIR]

With --samples (a folder of generated registers holding folkeregisteret and aordningen,
from `regcat generate-samples --register folkeregisteret --register aordningen`) or
--persons (generated here into a scratch folder), the two registers are ingested and
released into a catalogue in HOME; a HOME already released is reused. Then both JSON
blocks of docs/MONTHLY.md §5 run as written, as a researcher's workspace requests run them
(catalogue.services.workspaces: the catalogue's own secret, ledger and budget), and per
did: the released coefficient at event month 0, its standard error, 95 % interval and N,
next to the estimate before output control (read from the same plan on the analysis
engine, never released). The charts (the means by event month per cohort with their 95 %
band, and the event-study plot) are written to OUT as Vega-Lite JSON, and drawn as SVG
and PNG by the export's renderer (catalogue/export/results/charts.py). Not part of the test
suite.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

DOC = ROOT / "docs" / "MONTHLY.md"
PLANTED = {"timer_off": 1.75, "lonn_off": 3183.0}
REGISTERS = ("folkeregisteret", "aordningen")


def blocks() -> list[dict[str, Any]]:
    section = DOC.read_text(encoding="utf-8").split("## 5.", 1)[1]
    return [json.loads(b) for b in re.findall(r"```json\n(.*?)```", section, re.S)]


def prepare(ctx: Any, samples: Path | None, persons: int) -> None:
    from catalogue.services.publishing import ingest_extract
    from catalogue.services.reading import datastore_summaries
    from catalogue.services.releasing import release_draft
    from catalogue.services.setup import initialise
    from sample_registers.generator import generate_samples

    initialise(ctx)
    if any(s.latest_version for s in datastore_summaries(ctx)):
        print("reusing the released catalogue")
        return
    with tempfile.TemporaryDirectory() as scratch:
        if samples is None:
            started = time.perf_counter()
            generate_samples(Path(scratch), persons=persons, registers=list(REGISTERS))
            samples = Path(scratch)
            print(f"generated {persons:,} persons in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        for name in REGISTERS:
            ingest_extract(ctx, samples / name)
        release_draft(ctx, "The pension-reform study's registers")
        print(f"ingested and released in {time.perf_counter() - started:.0f} s")


def _row(response: dict[str, Any], term: str) -> dict[str, Any] | None:
    for row in response["result"]["rows"]:
        if row["labels"][0] == term:
            values: dict[str, Any] = row["values"]
            return values
    return None


def unperturbed(ctx: Any, block: dict[str, Any]) -> dict[tuple[str, str], tuple[float, float, int]]:
    """Per (y, term) of every did: coefficient and standard error before output control,
    and the units in the model (the analysis engine's plan, as tests/test_monthly_study.py
    reads it; for this printout only)."""
    from catalogue.analysis.step import parse_steps
    from catalogue.analysis.workspace import Workspace
    from catalogue.services import workspaces

    found = {}
    pinned = workspaces.pinned_version(ctx, None, None)
    workspace = Workspace(
        pinned,
        key_cache=workspaces._key_cache(ctx, pinned.datastore),
        scratch=workspaces._analysis_folder(ctx, "spill"),
        facts_folder=workspaces._analysis_folder(ctx, "facts"),
    )
    try:
        workspace.apply(parse_steps(block["steps"]))
        for asked in block["statistics"]:
            ((name, request),) = asked.items()
            if name != "did":
                continue
            plan = workspace.prepare(name, request)
            names = plan.estimate.names
            for at, term in enumerate(names):
                if term.endswith("#0.hendelse"):
                    units = (
                        int(plan.plan.fit.evidence.units)
                        if hasattr(plan.plan.fit.evidence, "units")
                        else -1
                    )
                    found[(request["y"], term)] = (
                        float(plan.estimate.coefficients[at]),
                        float(plan.estimate.std_errors[at]),
                        units,
                    )
    finally:
        workspace.close()
    return found


def draw(chart: dict[str, Any], path: Path) -> None:
    """The chart as SVG and PNG beside its spec, drawn as the export pages draw it."""
    from catalogue.export.results import charts

    stem = str(path).removesuffix(".vl.json")
    if (svg := charts.svg(chart)) is not None:
        Path(stem + ".svg").write_text(svg, encoding="utf-8")
    if (png := charts.png(chart)) is not None:
        Path(stem + ".png").write_bytes(png)


def run_block(ctx: Any, label: str, block: dict[str, Any], out: Path) -> list[dict[str, Any]]:
    from catalogue.services import workspaces

    owner = f"bench-study-{label}-{time.time_ns()}"
    started = time.perf_counter()
    view = workspaces.create_workspace(ctx, owner)
    workspaces.add_steps(ctx, owner, view.handle, block["steps"])
    print(f"[{label}] steps in {time.perf_counter() - started:.0f} s")
    before = unperturbed(ctx, block)
    figures = []
    for number, asked in enumerate(block["statistics"]):
        ((name, request),) = asked.items()
        started = time.perf_counter()
        answer = workspaces.run_statistic(ctx, owner, view.handle, name, request)
        seconds = time.perf_counter() - started
        for k, response in enumerate(answer.items):
            chart = response.get("vega_lite")
            if chart:
                path = out / f"{label}-{number}-{name}-{k}.vl.json"
                path.write_text(json.dumps(chart, ensure_ascii=False, indent=1))
                draw(chart, path)
                print(f"[{label}] {name}: chart {path}")
            if name != "did":
                continue
            y = request["y"]
            term = next((t for (yy, t) in before if yy == y), None)
            row = _row(response, term) if term else None
            if row is None:
                continue  # another item of the answer than the model's coefficients
            b, se, units = before.get((y, term), (float("nan"), float("nan"), -1))
            figure = {
                "study": label,
                "y": y,
                "term": term,
                "planted": PLANTED[y] if label == "reform" else 0.0,
                "unperturbed": {
                    "coefficient": b,
                    "std_error": se,
                    "ci": [b - 1.959964 * se, b + 1.959964 * se],
                },
                "released": row,
                "n": response["result"].get("population"),
                "units_in_model": units,
                "seconds": round(seconds, 1),
            }
            figures.append(figure)
            print(f"[{label}] {json.dumps(figure, ensure_ascii=False)}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--samples", type=Path)
    parser.add_argument("--persons", type=int, default=5_500_000)
    parser.add_argument("--out", type=Path, default=Path("."))
    args = parser.parse_args()

    from catalogue.services.context import Context
    from tests.conftest import make_config

    args.out.mkdir(parents=True, exist_ok=True)
    with Context.open(make_config(args.home)) as ctx:
        prepare(ctx, args.samples, args.persons)
        study, placebo = blocks()
        figures = run_block(ctx, "reform", study, args.out)
        figures += run_block(ctx, "placebo", placebo, args.out)
    (args.out / "figures.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    for f in figures:
        r = f["released"] or {}
        inside = (
            r and r.get("ci_lower") is not None and r["ci_lower"] <= f["planted"] <= r["ci_upper"]
        )
        excludes = r and r.get("ci_lower") is not None and not (r["ci_lower"] <= 0 <= r["ci_upper"])
        print(
            f"{f['study']:8} {f['y']:10} released b={r.get('coefficient')} se={r.get('std_error')} "
            f"ci=[{r.get('ci_lower')}, {r.get('ci_upper')}] holds {f['planted']}: {bool(inside)}; "
            f"excludes 0: {bool(excludes)}; N={f['n']}"
        )


if __name__ == "__main__":
    main()
