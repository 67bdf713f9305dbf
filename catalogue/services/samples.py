"""Synthetic sample registers for demos, tests and benchmarks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sample_registers.generator import REGISTERS, generate_samples

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "sample_registers"


def write_samples(
    out_dir: Path,
    persons: int,
    seed: int,
    registers: Sequence[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Path]:
    return generate_samples(
        out_dir, persons=persons, seed=seed, registers=registers, progress=progress
    )


def sample_register_folders(base: Path = SAMPLES_DIR) -> list[Path]:
    """The committed sample registers, in the order they should be ingested."""
    return [base / name for name in REGISTERS if (base / name / "register.json").exists()]
