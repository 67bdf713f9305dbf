"""Every request and response schema of the JSON API (/api/v1), one module per resource
(datastores, variables, workspaces, export_requests, users, tokens, institutions), with the
parts they share: the one error body (errors.py), the strict field types (fields.py) and a
statistic's released results (results.py, budget.py). The web blueprints import them from
here; none declares a schema of its own or takes one from another blueprint."""
