"""The one C extension (see catalogue/analysis/output_control/_iblt.c); everything else about
the package is in pyproject.toml. Optional: without a C compiler the install still succeeds
and a numpy version of the same loop runs instead."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "catalogue.analysis.output_control._iblt",
            sources=["catalogue/analysis/output_control/_iblt.c"],
            extra_compile_args=["-O3"],
            optional=True,
        )
    ]
)
