"""The commands that make, change and remove variables: generate, replace, recode,
rename, clone-variables, drop, keep, destring and sample."""

from __future__ import annotations

from ..arguments import Arguments
from ..line import Group, Item, Word
from ..nodes import (
    CloneVariables,
    Command,
    Destring,
    Filter,
    Generate,
    Recode,
    RecodeRule,
    Rename,
    Sample,
    SelectVariables,
)
from ..registry import flags, register, valued


@register(
    "variables",
    ("generate", "replace"),
    "{name} <navn/name> = <uttrykk/expression> [if <betingelse/condition>]",
    condition=True,
)
def generate(args: Arguments) -> Generate:
    name = args.name(("variabelens navn", "the variable's name"))
    args.op("=")
    expression = args.expression()
    return Generate(**args.common(), name=name, expression=expression)


@register(
    "variables",
    "recode",
    "recode <variabler/variables> (<regel/rule> = <verdi/value>) … [if <betingelse/condition>] [, prefix() generate()]",
    options=valued("prefix", "generate"),
    condition=True,
)
def recode(args: Arguments) -> Recode:
    variables = args.names()
    rules: list[RecodeRule] = []
    while not args.done():
        rules.append(_rule(args, args.group()))
    if not rules:
        args.fail(
            (
                "Minst én regel i parentes trengs, f.eks. «(1/5 = 1)»",
                "At least one rule in parentheses is needed, e.g. '(1/5 = 1)'",
            )
        )
    return Recode(**args.common(), variables=variables, rules=tuple(rules))


def _rule(args: Arguments, group: Group) -> RecodeRule:
    """`(1 2 = 1)`, `(3/5 = 2)`, `(min/17 = 1)`, `("A" = 1)`, `(else = 9)`, `(missing = .)`"""
    items = list(group.items)
    split = next((i for i, it in enumerate(items) if isinstance(it, Word) and it.text == "="), None)
    target_items = items[split + 1 :] if split is not None else []
    if not split or not _target(target_items):
        args.fail(
            (
                "En regel skrives «(kilder = verdi)», f.eks. «(1/5 = 1)»",
                "A rule is written '(sources = value)', e.g. '(1/5 = 1)'",
            ),
            args.position(group.start),
        )
    assert split is not None
    target = "".join(w.text for w in target_items if isinstance(w, Word))
    left = items[:split]
    sources: list[str] = []
    index = 0
    while index < len(left):
        low, index = _source_value(args, left, index)
        if index < len(left) and isinstance(slash := left[index], Word) and slash.text == "/":
            high, index = _source_value(args, left, index + 1)
            low = f"{low}/{high}"
        sources.append(low)
    return RecodeRule(tuple(sources), target)


def _source_value(args: Arguments, items: list[Item], index: int) -> tuple[str, int]:
    """One number (a leading minus allowed), code, `min`, `max`, `else` or `missing`."""
    sign = ""
    if index < len(items) and isinstance(minus := items[index], Word) and minus.text == "-":
        sign, index = "-", index + 1
    item = items[index] if index < len(items) else None
    if not isinstance(item, Word) or item.kind == "OP":
        at = args.position(item.start) if item is not None else args.here
        args.fail(
            (
                "En kilde er et tall, en kode, et intervall (1/5, min/17) eller else/missing",
                "A source is a number, a code, a range (1/5, min/17) or else/missing",
            ),
            at,
        )
    return sign + item.text, index + 1


def _target(items: list[Item]) -> bool:
    """A number, a quoted text, `.` (missing), or a negative number."""
    if len(items) == 1:
        word = items[0]
        return isinstance(word, Word) and (word.kind in ("NUMBER", "STRING") or word.text == ".")
    return (
        len(items) == 2
        and isinstance(items[0], Word)
        and items[0].text == "-"
        and isinstance(items[1], Word)
        and items[1].kind == "NUMBER"
    )


@register("variables", "rename", "rename <gammelt navn/old name> <nytt navn/new name>")
def rename(args: Arguments) -> Rename:
    old = args.name(("det gamle navnet", "the old name"))
    new = args.name(("det nye navnet", "the new name"))
    args.end()
    return Rename(**args.common(), old=old, new=new)


@register(
    "variables",
    "clone-variables",
    "clone-variables <a> [-> <b>] … [, prefix() suffix()]",
    options=valued("prefix", "suffix"),
)
def clone_variables(args: Arguments) -> CloneVariables:
    pairs: list[tuple[str, str | None]] = []
    while not args.done():
        source = args.name(("et variabelnavn", "a variable name"))
        target = None
        if args.is_op("->"):
            args.op("->")
            target = args.name(("det nye navnet etter «->»", "the new name after '->'"))
        pairs.append((source, target))
    if not pairs:
        args.fail(("Minst én variabel trengs", "At least one variable is needed"))
    return CloneVariables(**args.common(), pairs=tuple(pairs))


@register(
    "variables",
    ("drop", "keep"),
    "{name} <variabler/variables>  |  {name} if <betingelse/condition>",
    condition=True,
)
def select(args: Arguments) -> Command:
    common = args.common()
    if common["condition"] is not None:
        args.end()
        return Filter(**common)
    names = args.names()
    args.end()
    return SelectVariables(**common, names=names)


@register(
    "variables",
    "destring",
    "destring <variabler/variables> [, force ignore() dpcomma]",
    options={**flags("force", "dpcomma"), **valued("ignore")},
)
def destring(args: Arguments) -> Destring:
    variables = args.names()
    args.end()
    return Destring(**args.common(), variables=variables)


@register("variables", "sample", "sample <antall eller andel/count or fraction> <frø/seed>")
def sample(args: Arguments) -> Sample:
    amount = args.number()
    seed = args.number()
    args.end()
    value = float(amount)
    if value <= 0 or (value >= 1 and not value.is_integer()) or not seed.lstrip("-").isdigit():
        args.fail(
            (
                "Antallet er et helt tall ≥ 1 eller en andel mellom 0 og 1, og frøet et helt tall",
                "The count is a whole number ≥ 1 or a fraction between 0 and 1, and the seed a whole number",
            ),
            args.common()["at"],
        )
    return Sample(**args.common(), amount=value, seed=int(seed))
