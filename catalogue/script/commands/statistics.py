"""Tables and summaries: tabulate, summarize, the panel statistics, correlate, ci,
normaltest (each a list of variables, with options of its own) and anova."""

from __future__ import annotations

from ..arguments import Arguments
from ..nodes import Anova, Statistic
from ..registry import Takes, flags, register, valued

TABULATE_OPTIONS = {
    **flags(
        "missing", "nolabels", "freq", "rowpct", "colpct", "cellpct", "chi2",
        "mean", "std", "sum", "p25", "p50", "p75", "gini", "iqr",
    ),
    **valued("summarize", "top", "bottom"),
}  # fmt: skip
_VARIABLES = "<variabler/variables> [if <betingelse/condition>]"

# command -> (what follows its variables in the usage line, its options)
VARIABLE_LISTS: dict[str, tuple[str, dict[str, Takes]]] = {
    "tabulate": (
        " [, missing rowpct colpct cellpct summarize(<variabel/variable>) …]",
        TABULATE_OPTIONS,
    ),
    "summarize": (" [, gini iqr]", flags("gini", "iqr")),
    "correlate": (
        " [, covariance pairwise obs sig]",
        flags("covariance", "pairwise", "obs", "sig"),
    ),
    "ci": (" [, level(<prosent/percent>)]", valued("level")),
    "normaltest": ("", {}),
    # tabulate-panel takes tabulate's options (the date is one more dimension), so its
    # gini and iqr are cell statistics of summarize() as in tabulate; summarize-panel's
    # are summarize's, per date; a transition table counts states, and has neither.
    "tabulate-panel": (
        " [, missing rowpct colpct cellpct summarize(<variabel/variable>) gini iqr …]",
        TABULATE_OPTIONS,
    ),
    "summarize-panel": (" [, gini iqr]", flags("gini", "iqr")),
    "transitions-panel": (
        " [, missing rowpct colpct cellpct]",
        flags("missing", "rowpct", "colpct", "cellpct"),
    ),
}


def variable_list(args: Arguments) -> Statistic:
    names = args.names()
    args.end()
    return Statistic(**args.common(), variables=names)


for _name, (_after, _options) in VARIABLE_LISTS.items():
    register(
        "statistics", _name, f"{_name} {_VARIABLES}{_after}", options=_options, condition=True
    )(variable_list)


@register("statistics", "anova", "anova <y> <x-er/xs> [if <betingelse/condition>]", condition=True)
def anova(args: Arguments) -> Anova:
    y = args.name(("utfallsvariabelen", "the outcome variable"))
    xs = args.names()
    args.end()
    return Anova(**args.common(), y=y, xs=xs)
