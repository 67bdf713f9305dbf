"""The step verbs, one module each (catalogue/analysis/step.py says what a verb module
declares). The registry is this package's modules: a module added here is a verb of the
API, the OpenAPI description and the step reference, with no other edit. A module that
declares two spellings of one step (keep/drop) does so because they share their parser and
their application."""
