"""Synthetic national identity numbers.

Built like a Norwegian fødselsnummer (DDMMYY, a three-digit individual number whose range
tells the century and whose last digit is odd for men and even for women, then two mod-11
control digits) but with 80 added to the month, the convention for synthetic persons in
test data. No real person can have one of these numbers, yet they pass ordinary
fødselsnummer checks except the month range.
"""

from __future__ import annotations

import numpy as np

from sample_registers.generator.dates import Array, ymd

# Control-digit weights on the six date digits; the individual digits' weights are inline.
_W1 = np.array([3, 7, 6, 1, 8, 9])
_W2 = np.array([5, 4, 3, 2, 7, 6])


def _control(weighted_sum: Array) -> Array:
    """Mod-11 control digit; 10 marks an individual number that cannot be used."""
    c = 11 - weighted_sum % 11
    return np.where(c == 11, 0, c)


def synthetic_person_ids(birth: Array, male: Array) -> Array:
    """11-digit ids as int64, unique, in the order of the inputs. Persons born on the same
    day and of the same sex get consecutive usable individual numbers."""
    year, month, dom = ymd(birth)
    date_part = dom * 10_000 + (month + 80) * 100 + year % 100
    century_base = np.where(year >= 2000, 500, 0)
    parity = male.astype(np.int64)

    # Rank among persons with the same birth day, century and sex.
    group = (date_part * 2 + parity) * 2 + (century_base > 0)
    order = np.argsort(group, kind="stable")
    sorted_group = group[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_group)) + 1]
    sizes = np.diff(np.r_[starts, len(sorted_group)])
    rank = np.empty(len(birth), dtype=np.int64)
    rank[order] = np.arange(len(birth)) - np.repeat(starts, sizes)

    # Usable individual numbers per group: 250 candidates of the right century and parity,
    # minus those whose control digits would be 10. Sums are kept modulo 11 in int16 so the
    # table stays small for millions of persons.
    unique_groups, first = np.unique(group, return_index=True)
    date_digits = date_part[first][:, None] // 10 ** np.arange(5, -1, -1) % 10
    d1 = ((date_digits @ _W1) % 11).astype(np.int16)[:, None]
    d2 = ((date_digits @ _W2) % 11).astype(np.int16)[:, None]
    candidates = np.array([base + par + 2 * np.arange(250) for base in (0, 500) for par in (0, 1)])
    i1, i2, i3 = candidates // 100, candidates // 10 % 10, candidates % 10
    s1 = ((4 * i1 + 5 * i2 + 2 * i3) % 11).astype(np.int16)
    s2 = ((5 * i1 + 4 * i2 + 3 * i3) % 11).astype(np.int16)
    combo = 2 * (century_base[first] > 0) + parity[first]
    k1 = _control(d1 + s1[combo])
    k2 = _control(d2 + s2[combo] + 2 * k1)
    usable = (k1 != 10) & (k2 != 10)
    capacity = usable.sum(axis=1)
    # Usable candidates first, in ascending order.
    slots = np.argsort(~usable, axis=1, kind="stable").astype(np.int16)

    g = np.searchsorted(unique_groups, group)
    if np.any(rank >= capacity[g]):
        raise ValueError("too many persons born on one day for synthetic identity numbers")
    slot = slots[g, rank]
    ind = candidates[combo[g], slot].astype(np.int64)
    check = k1[g, slot].astype(np.int64) * 10 + k2[g, slot]
    return date_part * 100_000 + ind * 100 + check
