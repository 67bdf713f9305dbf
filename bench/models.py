"""Each model of the engine against its reference library fitting the same rows, same run.

    python bench/models.py [--persons 5500000] [--home DIR] [--repeat 3] [--only NAME ...]

Builds (or reuses) a released catalogue of PERSONS persons as bench/analysis.py does, then
in one child process per side:

  regcat:    one workspace (the five variables of bench/analysis.py, age, a 0/1 outcome
             `hoy` = wage above 400,000 and a count `antall` = int(wage / 100,000)), and
             each model asked through catalogue.services.workspaces as the API asks it:
             the fit on sufficient statistics, output control, ledger and audit log
             included;
  reference: the same complete cases read once into numpy (the same joins, by DuckDB over
             the released Parquet files; not timed), and each model fitted by the library
             the test suite holds our numbers to (statsmodels; linearmodels for the panel
             model; lifelines for Weibull), with the same kind of standard errors.

Each model runs REPEAT times per side (the sides alternate, each in a fresh process), and
the best and the median count. Prints per model both times, the ratios regcat/reference
(below 1: regcat is faster) and each side's peak memory (the process's high-water mark,
reset before each model). The reference's time is the fit alone, the data already in
memory; regcat's includes reading its rows and output control. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.analysis import GIB, STEPS, _peak_bytes, _reset_peak, prepare  # noqa: E402

EXTRA_STEPS = [
    {"generate": "hoy", "expr": "lonn > 400000"},
    {"generate": "antall", "expr": "int(lonn / 100000)"},
    {"generate": "tid", "expr": "alder + 0.5"},
]
X = ["kjonn", "alder", "i.utdanning"]
# name: (statistic, request); the reference fits the same model in `_reference`.
MODELS: dict[str, tuple[str, dict[str, Any]]] = {
    "regress (HC1)": ("regress", {"y": "lonn", "x": X, "robust": True}),
    "logit": ("logit", {"y": "hoy", "x": X}),
    "probit": ("probit", {"y": "hoy", "x": X}),
    "poisson (HC1)": ("poisson", {"y": "antall", "x": X, "robust": True}),
    "margins (logit)": ("margins", {"y": "hoy", "x": X, "model": "logit"}),
    "negbin": ("negbin", {"y": "antall", "x": X}),
    "regress_panel (fe by kommune)": (
        "regress_panel",
        {"y": "lonn", "x": ["alder", "kjonn"], "entity": "kommune", "method": "fe"},
    ),
    # Time: age + 0.5 (positive), the event: a wage above 400,000.
    "weibull (aft)": ("weibull", {"time": "tid", "event": "hoy", "x": ["kjonn", "i.utdanning"]}),
    "regress_mml (reml by kommune)": (
        "regress_mml",
        {"y": "lonn", "x": ["alder", "kjonn"], "group": "kommune"},
    ),
    "oaxaca (by kjonn)": ("oaxaca", {"y": "lonn", "x": ["alder", "i.utdanning"], "group": "kjonn"}),
}


# --- regcat ------------------------------------------------------------------------------


def run_regcat(home: Path, only: list[str]) -> dict[str, dict[str, float]]:
    from catalogue.services import workspaces
    from catalogue.services.context import Context
    from tests.conftest import make_config

    owner = f"bench-models-{os.getpid()}-{time.time_ns()}"
    found: dict[str, dict[str, float]] = {}
    with Context.open(make_config(home)) as ctx:
        view = workspaces.create_workspace(ctx, owner)
        steps = [step for _, step in STEPS] + EXTRA_STEPS
        workspaces.add_steps(ctx, owner, view.handle, steps)
        for name in only:
            statistic, request = MODELS[name]
            _reset_peak()
            started = time.perf_counter()
            workspaces.run_statistic(ctx, owner, view.handle, statistic, request)
            found[name] = {"seconds": time.perf_counter() - started, "peak": _peak_bytes()}
    return found


# --- reference ---------------------------------------------------------------------------


def _rows(home: Path) -> dict[str, Any]:
    """The complete cases of the models, joined as the workspace joins them."""
    import duckdb

    from catalogue.services.context import Context
    from catalogue.services.workspaces import pinned_version
    from tests.conftest import make_config

    with Context.open(make_config(home)) as ctx:
        pinned = pinned_version(ctx, None, None)

    def scan(name: str) -> str:
        paths = ", ".join(f"'{p}'" for p in pinned.datasets[name].paths)
        return f"read_parquet([{paths}], hive_partitioning = false)"

    con = duckdb.connect(config={"preserve_insertion_order": False})
    return con.sql(
        f"""
        SELECT k.kommune, CAST(s.value AS DOUBLE) AS kjonn, 2020 - year(f.value) AS alder,
               CAST(u.value AS VARCHAR) AS utdanning, CAST(l.value AS DOUBLE) AS lonn
        FROM (SELECT unit_id, CAST(value AS VARCHAR) AS kommune
              FROM {scan("BEFOLKNING_BOSTED_KOMMUNE")}
              WHERE start = DATE '2020-01-01' AND value IS NOT NULL) AS k
        JOIN {scan("BEFOLKNING_KJOENN")} AS s USING (unit_id)
        JOIN {scan("BEFOLKNING_FOEDSELSDATO")} AS f USING (unit_id)
        JOIN (SELECT unit_id, value FROM {scan("NUDB_BU")}
              WHERE start = DATE '2020-10-01') AS u USING (unit_id)
        JOIN (SELECT unit_id, value FROM {scan("INNTEKT_WLONN")}
              WHERE start <= DATE '2020-12-31' AND stop >= DATE '2020-12-31') AS l
             USING (unit_id)
        WHERE s.value IS NOT NULL AND f.value IS NOT NULL AND u.value IS NOT NULL
              AND l.value IS NOT NULL AND isfinite(CAST(l.value AS DOUBLE))
        """
    ).fetchnumpy()


def _reference(rows: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    import numpy as np
    import statsmodels.api as sm

    levels = sorted(set(rows["utdanning"].tolist()), key=float)
    x = np.column_stack(
        [rows["kjonn"], rows["alder"]]
        + [rows["utdanning"] == level for level in levels[1:]]
        + [np.ones(len(rows["lonn"]))]
    ).astype(float)
    lonn = np.asarray(rows["lonn"], dtype=float)
    hoy = (lonn > 400000).astype(float)
    antall = np.floor(lonn / 100000)
    newton = {"disp": 0, "method": "newton", "tol": 1e-10}
    return {
        "regress (HC1)": lambda: sm.OLS(lonn, x).fit(cov_type="HC1"),
        "logit": lambda: sm.Logit(hoy, x).fit(**newton),
        "probit": lambda: sm.Probit(hoy, x).fit(**newton),
        "poisson (HC1)": lambda: sm.Poisson(antall, x).fit(cov_type="HC1", **newton),
        "margins (logit)": lambda: sm.Logit(hoy, x).fit(**newton).get_margeff(),
        "negbin": lambda: sm.NegativeBinomial(antall, x, loglike_method="nb2").fit(
            maxiter=200, **newton
        ),
        "regress_panel (fe by kommune)": lambda: _panel(rows, lonn),
        "weibull (aft)": lambda: _weibull(rows, hoy, levels),
        "regress_mml (reml by kommune)": lambda: _mixed(rows, lonn),
        "oaxaca (by kjonn)": lambda: _oaxaca(rows, lonn, levels),
    }


def _weibull(rows: dict[str, Any], hoy: Any, levels: list[Any]) -> Any:
    """lifelines' WeibullAFTFitter (the test suite's reference) on the same rows."""
    import numpy as np
    import pandas as pd
    from lifelines import WeibullAFTFitter

    columns = {"tid": rows["alder"].astype(float) + 0.5, "hoy": hoy, "kjonn": rows["kjonn"]}
    for level in levels[1:]:
        columns[f"u{level}"] = (rows["utdanning"] == level).astype(float)
    frame = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in columns.items()})
    return WeibullAFTFitter().fit(frame, "tid", "hoy")


def _panel(rows: dict[str, Any], lonn: Any) -> Any:
    """linearmodels' PanelOLS with effects of municipalities (the index made in the run)."""
    import numpy as np
    import pandas as pd
    from linearmodels.panel import PanelOLS

    frame = pd.DataFrame(
        {
            "lonn": lonn,
            "alder": rows["alder"].astype(float),
            "kjonn": rows["kjonn"].astype(float),
            "const": 1.0,
            "entity": rows["kommune"],
            "row": np.arange(len(lonn)),
        }
    ).set_index(["entity", "row"])
    model = PanelOLS(frame["lonn"], frame[["alder", "kjonn", "const"]], entity_effects=True)
    return model.fit(debiased=True)


def _mixed(rows: dict[str, Any], lonn: Any) -> Any:
    """statsmodels' MixedLM (REML, random intercepts by municipality), its own optimiser."""
    import warnings

    import numpy as np
    import statsmodels.api as sm

    x = np.column_stack(
        [rows["alder"].astype(float), rows["kjonn"].astype(float), np.ones(len(lonn))]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.MixedLM(lonn, x, groups=rows["kommune"]).fit(reml=True)


def _oaxaca(rows: dict[str, Any], lonn: Any, levels: list[Any]) -> Any:
    """Each sex's OLS (statsmodels) and its regressors' means and covariance: what the
    decomposition is computed from (tests/test_models_oaxaca.py's reference)."""
    import numpy as np
    import statsmodels.api as sm

    x = np.column_stack(
        [rows["alder"].astype(float)]
        + [(rows["utdanning"] == level).astype(float) for level in levels[1:]]
        + [np.ones(len(lonn))]
    )
    found = []
    for chosen in (rows["kjonn"] == 1, rows["kjonn"] == 2):
        fit = sm.OLS(lonn[chosen], x[chosen]).fit()
        found.append((fit.params, fit.cov_params(), x[chosen].mean(axis=0), np.cov(x[chosen].T)))
    return found


def run_reference(home: Path, only: list[str]) -> dict[str, dict[str, float]]:
    fits = _reference(_rows(home))
    found: dict[str, dict[str, float]] = {}
    for name in only:
        _reset_peak()
        started = time.perf_counter()
        fits[name]()
        found[name] = {"seconds": time.perf_counter() - started, "peak": _peak_bytes()}
    return found


# --- driving -----------------------------------------------------------------------------


def _child(side: str, home: Path, only: list[str]) -> dict[str, dict[str, float]]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", side, "--home", str(home), "--only", *only],
        check=True,
        capture_output=True,
        text=True,
    )
    found: dict[str, dict[str, float]] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=5_500_000)
    parser.add_argument("--home", type=Path, default=None, help="Catalogue to (re)use.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each side.")
    parser.add_argument("--only", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--child", choices=["regcat", "reference"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run = run_regcat if args.child == "regcat" else run_reference
        print(json.dumps(run(args.home, args.only)))
        return
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home or Path(scratch) / "home"
        prepare(home, args.persons)
        runs: dict[str, list[dict[str, dict[str, float]]]] = {"regcat": [], "reference": []}
        for _ in range(args.repeat):
            for side in runs:
                runs[side].append(_child(side, home, args.only))
    print(f"\n{args.persons:,} persons; best and median of {args.repeat} runs per side")
    print(
        f"  {'model':<30} {'regcat best/median s':>22} {'reference best/median s':>27} "
        f"{'ratio best/median':>19} {'peak GiB regcat/ref':>21}"
    )
    for name in args.only:
        ours = [r[name]["seconds"] for r in runs["regcat"]]
        theirs = [r[name]["seconds"] for r in runs["reference"]]
        peak_ours = max(r[name]["peak"] for r in runs["regcat"]) / GIB
        peak_theirs = max(r[name]["peak"] for r in runs["reference"]) / GIB
        best = min(ours) / min(theirs)
        median = statistics.median(ours) / statistics.median(theirs)
        print(
            f"  {name:<30} {min(ours):10.2f} / {statistics.median(ours):8.2f}   "
            f"{min(theirs):12.2f} / {statistics.median(theirs):9.2f}   "
            f"{best:8.2f} / {median:6.2f}   {peak_ours:8.2f} / {peak_theirs:6.2f}"
        )


if __name__ == "__main__":
    main()
