"""The concepts of regcat (DESIGN §2–3) in plain Python: no framework, no I/O libraries."""
