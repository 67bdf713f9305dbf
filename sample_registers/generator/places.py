"""Municipalities (with the code changes of the 2017-2020 and 2024 reforms) and the health
trusts that serve them.

A *place* is a stable area that keeps its people while its municipality code and name
change: Bergen was 1201 until 2019 and is 4601 from 2020. Residence is simulated as
places, and written as the code valid on each status date.
"""

from __future__ import annotations

from dataclasses import dataclass

from sample_registers.generator.metadata import Code

OLD = "1838-01-01"  # municipalities as old as the 1837 local government acts


@dataclass(frozen=True)
class Place:
    population: int  # inhabitants around 2020, the weight of the place
    trust: str  # code of the local health trust
    history: tuple[Code, ...]  # codes in time order, from 1838 (or the place's creation)


def _p(population: int, trust: str, *codes: tuple[str, str, str, str | None]) -> Place:
    """codes: (code, name, validFrom, validUntil)"""
    return Place(
        population,
        trust,
        tuple(Code(c, name, name, start, until) for c, name, start, until in codes),
    )


R2017 = "2016-12-31"  # last day of a code before the 2017 merger
R2018 = "2017-12-31"
R2020 = "2019-12-31"
R2024 = "2023-12-31"

PLACES: tuple[Place, ...] = (
    _p(697_000, "0101", ("0301", "Oslo", OLD, None)),
    _p(285_000, "0201", ("1201", "Bergen", OLD, R2020), ("4601", "Bergen", "2020-01-01", None)),
    _p(
        205_000,
        "0301",
        ("1601", "Trondheim", OLD, R2018),
        ("5001", "Trondheim", "2018-01-01", None),
    ),
    _p(144_000, "0202", ("1103", "Stavanger", OLD, None)),
    _p(
        128_000,
        "0103",
        ("0219", "Bærum", OLD, R2020),
        ("3024", "Bærum", "2020-01-01", R2024),
        ("3201", "Bærum", "2024-01-01", None),
    ),
    _p(
        112_000,
        "0107",
        ("1001", "Kristiansand", OLD, R2020),
        ("4204", "Kristiansand", "2020-01-01", None),
    ),
    _p(
        101_000,
        "0103",
        ("0602", "Drammen", OLD, R2020),
        ("3005", "Drammen", "2020-01-01", R2024),
        ("3301", "Drammen", "2024-01-01", None),
    ),
    _p(
        94_000,
        "0103",
        ("0220", "Asker", OLD, R2020),
        ("3025", "Asker", "2020-01-01", R2024),
        ("3203", "Asker", "2024-01-01", None),
    ),
    _p(
        86_000,
        "0102",
        ("0231", "Skedsmo", OLD, R2020),
        ("3030", "Lillestrøm", "2020-01-01", R2024),
        ("3205", "Lillestrøm", "2024-01-01", None),
    ),
    _p(
        83_000,
        "0104",
        ("0106", "Fredrikstad", OLD, R2020),
        ("3004", "Fredrikstad", "2020-01-01", R2024),
        ("3107", "Fredrikstad", "2024-01-01", None),
    ),
    _p(80_000, "0202", ("1102", "Sandnes", OLD, None)),
    _p(
        77_000,
        "0401",
        ("1902", "Tromsø", OLD, R2020),
        ("5401", "Tromsø", "2020-01-01", R2024),
        ("5501", "Tromsø", "2024-01-01", None),
    ),
    _p(
        66_000,
        "0302",
        ("1504", "Ålesund", OLD, R2020),
        ("1507", "Ålesund", "2020-01-01", R2024),
        ("1508", "Ålesund", "2024-01-01", None),
    ),
    _p(
        64_000,
        "0105",
        ("0706", "Sandefjord", OLD, R2017),
        ("0710", "Sandefjord", "2017-01-01", R2020),
        ("3804", "Sandefjord", "2020-01-01", R2024),
        ("3907", "Sandefjord", "2024-01-01", None),
    ),
    _p(
        60_000,
        "0102",
        ("0213", "Ski", OLD, R2020),
        ("3020", "Nordre Follo", "2020-01-01", R2024),
        ("3207", "Nordre Follo", "2024-01-01", None),
    ),
    _p(
        57_000,
        "0105",
        ("0704", "Tønsberg", OLD, R2020),
        ("3803", "Tønsberg", "2020-01-01", R2024),
        ("3905", "Tønsberg", "2024-01-01", None),
    ),
    _p(
        56_000,
        "0104",
        ("0105", "Sarpsborg", OLD, R2020),
        ("3003", "Sarpsborg", "2020-01-01", R2024),
        ("3105", "Sarpsborg", "2024-01-01", None),
    ),
    _p(
        55_000,
        "0106",
        ("0806", "Skien", OLD, R2020),
        ("3807", "Skien", "2020-01-01", R2024),
        ("4003", "Skien", "2024-01-01", None),
    ),
    _p(52_000, "0402", ("1804", "Bodø", OLD, None)),
    _p(
        50_000,
        "0104",
        ("0104", "Moss", OLD, R2020),
        ("3002", "Moss", "2020-01-01", R2024),
        ("3103", "Moss", "2024-01-01", None),
    ),
    _p(
        47_000,
        "0105",
        ("0709", "Larvik", OLD, R2018),
        ("0712", "Larvik", "2018-01-01", R2020),
        ("3805", "Larvik", "2020-01-01", R2024),
        ("3909", "Larvik", "2024-01-01", None),
    ),
    _p(45_000, "0107", ("0906", "Arendal", OLD, R2020), ("4203", "Arendal", "2020-01-01", None)),
    _p(42_000, "0203", ("1149", "Karmøy", OLD, None)),
    _p(
        41_000,
        "0102",
        ("0230", "Lørenskog", OLD, R2020),
        ("3029", "Lørenskog", "2020-01-01", R2024),
        ("3222", "Lørenskog", "2024-01-01", None),
    ),
    _p(
        39_000,
        "0102",
        ("0235", "Ullensaker", OLD, R2020),
        ("3033", "Ullensaker", "2020-01-01", R2024),
        ("3209", "Ullensaker", "2024-01-01", None),
    ),
    _p(
        37_000,
        "0106",
        ("0805", "Porsgrunn", OLD, R2020),
        ("3806", "Porsgrunn", "2020-01-01", R2024),
        ("4001", "Porsgrunn", "2024-01-01", None),
    ),
    _p(37_000, "0203", ("1106", "Haugesund", OLD, None)),
    _p(
        35_000, "0108", ("0412", "Ringsaker", OLD, R2020), ("3411", "Ringsaker", "2020-01-01", None)
    ),
    _p(32_000, "0302", ("1502", "Molde", OLD, R2020), ("1506", "Molde", "2020-01-01", None)),
    _p(31_000, "0108", ("0403", "Hamar", OLD, R2020), ("3403", "Hamar", "2020-01-01", None)),
    _p(
        31_000,
        "0104",
        ("0101", "Halden", OLD, R2020),
        ("3001", "Halden", "2020-01-01", R2024),
        ("3101", "Halden", "2024-01-01", None),
    ),
    _p(
        30_000,
        "0103",
        ("0605", "Ringerike", OLD, R2020),
        ("3007", "Ringerike", "2020-01-01", R2024),
        ("3305", "Ringerike", "2024-01-01", None),
    ),
    _p(30_000, "0108", ("0502", "Gjøvik", OLD, R2020), ("3407", "Gjøvik", "2020-01-01", None)),
    _p(29_000, "0201", ("1247", "Askøy", OLD, R2020), ("4627", "Askøy", "2020-01-01", None)),
    _p(
        28_000,
        "0108",
        ("0501", "Lillehammer", OLD, R2020),
        ("3405", "Lillehammer", "2020-01-01", None),
    ),
    _p(
        27_000,
        "0105",
        ("0701", "Horten", OLD, R2020),
        ("3801", "Horten", "2020-01-01", R2024),
        ("3901", "Horten", "2024-01-01", None),
    ),
    _p(
        27_000,
        "0103",
        ("0604", "Kongsberg", OLD, R2020),
        ("3006", "Kongsberg", "2020-01-01", R2024),
        ("3303", "Kongsberg", "2024-01-01", None),
    ),
    _p(26_000, "0403", ("1833", "Rana", OLD, None)),
    _p(
        25_000,
        "0401",
        ("1903", "Harstad", OLD, R2020),
        ("5402", "Harstad", "2020-01-01", R2024),
        ("5503", "Harstad", "2024-01-01", None),
    ),
    _p(
        24_000,
        "0303",
        ("1702", "Steinkjer", OLD, R2018),
        ("5004", "Steinkjer", "2018-01-01", R2020),
        ("5006", "Steinkjer", "2020-01-01", None),
    ),
    _p(24_000, "0302", ("1505", "Kristiansund", OLD, None)),
    _p(24_000, "0303", ("1714", "Stjørdal", OLD, R2018), ("5035", "Stjørdal", "2018-01-01", None)),
    _p(23_000, "0107", ("1002", "Mandal", OLD, R2020), ("4205", "Lindesnes", "2020-01-01", None)),
    _p(23_000, "0107", ("0904", "Grimstad", OLD, R2020), ("4202", "Grimstad", "2020-01-01", None)),
    _p(22_000, "0204", ("1432", "Førde", OLD, R2020), ("4647", "Sunnfjord", "2020-01-01", None)),
    _p(21_000, "0401", ("1805", "Narvik", OLD, R2020), ("1806", "Narvik", "2020-01-01", None)),
    _p(
        21_000,
        "0404",
        ("2012", "Alta", OLD, R2020),
        ("5403", "Alta", "2020-01-01", R2024),
        ("5601", "Alta", "2024-01-01", None),
    ),
    _p(21_000, "0108", ("0427", "Elverum", OLD, R2020), ("3420", "Elverum", "2020-01-01", None)),
    _p(20_000, "0303", ("1719", "Levanger", OLD, R2018), ("5037", "Levanger", "2018-01-01", None)),
    _p(18_000, "0203", ("1221", "Stord", OLD, R2020), ("4614", "Stord", "2020-01-01", None)),
    _p(15_000, "0201", ("1235", "Voss", OLD, R2020), ("4621", "Voss", "2020-01-01", None)),
    _p(12_000, "0204", ("1420", "Sogndal", OLD, R2020), ("4640", "Sogndal", "2020-01-01", None)),
    _p(
        11_000,
        "0404",
        ("2004", "Hammerfest", OLD, R2020),
        ("5406", "Hammerfest", "2020-01-01", R2024),
        ("5603", "Hammerfest", "2024-01-01", None),
    ),
    _p(
        6_000,
        "0404",
        ("2003", "Vadsø", OLD, R2020),
        ("5405", "Vadsø", "2020-01-01", R2024),
        ("5607", "Vadsø", "2024-01-01", None),
    ),
)

UNKNOWN_MUNICIPALITY = Code("9999", "Uoppgitt kommune", "Unknown municipality")

# Young adults move towards the university cities.
CITY_PULL = {"0301": 1.6, "1201": 1.5, "1601": 1.5, "1103": 1.2, "1902": 1.3}

HEALTH_REGIONS: tuple[Code, ...] = (
    Code("01", "Helse Sør-Øst", "South-Eastern Norway Regional Health Authority", "2007-06-01"),
    Code("02", "Helse Vest", "Western Norway Regional Health Authority", "2002-01-01"),
    Code("03", "Helse Midt-Norge", "Central Norway Regional Health Authority", "2002-01-01"),
    Code("04", "Helse Nord", "Northern Norway Regional Health Authority", "2002-01-01"),
)

# Codes are regcat's: the region's two digits and a serial number. The first trust of each
# region is its university hospital, which also treats patients from the other trusts.
HEALTH_TRUSTS: tuple[Code, ...] = (
    Code("0101", "Oslo universitetssykehus HF", "Oslo University Hospital", "2009-01-01"),
    Code("0102", "Akershus universitetssykehus HF", "Akershus University Hospital", "2002-01-01"),
    Code("0103", "Vestre Viken HF", "Vestre Viken Hospital Trust", "2009-07-01"),
    Code("0104", "Sykehuset Østfold HF", "Østfold Hospital Trust", "2002-01-01"),
    Code("0105", "Sykehuset i Vestfold HF", "Vestfold Hospital Trust", "2002-01-01"),
    Code("0106", "Sykehuset Telemark HF", "Telemark Hospital Trust", "2002-01-01"),
    Code("0107", "Sørlandet sykehus HF", "Sørlandet Hospital Trust", "2003-01-01"),
    Code("0108", "Sykehuset Innlandet HF", "Innlandet Hospital Trust", "2003-01-01"),
    Code("0201", "Helse Bergen HF", "Haukeland University Hospital", "2002-01-01"),
    Code("0202", "Helse Stavanger HF", "Stavanger University Hospital", "2002-01-01"),
    Code("0203", "Helse Fonna HF", "Fonna Hospital Trust", "2002-01-01"),
    Code("0204", "Helse Førde HF", "Førde Hospital Trust", "2002-01-01"),
    Code("0301", "St. Olavs hospital HF", "St. Olav's University Hospital", "2002-01-01"),
    Code("0302", "Helse Møre og Romsdal HF", "Møre og Romsdal Hospital Trust", "2011-06-01"),
    Code("0303", "Helse Nord-Trøndelag HF", "Nord-Trøndelag Hospital Trust", "2002-01-01"),
    Code(
        "0401",
        "Universitetssykehuset Nord-Norge HF",
        "University Hospital of North Norway",
        "2002-01-01",
    ),
    Code("0402", "Nordlandssykehuset HF", "Nordland Hospital Trust", "2002-01-01"),
    Code("0403", "Helgelandssykehuset HF", "Helgeland Hospital Trust", "2002-01-01"),
    Code("0404", "Finnmarkssykehuset HF", "Finnmark Hospital Trust", "2002-01-01"),
)


def municipality_codes() -> tuple[Code, ...]:
    return tuple(c for place in PLACES for c in place.history)
