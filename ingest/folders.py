"""The check that a folder ingest reads from exists, with the caller's error code and words."""

from __future__ import annotations

from pathlib import Path

from catalogue.domain.errors import RegcatError
from ingest.messages import Both


def existing_folder(path: Path, code: str, words: Both, *, detail: str, http_status: int) -> Path:
    """`path` as a Path when it is a folder. Otherwise raises RegcatError `code` with
    `words` (a template of `{folder}` in bokmål and English), the path under the detail
    `detail`, and `http_status`."""
    path = Path(path)
    if not path.is_dir():
        nb, en = words.nb.format(folder=path), words.en.format(folder=path)
        raise RegcatError(code, nb, en, {detail: str(path)}, http_status=http_status)
    return path
