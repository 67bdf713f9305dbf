"""Independent random streams, one per purpose.

Every stream is keyed by the seed and a path of names (register, dataset, purpose), never by
the order in which things are generated. That is what makes a run of one register produce
the same files as a run of all five.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, *names: str) -> np.random.Generator:
    key = tuple(zlib.crc32(name.encode("utf-8")) for name in names)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
