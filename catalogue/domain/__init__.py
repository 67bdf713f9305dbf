"""The concepts of regcat (docs/ARCHITECTURE.md §2–3) in plain Python: no framework, no I/O
libraries."""
