"""marshmallow schemas: every wire and file format, defined once (an import-linter contract
keeps marshmallow out of every other package).

The file formats (register.py, metadata.py, ...) depend on the domain only. The wire formats
of the JSON API are schemas.api, one module per resource; they sit above the services,
whose limits (and the analysis engine's grammar) they publish."""
