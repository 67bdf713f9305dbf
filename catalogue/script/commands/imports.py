"""import, import-event and import-panel: variables of the required datastore, by the
dates their temporality asks for (checked by the engine, which knows the temporality)."""

from __future__ import annotations

from ..arguments import Arguments
from ..nodes import Import, ImportEvent, ImportPanel
from ..registry import flags, register


@register(
    "import",
    "import",
    "import <alias>/<VARIABEL> [<dato/date>] [as <navn/name>] [, outer_join]",
    options=flags("outer_join"),
)
def import_variable(args: Arguments) -> Import:
    variable = args.variable()
    at = args.date() if args.is_date() else None
    name = (
        args.name(("et navn etter «as»", "a name after 'as'"))
        if args.keyword("as")
        else variable.name
    )
    args.end()
    return Import(**args.common(), variable=variable, at_date=at, name=name)


@register(
    "import",
    "import-event",
    "import-event <alias>/<VARIABEL> <dato/date> to <dato/date> [as <navn/name>]",
)
def import_event(args: Arguments) -> ImportEvent:
    variable = args.variable()
    start = args.date()
    if not args.keyword("to"):
        args.fail(("Her skal det stå «to <dato>»", "'to <date>' should stand here"))
    end = args.date()
    if end < start:
        args.fail(
            (
                f"Perioden slutter ({end}) før den begynner ({start})",
                f"The period ends ({end}) before it starts ({start})",
            )
        )
    name = (
        args.name(("et navn etter «as»", "a name after 'as'"))
        if args.keyword("as")
        else variable.name
    )
    args.end()
    return ImportEvent(**args.common(), variable=variable, start=start, end=end, name=name)


@register(
    "import",
    "import-panel",
    "import-panel <alias>/<VARIABEL> [<VARIABEL> …] <dato/date> [<dato/date> …]",
)
def import_panel(args: Arguments) -> ImportPanel:
    variables = [args.variable()]
    while not args.done() and not args.is_date():
        variables.append(args.variable())
    dates = [args.date()]
    while not args.done():
        dates.append(args.date())
    return ImportPanel(**args.common(), variables=tuple(variables), dates=tuple(dates))
