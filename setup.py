"""The C extensions (catalogue/analysis/output_control/_loops.c: fingerprints;
catalogue/analysis/_locate.c: key store positions); everything else about the package is in
pyproject.toml. Optional: without a C compiler the install still succeeds and numpy versions
of the same loops run instead."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "catalogue.analysis.output_control._loops",
            sources=["catalogue/analysis/output_control/_loops.c"],
            depends=["catalogue/analysis/_buffers.h"],
            extra_compile_args=["-O3"],
            optional=True,
        ),
        Extension(
            "catalogue.analysis._locate",
            sources=["catalogue/analysis/_locate.c"],
            depends=["catalogue/analysis/_buffers.h"],
            extra_compile_args=["-O3"],
            optional=True,
        ),
    ]
)
