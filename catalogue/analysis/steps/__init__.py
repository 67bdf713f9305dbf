"""The step verbs, one module each (catalogue/analysis/step.py says what a verb module
declares). The registry is this package's modules: a module added here is a verb of the
API, the OpenAPI description and the step reference, with no other edit. A module that
declares two spellings of one step (keep/drop) does so because they share their parser and
their application.

Each step builds a new table from the old one, or new columns of it (the old stays until
the whole request succeeds). No step looks at how many units it changes, and none refuses,
warns or takes another path because of what the data hold (OUTPUT_CONTROL.md §1.5): every
refusal is about the request itself (a name in use, an expression that does not parse or
has the wrong type, a variable of the wrong kind) or about the variables' metadata (their
kind, their code list). A value that cannot be converted gives a missing value, as in
microdata.no. Version 1's rule that a filter or derived variable must change at least 10
units or none is withdrawn: its refusal told whether a small set was empty. What a step
changes is protected where it shows, at release: by noise keyed on the units and their
values, and by the differencing guard."""
