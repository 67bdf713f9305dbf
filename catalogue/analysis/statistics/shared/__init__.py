"""What the statistics are built from, and no statistic itself: the view of a workspace's
rows and the two-phase shape (common), a model's design and request (design,
model_request), its rows for output control's checks (model_rows) and the estimators (ols,
glm). A subpackage, so that the registry, which lists the modules of statistics/, skips it."""
