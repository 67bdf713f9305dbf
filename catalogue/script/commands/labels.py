"""Value labels: define-labels, assign-labels, drop-labels and list-labels."""

from __future__ import annotations

from ..arguments import Arguments
from ..line import Word
from ..nodes import AssignLabels, DefineLabels, DropLabels, ListLabels
from ..registry import register

_LIST = ("navnet på en etikettliste", "the name of a label list")


@register("labels", "define-labels", 'define-labels <liste/list> <verdi/value> "<etikett/label>" …')
def define_labels(args: Arguments) -> DefineLabels:
    name = args.name(_LIST)
    pairs: list[tuple[str, str]] = []
    while not args.done():
        value = args.take()
        label = args.take()
        if not (isinstance(value, Word) and value.kind in ("NUMBER", "STRING", "NAME")) or not (
            isinstance(label, Word) and label.kind in ("STRING", "NAME", "NUMBER")
        ):
            args.fail(
                (
                    'Verdier og etiketter kommer i par: 1 "Mann" 2 "Kvinne"',
                    'Values and labels come in pairs: 1 "Mann" 2 "Kvinne"',
                ),
                args.position(value.start),
            )
        pairs.append((value.value, label.value))
    if not pairs:
        args.fail(('Minst ett par trengs: 1 "Mann"', 'At least one pair is needed: 1 "Mann"'))
    return DefineLabels(**args.common(), name=name, pairs=tuple(pairs))


@register("labels", "assign-labels", "assign-labels <variabel/variable> <liste/list>")
def assign_labels(args: Arguments) -> AssignLabels:
    variable = args.name(("et variabelnavn", "a variable name"))
    name = args.name(_LIST)
    args.end()
    return AssignLabels(**args.common(), variable=variable, name=name)


@register("labels", "drop-labels", "drop-labels <liste/list> …")
def drop_labels(args: Arguments) -> DropLabels:
    names = args.names(what=("etikettlister", "label lists"))
    args.end()
    return DropLabels(**args.common(), names=names)


@register(
    "labels",
    "list-labels",
    "list-labels <liste/list>  |  list-labels <alias>/<VARIABEL> [<dato/date>]",
)
def list_labels(args: Arguments) -> ListLabels:
    target = args.variable()
    at = args.date() if args.is_date() else None
    args.end()
    return ListLabels(**args.common(), target=target, at_date=at)
