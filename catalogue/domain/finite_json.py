"""JSON that holds finite numbers only. `NaN` and `Infinity` are no JSON (RFC 8259), and a
released result never holds one (output_control/release.py withholds it before it is
minted); every JSON the service writes (API responses, streamed script lines, the audit
log) is written by `dumps`, which refuses them, and when a document holds one anyway
writes it withheld (null) rather than failing the request (HTTP 500) or writing a token a
client cannot read."""

from __future__ import annotations

import json
import math
from typing import Any


def withheld(value: Any) -> Any:
    """`value` (decoded JSON: dicts, lists and plain values) with every float that is NaN
    or ±∞ as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: withheld(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [withheld(v) for v in value]
    return value


def dumps(value: Any, **options: Any) -> str:
    """json.dumps with allow_nan=False; a document holding a NaN or ±∞ (anywhere, also in
    what `default` makes of an object) is written with it as null."""
    options.pop("allow_nan", None)
    try:
        return json.dumps(value, allow_nan=False, **options)
    except ValueError as error:
        if "JSON compliant" not in str(error):
            raise
    plain = json.loads(json.dumps(value, default=options.get("default")))
    return json.dumps(withheld(plain), allow_nan=False, **options)
