"""require: which datastore, at which MAJOR version, under which alias."""

from __future__ import annotations

from ..arguments import Arguments
from ..nodes import Require
from ..registry import register


@register("datastore", "require", "require <datastore>:<versjon/version> as <alias>")
def require(args: Arguments) -> Require:
    datastore = args.name(
        ("datalagerets navn, f.eks. no.ssb.fdb", "the datastore's name, e.g. no.ssb.fdb")
    )
    args.op(":")
    major = args.number()
    if not major.isdigit():
        args.fail(
            (
                "Versjonen er et helt tall (hovedversjonen)",
                "The version is a whole number (the major version)",
            )
        )
    if not args.keyword("as"):
        args.fail(("Her skal det stå «as <alias>»", "'as <alias>' should stand here"))
    alias = args.name(("et alias, f.eks. db", "an alias, e.g. db"))
    args.end()
    return Require(**args.common(), datastore=datastore, major=int(major), alias=alias)
