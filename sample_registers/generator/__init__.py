"""Deterministic synthetic sample registers in microdata.no's extract format.

    generate_samples(out_dir, persons=20000, seed=20261122, registers=None, progress=None)

writes one folder per register (folkeregisteret, nudb, inntekt, kreftregisteret, npr,
aordningen) under `out_dir` and returns them. The same arguments always give byte-identical files, and a
register comes out the same whether it is generated alone or with the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from sample_registers.generator import (
    aordningen,
    folkeregisteret,
    inntekt,
    kreftregisteret,
    npr,
    nudb,
)
from sample_registers.generator.output import RegisterOutput
from sample_registers.generator.population import Population
from sample_registers.generator.writer import write_register_atomically

_MODULES: dict[str, ModuleType] = {
    m.NAME: m for m in (folkeregisteret, nudb, inntekt, kreftregisteret, npr, aordningen)
}
REGISTERS: tuple[str, ...] = tuple(_MODULES)

DEFAULT_PERSONS = 20_000
DEFAULT_SEED = 20261122


def generate_samples(
    out_dir: Path,
    persons: int = DEFAULT_PERSONS,
    seed: int = DEFAULT_SEED,
    registers: Sequence[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Path]:
    """Write the chosen registers (all when None) and return their folders, in the order
    asked. progress(register, datasets_done, datasets_total) is called as datasets finish."""
    chosen = list(REGISTERS if registers is None else registers)
    unknown = [r for r in chosen if r not in _MODULES]
    if unknown:
        raise ValueError(f"unknown registers {unknown}; choose from {list(REGISTERS)}")
    out_dir = Path(out_dir)
    population = Population(persons, seed)
    written = []
    for name in chosen:
        module = _MODULES[name]

        def build(folder: Path, module: ModuleType = module) -> None:
            out = RegisterOutput(folder, module.REGISTER, len(module.DATASETS), progress)
            module.write(population, out)

        written.append(write_register_atomically(out_dir, name, build))
    return written
