"""Index generations: every rebuild writes a new folder and then swaps a one-line pointer
file, so a reader opens either the old complete index or the new complete index, never a
half-built one.

    <index_dir>/CURRENT          name of the live generation
    <index_dir>/gen-<stamp>-<id>/ one complete index (tantivy files + labels.json)
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

POINTER = "CURRENT"
_PREFIX = "gen-"
_LOCK = ".rebuild.lock"
_KEEP = 2  # the live generation and the one before, for readers that still hold it open


def current_generation(root: Path) -> Path | None:
    """The live generation's folder, or None before the first build."""
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    folder = root / name
    return folder if name.startswith(_PREFIX) and folder.is_dir() else None


def pointer_stamp(root: Path) -> tuple[int, int] | None:
    """Changes whenever the pointer is swapped: lets readers notice a rebuild cheaply."""
    try:
        st = os.stat(root / POINTER)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns)


def publish_generation(root: Path, build: Callable[[Path], object]) -> Path:
    """Run `build` on a new, empty generation folder and make it live when it returns.
    Rebuilds on the same machine take turns (a lock file), so the last one to start is
    the last to publish. If `build` fails, the live generation stays as it was."""
    root.mkdir(parents=True, exist_ok=True)
    with _rebuild_lock(root):
        folder = root / f"{_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        folder.mkdir()
        try:
            build(folder)
            _fsync_tree(folder)
            _swap_pointer(root, folder.name)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        _prune(root, folder.name)
        return folder


def _swap_pointer(root: Path, name: str) -> None:
    tmp = root / f".{POINTER}.{uuid.uuid4().hex[:8]}"
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(name + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, root / POINTER)  # atomic on POSIX: readers see old or new, never neither
    _fsync_dir(root)


def _prune(root: Path, live: str) -> None:
    generations = sorted(
        (p for p in root.iterdir() if p.is_dir() and p.name.startswith(_PREFIX)),
        key=lambda p: p.stat().st_mtime_ns,
        reverse=True,
    )
    keep = {live, *(p.name for p in generations[:_KEEP])}
    for p in generations:
        if p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)


@contextmanager
def _rebuild_lock(root: Path) -> Iterator[None]:
    with open(root / _LOCK, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
