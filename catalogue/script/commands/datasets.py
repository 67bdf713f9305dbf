"""Several datasets in one script: create-dataset, use, delete-dataset (one name) and
clone-dataset, clone-units, rename-dataset (a name and a new name)."""

from __future__ import annotations

from ..arguments import Arguments
from ..nodes import DatasetCommand
from ..registry import register

_DATASET = ("datasettets navn", "the dataset's name")


@register("datasets", ("create-dataset", "use", "delete-dataset"), "{name} <datasett/dataset>")
def one_dataset(args: Arguments) -> DatasetCommand:
    name = args.name(_DATASET)
    args.end()
    return DatasetCommand(**args.common(), name=name)


@register(
    "datasets",
    ("clone-dataset", "clone-units", "rename-dataset"),
    "{name} <datasett/dataset> <nytt navn/new name>",
)
def two_datasets(args: Arguments) -> DatasetCommand:
    name = args.name(_DATASET)
    target = args.name(("det nye navnet", "the new name"))
    args.end()
    return DatasetCommand(**args.common(), name=name, target=target)
