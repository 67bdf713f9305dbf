"""What a format reports when a document does not fit it: marshmallow's ValidationError
(named here, so that the readers of the formats need not import marshmallow) and its nested
messages as flat pairs."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

__all__ = ["ValidationError", "flatten_messages"]


def flatten_messages(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    """marshmallow's nested error dict as (dotted field path, message) pairs."""
    out: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.extend(flatten_messages(value, path))
    elif isinstance(messages, list):
        for item in messages:
            if isinstance(item, dict | list):
                out.extend(flatten_messages(item, prefix))
            else:
                out.append((prefix, str(item)))
    else:
        out.append((prefix, str(messages)))
    return out
