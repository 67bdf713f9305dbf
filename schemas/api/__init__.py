"""Shapes shared by every operation of the JSON API (/api/v1): the one error body and the
timestamp field. The operations' own request and response schemas live with their routes
in catalogue.web; these are the parts they all have in common."""
