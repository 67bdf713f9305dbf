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
def all_distinct(ids: np.ndarray, most_bits: int) -> bool | None: ...
def cell_aggregates(
    cell: np.ndarray,
    unit: np.ndarray,
    values: np.ndarray,
    record_keys: np.ndarray,
    set_ids: np.ndarray,
    packed_slots: np.ndarray,
    checks: np.ndarray,
    counts: np.ndarray,
    key_sums: np.ndarray,
    nonzero_counts: np.ndarray,
    nonzero_key_sums: np.ndarray,
    sums: np.ndarray,
    totals: np.ndarray,
    largest: np.ndarray,
    largest_at: np.ndarray,
    rest: np.ndarray,
    digests: np.ndarray,
    unit_table: np.ndarray,
    pair_table: np.ndarray,
) -> None: ...
def cell_magnitudes(
    cell: np.ndarray,
    values: np.ndarray,
    unit: np.ndarray,
    set_ids: np.ndarray,
    totals: np.ndarray,
    largest: np.ndarray,
    largest_at: np.ndarray,
    rest: np.ndarray,
    digests: np.ndarray,
) -> None: ...
def model_rows(
    row_pattern: np.ndarray,
    unit: np.ndarray,
    outcome: np.ndarray,
    set_ids: np.ndarray,
    record_keys: np.ndarray,
    pattern_hash: np.ndarray,
    rows: np.ndarray,
    keys: np.ndarray,
    inside_value: float,
) -> tuple[int, int, int]: ...
def row_pair_fingerprint(
    row_pattern: np.ndarray,
    unit: np.ndarray,
    outcome: np.ndarray,
    set_ids: np.ndarray,
    pattern_hash: np.ndarray,
    clusters: np.ndarray,
    table: np.ndarray,
) -> None: ...
def row_pair_fingerprints(
    row_pattern: np.ndarray,
    unit: np.ndarray,
    outcome: np.ndarray,
    set_ids: np.ndarray,
    pattern_hash: np.ndarray,
    clusters: np.ndarray,
    clustered: np.ndarray,
    tables: np.ndarray,
) -> None: ...
def majority(values: np.ndarray) -> float: ...
def unit_hashes(
    set_ids: np.ndarray, packed_slots: np.ndarray, checks: np.ndarray, cells_per_partition: int
) -> None: ...
def peel_difference(
    released_counts: np.ndarray,
    released_id_xor: np.ndarray,
    released_check_xor: np.ndarray,
    new_counts: np.ndarray,
    new_id_xor: np.ndarray,
    new_check_xor: np.ndarray,
    most_touched: int,
    below: int,
    elements: np.ndarray,
) -> int: ...
def weight_tops(elements: np.ndarray, tops: np.ndarray) -> None: ...
def merge_fingerprints(
    target: np.ndarray,
    counts: np.ndarray,
    id_xor: np.ndarray,
    check_xor: np.ndarray,
    out_counts: np.ndarray,
    out_id_xor: np.ndarray,
    out_check_xor: np.ndarray,
) -> None: ...
def segment_modes(
    keys: np.ndarray, bounds: np.ndarray, modes: np.ndarray, off: np.ndarray
) -> None: ...
