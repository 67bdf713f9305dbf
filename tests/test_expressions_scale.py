"""The static range check (expressions/scale.py): a constant beyond ±1e15 is refused with
expression-range, judged on the text alone; scales within it and products of variables
compile."""

from __future__ import annotations

import pytest

from catalogue.analysis.expressions import compile_expression
from catalogue.domain.errors import RegcatError
from tests.test_expressions_helpers import SCHEMA


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("inntekt * 1e250", "inntekt * 1e250"),
        ("inntekt * 1e15 * 1e15", "inntekt * 1e15 * 1e15"),  # the run's constant factor
        ("inntekt / 1e-20", "inntekt / 1e-20"),
        ("inntekt * (10 ^ 20)", "inntekt"),  # the outermost part: the run, by its factor
        ("inntekt * exp(40)", "inntekt"),
        ("inntekt * pow(10, 16)", "inntekt"),
        ("sqrt(10 ^ 20)", "10 ^ 20"),
        ("-2e15", "-2e15"),
        ("inntekt * 1e20 / 1e10", "1e20"),  # the run is within, its literal is not
        ("inntekt > 1e300", "1e300"),  # a comparison: every number lies within the range
        ("cond(alder > 40, 1e16, 0)", "1e16"),
        ("10000000000000001", "10000000000000001"),
        # a run in parentheses is part of the run around it (red team test_second_opinion)
        ("(inntekt * 1e10) * 1e10", "inntekt * 1e10) * 1e10"),
        ("1e10 * (1e10 * inntekt)", "1e10 * (1e10 * inntekt)"),
        ("-(inntekt * 1e10) * 1e10", "-(inntekt * 1e10) * 1e10"),
        ("(inntekt / 1e-10) / 1e-10", "inntekt / 1e-10) / 1e-10"),
        ("sqrt(1e8 * (inntekt * (1e8 * 10)))", "1e8 * (inntekt * (1e8 * 10))"),
    ],
)
def test_a_constant_beyond_the_range_is_refused(text: str, shown: str) -> None:
    with pytest.raises(RegcatError) as raised:
        compile_expression(text, SCHEMA)
    error = raised.value
    assert error.code == "expression-range"
    assert text[error.details["position"] :].startswith(shown)
    assert "10^15" in error.nb and "10^15" in error.en


@pytest.mark.parametrize(
    "text",
    [
        "inntekt * 1e9",
        "inntekt * 1e15",
        "inntekt * 1e15 / 1e5 * 1e5",  # the run's factor is 1e15
        "inntekt * 1e-300",  # small scales are exact in doubles
        "inntekt * inntekt * inntekt",  # values beyond are missing unit by unit, not judged
        "exp(inntekt)",
        "1 / 0",  # missing, not a range problem
        "(-8) ^ 0.5",
        "1e15 - 1",
        "(inntekt * 1e10) / (alder * 1e5)",  # the nested runs' factors: 1e5
        "(inntekt + 1e10) * 1e10",  # a sum is no run: judged by its parts
    ],
)
def test_scales_within_the_range_compile(text: str) -> None:
    compile_expression(text, SCHEMA)
