"""Statistics on a workspace's rows, one module each (catalogue/analysis/statistic.py): every
module here declares STATISTIC and is found by listing the package; what they share is the
subpackage `shared`. A statistic reads the unit-level aggregates it needs from DuckDB
(phase 1) and returns a plan whose `release` passes them through output control; only its
ControlledResults leave."""
