"""How to fix a type error: the second sentence of each message, in bokmål and English,
chosen from the types that met."""

from __future__ import annotations

from .types import ValueType

N, S, D, B = ValueType.NUMBER, ValueType.STRING, ValueType.DATE, ValueType.BOOL

_OP_NAMES = {"+": ("legge sammen", "add"), "-": ("trekke fra", "subtract"),
             "*": ("gange", "multiply"), "/": ("dele", "divide")}  # fmt: skip


def arithmetic_problem(op: str, left: ValueType | None, right: ValueType | None) -> tuple[str, str]:
    left, right = left or N, right or N
    verb_nb, verb_en = _OP_NAMES[op]
    return (
        f"Kan ikke {verb_nb} {left.nb} og {right.nb} med «{op}»",
        f"Cannot {verb_en} {left.en} and {right.en} with '{op}'",
    )


def arithmetic_fix(op: str, left: ValueType | None, right: ValueType | None) -> tuple[str, str]:
    kinds = {left, right}
    if B in kinds:
        return (
            "Sannhetsverdier kan ikke regnes med; kombiner dem med and, or og not",
            "True/false values cannot be calculated with; combine them with and, or and not",
        )
    if S in kinds and N in kinds:
        return (
            "Gjør om med string(...) eller number(...) så begge sider har samme type",
            "Convert with string(...) or number(...) so both sides have the same type",
        )
    if kinds == {D} and op == "+":
        return (
            "To datoer kan trekkes fra hverandre (gir antall dager), men ikke legges sammen",
            "Two dates can be subtracted (giving a number of days), but not added",
        )
    if D in kinds:
        return (
            "Med datoer kan du legge til eller trekke fra dager, eller bruke year(), month() og day()",
            "With dates you can add or subtract days, or use year(), month() and day()",
        )
    return (
        "Tekster kan bare skjøtes med +",
        "Texts can only be joined with +",
    )


def comparison_fix(op: str, left: ValueType, right: ValueType) -> tuple[str, str]:
    kinds = {left, right}
    if kinds == {B}:
        return (
            "Sannhetsverdier kan bare sammenlignes med == og !=",
            "True/false values can only be compared with == and !=",
        )
    if kinds == {D, S}:
        return (
            'Skriv datoen med date(...), for eksempel fodselsdato >= date("2000-01-01")',
            'Write the date with date(...), for example fodselsdato >= date("2000-01-01")',
        )
    if kinds == {N, S}:
        return (
            'Koder lagret som tekst skrives i anførselstegn, for eksempel kjonn == "1"; '
            "ellers gjør om med number(...) eller string(...)",
            'Codes stored as text are written in quotes, for example kjonn == "1"; '
            "otherwise convert with number(...) or string(...)",
        )
    if kinds == {D, N}:
        return (
            "Sammenlign med en dato, for eksempel date(2020, 1, 1), eller bruk year(...)",
            "Compare with a date, for example date(2020, 1, 1), or use year(...)",
        )
    return (
        "Begge sider må ha samme type",
        "Both sides must have the same type",
    )


def operand_fix(wanted: ValueType, found: ValueType) -> tuple[str, str]:
    if wanted is B:
        return (
            "Skriv en sammenligning, for eksempel x > 0, eller not sysmiss(x)",
            "Write a comparison, for example x > 0, or not sysmiss(x)",
        )
    return conversion_fix(found, (wanted,), None)


def conversion_fix(
    found: ValueType, wanted: tuple[ValueType, ...], usage: tuple[str, str] | None
) -> tuple[str, str]:
    hint = ("", "")
    if found is S and N in wanted:
        hint = (
            "Gjør om tekst til tall med number(...)",
            "Turn text into a number with number(...)",
        )
    elif found is N and S in wanted:
        hint = (
            "Gjør om tall til tekst med string(...)",
            "Turn a number into text with string(...)",
        )
    elif found is S and D in wanted:
        hint = (
            'Gjør om tekst til dato med date("ÅÅÅÅ-MM-DD")',
            'Turn text into a date with date("YYYY-MM-DD")',
        )
    elif found is D and N in wanted:
        hint = (
            "Bruk year(...), month(...) eller day(...) for å få tall fra en dato",
            "Use year(...), month(...) or day(...) to get numbers from a date",
        )
    if usage is None:
        return hint if hint[0] else ("Sjekk typene", "Check the types")
    if not hint[0]:
        return (f"Bruk {usage[0]}", f"Use {usage[1]}")
    return (f"{hint[0]}. Bruk {usage[0]}", f"{hint[1]}. Use {usage[1]}")


def expected_fix(expected: ValueType) -> tuple[str, str]:
    if expected is B:
        return (
            "Skriv en betingelse, for eksempel alder >= 18 eller not sysmiss(x)",
            "Write a condition, for example alder >= 18 or not sysmiss(x)",
        )
    return (
        f"Skriv et uttrykk som gir {expected.nb}",
        f"Write an expression that gives {expected.en}",
    )
