"""Persistence: the catalogue database (SQLAlchemy) and the datastore files (pyarrow fs).
SQL lives only here."""
