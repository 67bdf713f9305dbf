"""Statistics on a workspace's rows. Each module reads the unit-level aggregates a statistic
needs from DuckDB (`prepare_*`) and returns a Prepared whose `release` passes them through
output control; only its ControlledResults leave."""
