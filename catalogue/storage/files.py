"""Datastore files on a pyarrow file system: the same layout on local disk and object storage.

Layout under the root:
    <datastore>/revisions/<DATASET>/<revision-key>/...   immutable file set of one revision
    <datastore>/staging/<uuid>/...                         being written; never referenced
A file set is written under staging/ and moved into revisions/ only when complete, so a
crash leaves at worst an unreferenced staging folder, which `sweep_staging` removes.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from catalogue.domain.errors import RegcatError

CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class DatastoreFiles:
    filesystem: pafs.FileSystem
    root: str  # path inside `filesystem`, no trailing slash

    @classmethod
    def open(cls, uri_or_path: str) -> DatastoreFiles:
        """The root, created when missing; a root that cannot be used is a RegcatError that
        names the setting, so the operator gets one line instead of pyarrow's traceback."""
        try:
            if "://" in uri_or_path:
                fs, path = pafs.FileSystem.from_uri(uri_or_path)
            else:
                fs, path = pafs.LocalFileSystem(), uri_or_path
            fs.create_dir(path, recursive=True)
        except (pa.ArrowException, OSError, ValueError) as e:
            raise unusable_datastore_root(uri_or_path, e) from e
        return cls(fs, path.rstrip("/"))

    def path(self, *parts: str) -> str:
        """The full path; `..` steps are resolved here (an appended revision names the files
        it keeps from a sibling folder as `../<key>/...`), since object stores have no `..`."""
        joined = "/".join([self.root, *parts])
        if "/../" not in joined:
            return joined
        resolved = posixpath.normpath(joined)
        return "/" + resolved.lstrip("/") if joined.startswith("/") else resolved

    def unit_ids(self, relatives: Iterable[str]) -> np.ndarray:
        """The distinct unit_id values these Parquet files hold together, sorted."""
        seen: list[np.ndarray] = [np.empty(0, dtype=np.int64)]
        for relative in relatives:
            with self.filesystem.open_input_file(self.path(relative)) as f:
                column = pq.read_table(f, columns=["unit_id"]).column("unit_id")
            seen.append(np.unique(column.to_numpy()))
        return np.unique(np.concatenate(seen))

    # The distinct units of a revision, kept beside the revisions (derived data: not part
    # of any revision's files, and read again from the files when missing). An appended
    # month then counts the units of the whole series from this and the month's own files.

    def _unit_set(self, files_path: str) -> str:
        datastore, _, rest = files_path.partition("/revisions/")
        return f"{datastore}/unit-sets/{rest}.npy"

    def read_unit_set(self, files_path: str) -> np.ndarray | None:
        target = self.path(self._unit_set(files_path))
        if self.filesystem.get_file_info(target).type == pafs.FileType.NotFound:
            return None
        with self.filesystem.open_input_file(target) as f:
            found: np.ndarray = np.load(io.BytesIO(f.read()), allow_pickle=False)
        return found

    def write_unit_set(self, files_path: str, units: np.ndarray) -> None:
        """Written under a temporary name and moved into place, so it is whole or absent."""
        target = self.path(self._unit_set(files_path))
        self.filesystem.create_dir(target.rsplit("/", 1)[0], recursive=True)
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(units, dtype=np.int64), allow_pickle=False)
        temporary = f"{target}.{uuid.uuid4().hex}.tmp"
        with self.filesystem.open_output_stream(temporary) as out:
            out.write(buffer.getvalue())
        self.filesystem.move(temporary, target)

    def new_staging_dir(self, datastore: str) -> str:
        relative = f"{datastore}/staging/{uuid.uuid4().hex}"
        self.filesystem.create_dir(self.path(relative), recursive=True)
        return relative

    def promote(self, staging_relative: str, datastore: str, dataset: str) -> str:
        """Move a finished staging folder to its permanent, never-rewritten place."""
        key = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}"
        final = f"{datastore}/revisions/{dataset}/{key}"
        self.filesystem.create_dir(self.path(f"{datastore}/revisions/{dataset}"), recursive=True)
        self.filesystem.move(self.path(staging_relative), self.path(final))
        return final

    def delete_dir(self, relative: str) -> None:
        target = self.path(relative)
        if self.filesystem.get_file_info(target).type != pafs.FileType.NotFound:
            self.filesystem.delete_dir(target)

    def sweep_staging(self, datastore: str, older_than_seconds: float = 0) -> int:
        """Remove staging folders left by interrupted ingests; returns how many."""
        base = self.path(f"{datastore}/staging")
        if self.filesystem.get_file_info(base).type == pafs.FileType.NotFound:
            return 0
        removed = 0
        now = time.time()
        for info in self.filesystem.get_file_info(pafs.FileSelector(base)):
            mtime = info.mtime.timestamp() if info.mtime else 0
            if info.type == pafs.FileType.Directory and now - mtime >= older_than_seconds:
                self.filesystem.delete_dir(info.path)
                removed += 1
        return removed

    def list_files(self, relative: str) -> list[str]:
        base = self.path(relative)
        selector = pafs.FileSelector(base, recursive=True)
        return sorted(
            info.path[len(base) + 1 :]
            for info in self.filesystem.get_file_info(selector)
            if info.type == pafs.FileType.File
        )

    def sha256(self, relative: str) -> str:
        digest = hashlib.sha256()
        for chunk in self.read_chunks(relative):
            digest.update(chunk)
        return digest.hexdigest()

    def read_chunks(self, relative: str) -> Iterator[bytes]:
        with self.filesystem.open_input_stream(self.path(relative)) as stream:
            while chunk := stream.read(CHUNK):
                yield chunk

    def exists(self, relative: str) -> bool:
        return self.filesystem.get_file_info(self.path(relative)).type != pafs.FileType.NotFound


def unusable_datastore_root(root: str, cause: Exception) -> RegcatError:
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return RegcatError(
        "datastore-root-unusable",
        f"REGCAT_DATASTORE_ROOT kan ikke brukes ({root}): {reason}. Oppgi en mappe regcat "
        "kan skrive i eller en URI pyarrow kjenner (f.eks. s3://bøtte/prefiks), eller la "
        "innstillingen stå tom (da brukes REGCAT_HOME/datastores).",
        f"REGCAT_DATASTORE_ROOT cannot be used ({root}): {reason}. Give a folder regcat can "
        "write to or a URI pyarrow knows (e.g. s3://bucket/prefix), or leave the setting "
        "empty (REGCAT_HOME/datastores is then used).",
        {"root": root, "reason": reason},
        503,
    )
