"""The app's JSON provider: Flask's, writing finite numbers only (catalogue.domain.finite_json).
Flask's own writes a NaN as the token `NaN`, which is no JSON: a client's parser fails on
the whole response. No response may hold one (a released result is finite by
construction); should one anyway, it is written as null (withheld), never a 500."""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider

from catalogue.domain.finite_json import dumps


class FiniteJSONProvider(DefaultJSONProvider):
    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return dumps(obj, **kwargs)
