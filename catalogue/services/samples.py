"""Synthetic sample registers for demos, tests and benchmarks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from catalogue.config import Config
from sample_registers.generator import REGISTERS, generate_samples
from sample_registers.generator.microdata import generate_microdata
from sample_registers.generator.microdata.datastore import REGISTER_OF

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


def write_microdata(
    out_dir: Path,
    persons: int,
    population: int,
    seed: int,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Path]:
    """The microdata.no-shaped datastores for `persons` of the sample registers' population."""
    written = generate_microdata(
        out_dir, persons=persons, population=population, seed=seed, progress=progress
    )
    return list(written.values())


def microdata_dir(config: Config) -> Path:
    """Where `regcat generate-samples` writes the microdata.no-shaped datastores: generated
    data, about 90 MB, so under HOME rather than in the source tree (see
    sample_registers/microdata/README.md)."""
    return config.home / "samples" / "microdata"


def microdata_folders(base: Path) -> list[tuple[str, Path]]:
    """(datastore, register folder) of the generated microdata.no-shaped datastores."""
    found = [(name, base / key) for name, key in REGISTER_OF.items()]
    return [(name, folder) for name, folder in found if (folder / "register.json").exists()]
