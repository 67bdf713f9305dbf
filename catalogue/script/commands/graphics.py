"""Charts: barchart (with a statistic in parentheses), boxplot, histogram, hexbin,
piechart, sankey, meanplot (a regcat extension: means over time with a 95 % band), and
coefplot of a regression written after it."""

from __future__ import annotations

from ..arguments import Arguments
from ..errors import script_error
from ..line import Group
from ..nodes import Chart, Coefplot, Model
from ..registry import COMMANDS, flags, register, valued
from .restructure import statistic_in_parentheses


@register(
    "graphics",
    "barchart",
    "barchart [(<statistikk/statistic>)] <variabler/variables> [, over() by() stack horizontal]",
    options={**valued("over", "by"), **flags("stack", "horizontal")},
    condition=True,
)
def barchart(args: Arguments) -> Chart:
    statistic = None
    if isinstance(args.peek(), Group):
        statistic = statistic_in_parentheses(args)
    variables = args.names()
    args.end()
    return Chart(**args.common(), variables=variables, statistic=statistic)


def _chart(args: Arguments, least: int = 1, most: int | None = None) -> Chart:
    variables = args.names(least=least)
    if most is not None and len(variables) > most:
        args.fail(
            (
                f"Kommandoen tar høyst {most} variabler",
                f"The command takes at most {most} variables",
            )
        )
    args.end()
    return Chart(**args.common(), variables=variables)


@register(
    "graphics",
    "boxplot",
    "boxplot <variabler/variables> [, over() horizontal]",
    options={**valued("over"), **flags("horizontal")},
    condition=True,
)
def boxplot(args: Arguments) -> Chart:
    return _chart(args)


@register(
    "graphics",
    "histogram",
    "histogram <variabel/variable> [, by() density freq percent bin() width() normal discrete]",
    options={
        **valued("by", "bin", "width"),
        **flags("density", "freq", "percent", "normal", "discrete"),
    },
    condition=True,
)
def histogram(args: Arguments) -> Chart:
    return _chart(args, 1, 1)


@register(
    "graphics",
    "hexbin",
    "hexbin <y> <x> [, gridsize() groups()]",
    options=valued("gridsize", "groups"),
    condition=True,
)
def hexbin(args: Arguments) -> Chart:
    return _chart(args, 2, 2)


@register("graphics", "piechart", "piechart <variabel/variable>", condition=True)
def piechart(args: Arguments) -> Chart:
    return _chart(args, 1, 1)


@register("graphics", "sankey", "sankey <variabler/variables>", condition=True)
def sankey(args: Arguments) -> Chart:
    return _chart(args, 2)


@register(
    "graphics",
    "meanplot",
    "meanplot <y> <tid/time> [if <betingelse/condition>] [, by(<gruppe/group>)]",
    options=valued("by"),
    condition=True,
)
def meanplot(args: Arguments) -> Chart:
    """A regcat extension (microdata.no's language has no such chart): the mean of y by
    the time variable, one line per group of by(), each with its 95 % band."""
    return _chart(args, 2, 2)


@register(
    "graphics",
    "coefplot",
    "coefplot <regresjonskommando/regression command>",
    inner_command=True,
)
def coefplot(args: Arguments) -> Coefplot:
    """The model is written as its own command would be; its options are the model's."""
    first = args.peek()
    args.rest_text()  # the model reads them
    if first is None:
        args.fail(
            (
                "En regresjonskommando skal stå her, f.eks. «regress lonn alder»",
                "A regression command should stand here, e.g. 'regress lonn alder'",
            )
        )
    # Imported here: parser imports the command modules.
    from ..parser import read_command

    offset = first.start
    model = read_command(args.line.text[offset:], lambda at: args.position(at + offset))
    if not isinstance(model, Model) or COMMANDS[model.command].family != "regression":
        raise script_error(
            "script-arguments",
            args.position(offset),
            ("coefplot tar en regresjonskommando", "coefplot takes a regression command"),
            ("F.eks. «coefplot regress lonn alder»", "E.g. 'coefplot regress lonn alder'"),
            command="coefplot",
        )
    common = {**args.common(), "options": (), "condition": None}
    return Coefplot(**common, model=model)
