"""Units' record keys for output control, computed once per unit and kept in a positional
store: record_keys.py computes them, store.py keeps them (append-only, on disk, shared by
every workspace of a process), lookup.py finds units' positions in it (compiled, with a
numpy reference), and rows.py gives each row of a workspace its units' positions once per
generation of rows. Statistics hand output control positions, never pseudonyms."""
