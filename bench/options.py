"""The command line of a benchmark whose options are all whole numbers."""

from __future__ import annotations

import argparse


def whole_numbers(description: str, **defaults: int) -> argparse.Namespace:
    """The parsed command line: an option --NAME (underscores written as hyphens) of type
    int per keyword, its value the default, under `description` in --help."""
    parser = argparse.ArgumentParser(description=description)
    for name, default in defaults.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    return parser.parse_args()
