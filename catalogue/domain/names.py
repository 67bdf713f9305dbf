from __future__ import annotations

import re

_DATASET_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_DATASTORE_NAME = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$")


def dataset_name_problem(name: str) -> str | None:
    """Why `name` is not a valid dataset name, or None. Upper-case A-Z0-9_, not starting
    with a digit or an underscore."""
    if not name:
        return "empty"
    if name[0].isdigit() or name[0] == "_":
        return "starts with a digit or underscore"
    if not _DATASET_NAME.match(name):
        return "has characters outside A-Z, 0-9 and _"
    if len(name) > 128:
        return "is longer than 128 characters"
    return None


def is_datastore_name(name: str) -> bool:
    """A reverse domain name such as no.ssb.fdb."""
    return bool(_DATASTORE_NAME.match(name))
