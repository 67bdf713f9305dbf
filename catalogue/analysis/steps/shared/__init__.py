"""What the step verbs are built from, and no verb itself: what an import means by
temporality (import_queries) and how one is applied (importing), links between units
(linking), groups (grouping), panels (panels), new columns (columns) and expressions in a
workspace's columns (expression_bridge). A subpackage, so that the registry, which lists the
modules of steps/, skips it."""
