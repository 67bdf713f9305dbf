"""A synthetic datastore shaped like microdata.no's: every variable of its catalogue
(sample_registers/microdata/variables.json: names, temporalities, unit types, value types,
periods, code lists) with values made up for the persons of the sample registers.

    generate_microdata(out_dir, persons=2000, population=20000, seed=20261122, years=3)

writes one register folder per datastore (`ssb-fdb` for no.ssb.fdb, `fhi-npr` for
no.fhi.npr) under `out_dir` and returns {datastore: folder}. The persons are every k-th
person of Population(population, seed), the population of the sample registers with the
same arguments, so a person has the same identity number, sex, birth, death, residence,
parents and education here as there. Non-FIXED variables cover the last `years` years of
their period. The same arguments always give byte-identical files.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

from sample_registers.generator.microdata import datastore
from sample_registers.generator.microdata.facts import Variable, variables
from sample_registers.generator.microdata.world import World
from sample_registers.generator.population import Population
from sample_registers.generator.writer import write_register_atomically

DEFAULT_PERSONS = 2_000
DEFAULT_YEARS = 5


def generate_microdata(
    out_dir: Path,
    persons: int = DEFAULT_PERSONS,
    population: int = 20_000,
    seed: int = 20261122,
    years: int = DEFAULT_YEARS,
    progress: Callable[[str, int, int], None] | None = None,
    names: Collection[str] | None = None,
) -> dict[str, Path]:
    """`names`: only these variables (the benchmark's sample); None for all of them."""
    world = World(Population(population, seed), min(persons, population))
    written = {}
    for name in datastore.REGISTER_OF:
        chosen = [
            v for v in variables() if v.datastore == name and (names is None or v.name in names)
        ]
        if not chosen:
            continue

        def build(folder: Path, name: str = name, chosen: list[Variable] = chosen) -> None:
            datastore.write(folder, name, chosen, world, years, progress)

        written[name] = write_register_atomically(Path(out_dir), datastore.REGISTER_OF[name], build)
    return written
