import numpy as np

def add_pairs(
    cell: np.ndarray,
    unit: np.ndarray,
    set_ids: np.ndarray,
    packed_slots: np.ndarray,
    checks: np.ndarray,
    table: np.ndarray,
    cells_per_set: int,
) -> None: ...
