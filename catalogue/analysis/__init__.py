"""Analysis under output control (docs/ARCHITECTURE.md §7): the workspace engine and the
output-control layer that alone can turn unit-level aggregates into a releasable result."""

import os

import numpy._core.multiarray as _multiarray

# numpy asks the kernel for transparent huge pages for every array of 4 MB or more. Where
# huge pages come at fault time (THP "madvise", the usual Debian default; measured on our
# virtual machines) the first touch of such an array then costs about 5 times as much:
# fetching 5.5 million values from DuckDB took 0.18 s instead of 0.04 s, converting them
# 0.15 s instead of 0.02 s. Statistics allocate arrays like these on every request, so the
# engine turns the advice off unless numpy's own NUMPY_MADVISE_HUGEPAGE says otherwise.
_set_madvise_hugepage = getattr(_multiarray, "_set_madvise_hugepage", None)
if "NUMPY_MADVISE_HUGEPAGE" not in os.environ and _set_madvise_hugepage is not None:
    _set_madvise_hugepage(False)
