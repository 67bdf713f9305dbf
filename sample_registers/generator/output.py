"""What a register module writes into: its folder, its manifest and its datasets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sample_registers.generator.metadata import Dataset, Register
from sample_registers.generator.writer import DatasetFiles, json_bytes

Progress = Callable[[str, int, int], None]


class RegisterOutput:
    """Writes register.json and one dataset at a time; reports each finished dataset as
    progress(register, datasets_done, datasets_total)."""

    def __init__(
        self, folder: Path, register: Register, total: int, progress: Progress | None
    ) -> None:
        self.folder = folder
        self.register = register
        self.total = total
        self.done = 0
        self._progress = progress
        (folder / "register.json").write_bytes(json_bytes(register.manifest()))
        self._report()

    def dataset(self, spec: Dataset) -> DatasetFiles:
        """Files of one dataset, to be used as a context manager."""
        return _ReportingFiles(self, spec)

    def finished(self) -> None:
        self.done += 1
        self._report()

    def _report(self) -> None:
        if self._progress is not None:
            self._progress(self.register.register, self.done, self.total)


class _ReportingFiles(DatasetFiles):
    def __init__(self, owner: RegisterOutput, spec: Dataset) -> None:
        super().__init__(owner.folder, spec.name, spec.document())
        self._owner = owner

    def close(self) -> None:
        super().close()
        self._owner.finished()
