"""Script commands added one module each (docs/SCRIPT_LANGUAGE.md): a module here
registers its handler on the runner's one command table (`scripts._handles`) when it is
imported, and this package imports every module it holds, so adding a command to the
runner is adding its module (the parser already knows every command of the language:
catalogue/script/commands/). scripts.py imports the package at its end, after the table
and the runner's helpers exist."""

from __future__ import annotations

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
