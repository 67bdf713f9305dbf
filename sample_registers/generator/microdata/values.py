"""Values of the long tail: generic rules by data type, code list and what the variable's
name says it measures (an amount, a count, a share, a year-month, an age...).

Each variable draws from a stream keyed by its name, so a variable's values do not depend on
which other variables are generated. A unit keeps its "level" from year to year (a drawn
quantile per unit and variable, redrawn for about a fifth of the units each year), so a
STATUS or ACCUMULATED variable looks like a panel rather than noise.
"""

from __future__ import annotations

import zlib

import numpy as np

from sample_registers.generator.dates import Array
from sample_registers.generator.microdata.facts import Variable

_AMOUNT_WORDS = (
    "INNTEKT", "LONN", "SKATT", "BELOP", "FORMUE", "GJELD", "UTGIFT", "KOSTRA", "PENSJ",
    "STONAD", "STOTTE", "TRYGD", "BIDRAG", "KRONER", "KR", "YTELSE", "LAAN", "UTBET",
    "BONUS", "GODTGJORELSE", "FERIE", "OVERTID", "SLUTTVEDERLAG", "VEKT", "FORBRUK",
    "PRODUKSJON", "PREMIE", "STIPEND", "TILSKUDD", "HJELP",
)  # fmt: skip
_COUNT_WORDS = ("ANT", "ANTALL", "BARN", "PERS", "SOSKEN", "AKSLER", "DORER", "SITTEPL", "PARITET")


def share(name: str, low: float, high: float) -> float:
    """A number in [low, high) fixed by the variable's name: how common it is, etc."""
    return low + (high - low) * (zlib.crc32(name.encode("utf-8")) % 10_007) / 10_007


def words(name: str) -> set[str]:
    return set(name.split("_"))


def coded(rng: np.random.Generator, var: Variable, level: Array) -> np.ndarray:
    """A code per row; the first codes of the list are the common ones (Zipf-like)."""
    k = len(var.codes)
    weights = 1.0 / (np.arange(k) + 1.0) ** share(var.name, 0.6, 1.6)
    cumulative = np.cumsum(weights) / weights.sum()
    pick = np.minimum(np.searchsorted(cumulative, level, side="right"), k - 1)
    return np.array([c.code for c in var.codes])[pick]


def number(
    rng: np.random.Generator, var: Variable, level: Array, weight: Array, year: Array
) -> np.ndarray:
    """A non-negative number per row by what the name says; `weight` scales totals (a
    municipality's inhabitants), `year` the calendar year of the row (0 for FIXED)."""
    name = var.name
    parts = words(name)
    z = _normal_from(level)
    if ("AAR" in parts and "MND" in parts) or "AARMND" in parts:
        month = 1 + (level * 12).astype(np.int64) % 12
        return (
            (np.where(year > 0, year, 2000 + (level * 24).astype(np.int64)) * 100 + month)
            .astype(np.int64)
            .astype(str)
        )
    if parts & {"AAR", "AR"} and not parts & set(_AMOUNT_WORDS):
        return (np.where(year > 0, year, 2010) - (level * 15).astype(np.int64)).astype(str)
    if parts & {"ALDER", "INNALDER"}:
        return (18 + (level * 60).astype(np.int64)).astype(str)
    if parts & {"PST", "PROSENT", "STILLINGSPST", "ANDEL"} and "LONN" not in parts:
        percent = np.clip(100 * (0.4 + 0.6 * level), 0, 100)
        if var.data_type == "LONG":
            return np.rint(percent).astype(np.int64).astype(str)
        return np.round(percent, 1).astype(str)
    if any(w in parts for w in _COUNT_WORDS):
        counts = np.floor(-np.log(1 - level * 0.999) * share(name, 0.5, 2.5)).astype(np.int64)
        return counts.astype(str)
    if any(w in name for w in _AMOUNT_WORDS) or var.data_type == "DOUBLE":
        typical = share(name, 8.0, 12.0)
        amount = np.exp(typical + share(name + "/sd", 0.4, 1.2) * z) * weight / 1000.0
        amount = amount * (1.03 ** np.clip(year - 2015, 0, None))
        if var.data_type == "DOUBLE":
            return np.round(amount, 2).astype(str)
        return np.rint(amount).astype(np.int64).astype(str)
    top = int(share(name, 5, 120))
    return (level * top).astype(np.int64).astype(str)


def text(var: Variable, level: Array) -> np.ndarray:
    """Free text without a code list: short category-like words, ten of them."""
    categories = np.array([f"{var.name[:3]}{k}" for k in range(10)])
    return categories[(level * 10).astype(np.int64) % 10]


def clock(level: Array) -> np.ndarray:
    minutes = (level * 24 * 60).astype(np.int64)
    return np.char.add(
        np.char.add(np.char.zfill((minutes // 60).astype(str), 2), ":"),
        np.char.zfill((minutes % 60).astype(str), 2),
    )


def _normal_from(u: Array) -> Array:
    u = np.clip(u, 1e-6, 1 - 1e-6)
    return np.log(u / (1 - u)) / 1.702
