"""Analysis under output control (DESIGN §7): the workspace engine and the output-control
layer that alone can turn unit-level aggregates into a releasable result."""
