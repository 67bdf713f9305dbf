"""marshmallow schemas: every wire and file format, defined once. Depends on the domain only."""
