"""What the rdd tests share: the sharp and fuzzy designs' request on the issue workspace
(lonn on alder, the cutoff at 40 and the bandwidth 8.5) and the treatment they generate.

A builder, not a fixture: each test still names every field that makes its case (kernel,
bias bandwidth, cluster, treatment, covariates, vce), and the product's answer is checked
against the reference in the test itself."""

from __future__ import annotations

from typing import Any, TypeVar

from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace

CUTOFF = 40.0
BANDWIDTH = 8.5
# The sharp and the fuzzy design against their references: (kernel, with the covariate kjonn)
KERNEL_CASES = [("triangular", False), ("uniform", False), ("triangular", True)]
# Treated: most men at or above the cutoff, some people below it (born in the first months)
FUZZY = (
    '(alder >= 40 and kjonn == "1") or (alder >= 40 and month(fodselsdato) <= 6) '
    "or (alder < 40 and month(fodselsdato) <= 2)"
)


def rdd_request(
    *, b: float | None = None, cluster: str | None = None, **fields: Any
) -> dict[str, Any]:
    """The rdd request: y lonn, running alder, cutoff and bandwidth, then `fields` as
    given (kernel, inference, treatment, x, vce …); `bias_bandwidth` and `cluster` only
    when given (None leaves them out, so the product's default is what is tested)."""
    request: dict[str, Any] = {
        "y": "lonn",
        "running": "alder",
        "cutoff": CUTOFF,
        "bandwidth": BANDWIDTH,
        **fields,
    }
    if b is not None:
        request["bias_bandwidth"] = b
    if cluster is not None:
        request["cluster"] = cluster
    return request


Plan = TypeVar("Plan")


def prepared(ws: Workspace, request: dict[str, Any], kind: type[Plan]) -> Plan:
    """rdd prepared for `request`, asserted to be the design's plan `kind`."""
    plan = ws.prepare("rdd", request)
    assert isinstance(plan, kind)
    return plan


def with_treatment(ws: Workspace) -> Workspace:
    """The fuzzy design's treatment `behandlet` (1 where FUZZY holds) generated in `ws`."""
    ws.apply(parse_steps([{"generate": "behandlet", "expr": f"cond({FUZZY}, 1, 0)"}]))
    return ws
