"""The C extensions, all in catalogue/analysis/native/ (native/_loops.c: output control's
inner loops; native/_locate.c: key store positions); everything else about the package is in
pyproject.toml. Optional: without a C compiler the install still succeeds and numpy versions
of the same loops run instead."""

from setuptools import Extension, setup

NATIVE = "catalogue/analysis/native"

setup(
    ext_modules=[
        Extension(
            f"catalogue.analysis.native.{name}",
            sources=[f"{NATIVE}/{name}.c"],
            depends=[f"{NATIVE}/_buffers.h"],
            extra_compile_args=["-O3"],
            optional=True,
        )
        for name in ("_loops", "_locate")
    ]
)
