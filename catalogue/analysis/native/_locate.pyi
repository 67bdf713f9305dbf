import numpy as np

def locate(
    queries: np.ndarray,
    pseudonyms: np.ndarray,
    starts: np.ndarray,
    members: np.ndarray,
    offset: int,
    bits: int,
    out: np.ndarray,
) -> int: ...
