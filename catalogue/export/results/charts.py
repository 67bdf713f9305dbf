"""A released chart drawn as SVG on the server, from the Vega-Lite spec released beside the
result, with vl-convert (Vega's own renderer, bundled in the wheel: nothing is fetched at
run time, and the browser needs no JavaScript to see the chart).

The spec is the one the audit log keeps (its data are the published values only), so the
picture can show nothing the JSON answer did not. A spec the renderer refuses gives None:
the page then shows the table and the spec's download, never an error of its own."""

from __future__ import annotations

import json
from typing import Any

# The spec may name a remote data URL or image only if someone wrote one into it; ours
# carry their values inline. Refuse anything else so a render never reaches the network.
_REMOTE_KEYS = ("url",)


def _inline_only(spec: Any) -> bool:
    if isinstance(spec, dict):
        return all(k not in _REMOTE_KEYS and _inline_only(v) for k, v in spec.items())
    if isinstance(spec, list):
        return all(_inline_only(v) for v in spec)
    return True


def svg(spec: dict[str, Any]) -> str | None:
    """The chart as an SVG document, or None if it cannot be drawn here."""
    drawn = _draw(spec, "svg")
    return drawn if isinstance(drawn, str) else None


def png(spec: dict[str, Any]) -> bytes | None:
    """The chart as a PNG image (twice the spec's size, sharp enough to print), or None."""
    drawn = _draw(spec, "png")
    return drawn if isinstance(drawn, bytes) else None


def _draw(spec: dict[str, Any], fmt: str) -> str | bytes | None:
    if not _inline_only(spec):
        return None
    import vl_convert  # loaded on first use: a reading command never pays for it

    plain = json.loads(json.dumps(spec))
    try:
        if fmt == "png":
            image: bytes = vl_convert.vegalite_to_png(plain, scale=2)
            return image
        drawn: str = vl_convert.vegalite_to_svg(plain)
    except (ValueError, RuntimeError):  # vl-convert raises ValueError on a bad spec
        return None
    return drawn
