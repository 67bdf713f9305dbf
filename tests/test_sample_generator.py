"""The synthetic sample registers: byte-for-byte reproducible, in microdata.no's extract
format, and plausible enough that statistics on them mean something."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from sample_registers.generator import REGISTERS, generate_samples
from sample_registers.generator.writer import write_register_atomically

SAMPLES = Path(__file__).resolve().parents[1] / "sample_registers"
NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
LANGUAGES = {"no", "nb", "nn", "en"}
TEMPORALITIES = {"FIXED", "STATUS", "ACCUMULATED", "EVENT"}
SENSITIVITIES = {"PERSON_GENERAL", "PERSON_SPECIAL", "PUBLIC", "NONPUBLIC"}
DATA_TYPES = {"STRING", "LONG", "DOUBLE", "DATE"}


def files_of(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def rows(register: str, name: str, root: Path = SAMPLES) -> Iterator[list[str]]:
    with open(root / register / name / f"{name}.csv", encoding="utf-8", newline="") as f:
        for line in f:
            yield line.rstrip("\n").split(";")


def values(register: str, name: str) -> dict[str, str]:
    return {r[0]: r[1] for r in rows(register, name)}


def dataset_folders(root: Path = SAMPLES) -> list[Path]:
    return sorted(p for r in REGISTERS for p in (root / r).iterdir() if p.is_dir())


# --- reproducibility ---------------------------------------------------------------------


def test_committed_samples_are_exactly_what_the_generator_writes(tmp_path: Path) -> None:
    written = generate_samples(tmp_path)
    assert [p.name for p in written] == list(REGISTERS)
    for register in REGISTERS:
        fresh, committed = files_of(tmp_path / register), files_of(SAMPLES / register)
        assert sorted(fresh) == sorted(committed), register
        changed = [name for name in fresh if fresh[name] != committed[name]]
        assert not changed, f"{register}: regenerate the samples; differs: {changed}"


def test_same_arguments_same_bytes_and_a_register_alone_equals_it_in_a_full_run(
    tmp_path: Path,
) -> None:
    generate_samples(tmp_path / "a", persons=2000, seed=7)
    generate_samples(tmp_path / "b", persons=2000, seed=7)
    generate_samples(tmp_path / "c", persons=2000, seed=7, registers=["nudb", "npr"])
    generate_samples(tmp_path / "d", persons=2000, seed=8, registers=["nudb"])
    for register in REGISTERS:
        assert files_of(tmp_path / "a" / register) == files_of(tmp_path / "b" / register)
    for register in ("nudb", "npr"):
        assert files_of(tmp_path / "c" / register) == files_of(tmp_path / "a" / register)
    assert not (tmp_path / "c" / "folkeregisteret").exists()
    assert files_of(tmp_path / "d" / "nudb") != files_of(tmp_path / "a" / "nudb")


def test_progress_is_reported_per_dataset_and_unknown_registers_are_refused(tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    generate_samples(
        tmp_path,
        persons=300,
        registers=["nudb"],
        progress=lambda r, done, total: seen.append((r, done, total)),
    )
    assert seen == [("nudb", 0, 2), ("nudb", 1, 2), ("nudb", 2, 2)]
    with pytest.raises(ValueError, match="unknown registers"):
        generate_samples(tmp_path, persons=300, registers=["skatt"])


def test_a_failed_register_write_leaves_the_previous_folder_untouched(tmp_path: Path) -> None:
    old = tmp_path / "nudb"
    old.mkdir()
    (old / "keep.txt").write_text("previous release")

    def half_then_fail(folder: Path) -> None:
        (folder / "register.json").write_text("{}")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_register_atomically(tmp_path, "nudb", half_then_fail)
    assert [p.name for p in tmp_path.iterdir()] == ["nudb"]
    assert (old / "keep.txt").read_text() == "previous release"

    def complete(folder: Path) -> None:
        (folder / "new.txt").write_text("new")

    write_register_atomically(tmp_path, "nudb", complete)
    assert [p.name for p in tmp_path.iterdir()] == ["nudb"]
    assert [p.name for p in old.iterdir()] == ["new.txt"]


# --- format ------------------------------------------------------------------------------


def texts_ok(items: Any) -> bool:
    return (
        isinstance(items, list)
        and {"nb", "en"} <= {t["languageCode"] for t in items}
        and all(t["languageCode"] in LANGUAGES and t["value"] for t in items)
    )


def day(text: str) -> date:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", text), text
    return date.fromisoformat(text)


def test_every_register_manifest_names_owner_products_and_defaults() -> None:
    for register in REGISTERS:
        manifest = json.loads((SAMPLES / register / "register.json").read_text("utf-8"))
        assert manifest["register"] == register
        assert texts_ok(manifest["name"]) and texts_ok(manifest["description"])
        assert texts_ok(manifest["owner"]["name"]) and manifest["owner"]["uri"].startswith("http")
        products = {p["id"] for p in manifest["dataProducts"]}
        assert all(
            texts_ok(p["title"]) and texts_ok(p["description"]) for p in manifest["dataProducts"]
        )
        assert manifest["defaults"]["dataProduct"] in products
        assert manifest["defaults"]["sensitivityLevel"] in SENSITIVITIES
        for folder in (SAMPLES / register).iterdir():
            if folder.is_dir():
                meta = json.loads((folder / f"{folder.name}.json").read_text("utf-8"))
                assert meta["catalogue"]["dataProduct"] in products, folder.name


def check_metadata(meta: dict[str, Any]) -> None:
    assert meta["temporalityType"] in TEMPORALITIES
    assert meta["sensitivityLevel"] in SENSITIVITIES
    for key in ("populationDescription", "spatialCoverageDescription"):
        assert texts_ok(meta[key])
    assert all(texts_ok(s) for s in meta["subjectFields"])
    assert texts_ok(meta["dataRevision"]["description"])
    assert len(meta["identifierVariables"]) == 1
    (measure,) = meta["measureVariables"]
    assert texts_ok(measure["name"]) and texts_ok(measure["description"])
    if "unitType" in measure:
        assert "dataType" not in measure and "valueDomain" not in measure
    else:
        assert measure["dataType"] in DATA_TYPES
        domain = measure["valueDomain"]
        if "codeList" in domain:
            for c in domain["codeList"] + domain.get("sentinelAndMissingValues", []):
                assert c["code"] and texts_ok(c["categoryTitle"])
        else:
            assert texts_ok(domain["description"])
    cat = meta["catalogue"]
    assert isinstance(cat["exportable"], bool)
    assert re.fullmatch(r"[a-z][A-Za-z0-9]*", cat["technicalName"])
    day(cat["validFrom"])
    assert cat["validUntil"] is None
    assert cat["categories"] and all(texts_ok(c) for c in cat["categories"])
    assert all(link.startswith("https://") for link in cat["definitionLinks"])


def code_validity(meta: dict[str, Any]) -> tuple[dict[str, list[tuple[date, date]]], set[str]]:
    domain = meta["measureVariables"][0].get("valueDomain", {})
    periods: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for c in domain.get("codeList", []):
        periods[c["code"]].append((day(c["validFrom"]), day(c.get("validUntil", "9999-12-31"))))
    for spans in periods.values():  # a code may repeat only with disjoint periods
        spans.sort()
        assert all(a[1] < b[0] for a, b in pairwise(spans))
    return periods, {s["code"] for s in domain.get("sentinelAndMissingValues", [])}


def check_rows(folder: Path, meta: dict[str, Any]) -> int:
    temporality = meta["temporalityType"]
    measure = meta["measureVariables"][0]
    data_type = measure.get("dataType")
    periods, sentinels = code_validity(meta)
    raw = (folder / f"{folder.name}.csv").read_bytes()
    assert raw.endswith(b";\n") and b"\r" not in raw
    previous: tuple[str, date] | None = None
    last_stop: date | None = None
    count = 0
    for line in raw.decode("utf-8").splitlines():
        fields = line.split(";")
        assert len(fields) == 5 and fields[4] == "", line
        unit, value, start, stop = fields[:4]
        assert unit and value, line
        if temporality == "FIXED":
            assert start == stop == "", line
            assert previous is None or unit > previous[0], f"unit twice or unsorted: {line}"
            previous = (unit, date.min)
        else:
            begin = day(start)
            if temporality == "STATUS":
                assert stop == start, line
            elif temporality == "ACCUMULATED":
                assert day(stop) > begin, line
            else:
                assert stop == "" or day(stop) >= begin, line
            key = (unit, begin)
            assert previous is None or key > previous, f"unsorted or duplicate: {line}"
            if previous is not None and previous[0] == unit and temporality != "STATUS":
                assert last_stop is not None and last_stop < begin, f"overlap: {line}"
            previous, last_stop = key, (day(stop) if stop else date.max)
        if data_type == "DATE":
            day(value)
        elif data_type == "LONG":
            assert re.fullmatch(r"-?\d+", value), line
        elif "unitType" in measure:
            assert re.fullmatch(r"\d{11}", value), line
        if periods and value not in sentinels:
            spans = periods.get(value)
            assert spans, f"{value} not in the code list: {line}"
            if temporality != "FIXED":
                on = day(start)
                assert any(a <= on <= b for a, b in spans), f"{value} not valid on {on}"
        count += 1
    return count


def test_every_dataset_is_in_microdata_extract_format() -> None:
    folders = dataset_folders()
    assert len(folders) == 7 + 2 + 2 + 12 + 8 + 4
    for folder in folders:
        assert NAME.match(folder.name)
        assert sorted(p.name for p in folder.iterdir()) == [
            f"{folder.name}.csv",
            f"{folder.name}.json",
        ]
        meta = json.loads((folder / f"{folder.name}.json").read_text("utf-8"))
        check_metadata(meta)
        assert check_rows(folder, meta) > 0, folder.name


def test_sensitivity_and_exportability_follow_the_data() -> None:
    meta = {
        f.name: json.loads((f / f"{f.name}.json").read_text("utf-8")) for f in dataset_folders()
    }
    for name, m in meta.items():
        health = name.startswith(("KRG_", "NPR_"))
        assert (m["sensitivityLevel"] == "PERSON_SPECIAL") == health, name
    exportable = {n for n, m in meta.items() if m["catalogue"]["exportable"]}
    assert {
        "BEFOLKNING_KJOENN",
        "BEFOLKNING_BOSTED_KOMMUNE",
        "NUDB_BU",
        "INNTEKT_WLONN",
        "KRG_ICD10",
        "NPR_OMSORGSNIVAA",
    } <= exportable
    assert (
        not {
            "BEFOLKNING_DOEDS_DATO",
            "BEFOLKNING_MOR",
            "KRG_DIAGNOSEDATO",
            "KRG_CT",
            "NPR_PROSEDYRE_KODE",
        }
        & exportable
    )
    assert meta["KRG_ALDER_DIAGNOSE"]["catalogue"]["technicalName"] == "alderDiagnose"


# --- consistency between datasets and registers ------------------------------------------


def fnr_ok(pid: str) -> bool:
    digits = [int(c) for c in pid]
    k1 = 11 - sum(w * d for w, d in zip([3, 7, 6, 1, 8, 9, 4, 5, 2], digits, strict=False)) % 11
    k2 = 11 - sum(w * d for w, d in zip([5, 4, 3, 2, 7, 6, 5, 4, 3, 2], digits, strict=False)) % 11
    return digits[9] == k1 % 11 and digits[10] == k2 % 11


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def test_person_ids_are_synthetic_and_agree_with_birth_date_and_sex() -> None:
    birth = values("folkeregisteret", "BEFOLKNING_FOEDSELSDATO")
    sex = values("folkeregisteret", "BEFOLKNING_KJOENN")
    assert len(birth) == len(sex) == 20000
    for pid, born in birth.items():
        assert re.fullmatch(r"\d{11}", pid) and 81 <= int(pid[2:4]) <= 92
        assert (pid[:2], int(pid[2:4]) - 80, pid[4:6]) == (born[8:10], int(born[5:7]), born[2:4])
        assert int(pid[8]) % 2 == (1 if sex[pid] == "1" else 0)
        assert fnr_ok(pid)


def test_people_only_appear_while_alive_and_parents_fit() -> None:
    birth = {p: day(d) for p, d in values("folkeregisteret", "BEFOLKNING_FOEDSELSDATO").items()}
    death = {p: day(d) for p, d in values("folkeregisteret", "BEFOLKNING_DOEDS_DATO").items()}
    sex = values("folkeregisteret", "BEFOLKNING_KJOENN")
    assert 0.04 < len(death) / len(birth) < 0.15
    assert all(
        date(2016, 1, 1) <= d <= date(2025, 12, 31) and d >= birth[p] for p, d in death.items()
    )
    for register, name in (
        ("folkeregisteret", "BEFOLKNING_BOSTED_KOMMUNE"),
        ("nudb", "NUDB_BU"),
        ("inntekt", "INNTEKT_WLONN"),
    ):
        for r in rows(register, name):
            assert birth[r[0]] <= day(r[3]) and day(r[2]) < death.get(r[0], date.max), r
    for name, parent_sex in (("BEFOLKNING_MOR", "2"), ("BEFOLKNING_FAR", "1")):
        links = values("folkeregisteret", name)
        assert len(links) > 0.5 * sum(b.year >= 1960 for b in birth.values())
        for child, parent in links.items():
            assert sex[parent] == parent_sex and birth[child].year >= 1960
            assert 18 <= age_on(birth[parent], birth[child]) <= 45


def test_residence_codes_follow_the_municipal_reforms() -> None:
    by_date: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows("folkeregisteret", "BEFOLKNING_BOSTED_KOMMUNE"):
        by_date[r[2]][r[1]] += 1
    assert by_date["2016-01-01"]["1201"] > 0 and by_date["2020-01-01"]["1201"] == 0
    assert by_date["2020-01-01"]["4601"] > 0 and by_date["2020-01-01"]["3005"] > 0
    assert by_date["2024-01-01"]["3301"] > 0 and by_date["2024-01-01"]["3005"] == 0
    for counts in by_date.values():  # Oslo, then Bergen, is the largest
        top = [code for code, _ in counts.most_common(2)]
        assert top[0] == "0301" and top[1] in {"1201", "4601"}


def test_education_never_decreases_and_fields_only_from_upper_secondary() -> None:
    levels: dict[str, list[str]] = defaultdict(list)
    for r in rows("nudb", "NUDB_BU"):
        levels[r[0]].append(r[1])
    for seq in levels.values():
        known = [int(v) for v in seq if v != "9"]
        assert known == sorted(known)
    level_on = {(r[0], r[2]): r[1] for r in rows("nudb", "NUDB_BU")}
    for r in rows("nudb", "NUDB_FAGFELT"):
        assert level_on[(r[0], r[2])] in "345678"
    birth = values("folkeregisteret", "BEFOLKNING_FOEDSELSDATO")
    latest = {p: int(seq[-1]) for p, seq in levels.items() if seq[-1] != "9"}

    def higher_share(lo: str, hi: str) -> float:
        group = [v for p, v in latest.items() if lo <= birth[p] < hi]
        return sum(v >= 6 for v in group) / len(group)

    assert higher_share("1975", "1990") > higher_share("1930", "1950") + 0.1


def mean(xs: list[int]) -> float:
    return sum(xs) / len(xs)


def test_wages_rise_with_education_and_men_earn_more() -> None:
    year = "2022-01-01"
    wage = {r[0]: int(r[1]) for r in rows("inntekt", "INNTEKT_WLONN") if r[2] == year}
    total = {r[0]: int(r[1]) for r in rows("inntekt", "INNTEKT_SAMLET") if r[2] == year}
    level = {r[0]: r[1] for r in rows("nudb", "NUDB_BU") if r[2] == "2022-10-01"}
    sex = values("folkeregisteret", "BEFOLKNING_KJOENN")
    assert all(total[p] >= w for p, w in wage.items())
    high = [w for p, w in wage.items() if level.get(p, "9") in "678"]
    low = [w for p, w in wage.items() if level.get(p, "9") in "012"]
    assert mean(high) > 1.4 * mean(low)
    men = [w for p, w in wage.items() if sex[p] == "1"]
    women = [w for p, w in wage.items() if sex[p] == "2"]
    assert mean(men) > 1.1 * mean(women)
    assert 0 < sum(w == 0 for w in wage.values()) < 0.2 * len(wage)


def test_cancer_strikes_the_old_and_sites_match_sex() -> None:
    person = values("kreftregisteret", "KRG_PERSON")
    site = values("kreftregisteret", "KRG_ICD10")
    age = {c: int(a) for c, a in values("kreftregisteret", "KRG_ALDER_DIAGNOSE").items()}
    diagnosed = values("kreftregisteret", "KRG_DIAGNOSEDATO")
    sex = values("folkeregisteret", "BEFOLKNING_KJOENN")
    birth = {p: day(d) for p, d in values("folkeregisteret", "BEFOLKNING_FOEDSELSDATO").items()}
    death = {p: day(d) for p, d in values("folkeregisteret", "BEFOLKNING_DOEDS_DATO").items()}
    assert len(set(person) | set(site) | set(age) | set(diagnosed)) == len(person)
    for case, p in person.items():
        on = day(diagnosed[case])
        assert birth[p] <= on <= death.get(p, date.max) and on.year >= 1953
        assert age[case] == age_on(birth[p], on)
    breast = [sex[person[c]] for c, s in site.items() if s == "C50"]
    prostate = [sex[person[c]] for c, s in site.items() if s == "C61"]
    assert len(breast) > 50 and breast.count("2") > 0.95 * len(breast)
    assert len(prostate) > 50 and set(prostate) == {"1"}
    # Yearly incidence 2016-2024 by age on 1 January 2020.
    at_risk: Counter[str] = Counter()
    for b in birth.values():
        a = 2020 - b.year
        at_risk["60+" if a >= 60 else "<40" if a < 40 else "mid"] += 1
    cases: Counter[str] = Counter()
    for c, d in diagnosed.items():
        if d >= "2016":
            cases["60+" if age[c] >= 60 else "<40" if age[c] < 40 else "mid"] += 1
    assert cases["60+"] / at_risk["60+"] > 8 * cases["<40"] / at_risk["<40"]


def test_hospital_contacts_rise_with_age_and_follow_residence_and_cancer() -> None:
    patient = values("npr", "NPR_PERSON")
    birth = values("folkeregisteret", "BEFOLKNING_FOEDSELSDATO")
    care = {r[0]: r for r in rows("npr", "NPR_OMSORGSNIVAA")}
    persons: Counter[int] = Counter(min((2020 - int(b[:4])) // 30, 2) for b in birth.values())
    contacts: Counter[int] = Counter(
        min((int(care[e][2][:4]) - int(birth[p][:4])) // 30, 2) for e, p in patient.items()
    )
    per_person = [contacts[g] / persons[g] for g in range(3)]
    assert per_person[0] * 1.5 < per_person[1] and per_person[1] * 1.5 < per_person[2]
    for r in care.values():  # outpatient and day contacts last a day
        assert r[1] == "1" or r[2] == r[3]

    region = values("npr", "NPR_HELSEREGION")
    trust = values("npr", "NPR_HELSEFORETAK")
    assert all(trust[e][:2] == region[e] for e in patient)
    home = {(r[0], r[2][:4]): r[1] for r in rows("folkeregisteret", "BEFOLKNING_BOSTED_KOMMUNE")}
    oslo = [region[e] for e, p in patient.items() if home.get((p, care[e][2][:4])) == "0301"]
    assert oslo and set(oslo) == {"01"}

    cancer_sites: dict[str, set[str]] = defaultdict(set)
    site = values("kreftregisteret", "KRG_ICD10")
    for case, p in values("kreftregisteret", "KRG_PERSON").items():
        cancer_sites[p].add(site[case])
    main = values("npr", "NPR_HOVEDTILSTAND")
    cancer_contacts = [(patient[e], code) for e, code in main.items() if code.startswith("C")]
    assert len(cancer_contacts) > 50
    assert all(code in cancer_sites[p] for p, code in cancer_contacts)


# --- the monthly payroll register and the effect it plants -------------------------------


def _month(text: str) -> int:
    return int(text[:4]) * 12 + int(text[5:7]) - 1


def test_monthly_rows_are_whole_calendar_months_from_2019_to_the_extract_month() -> None:
    for name in ("AORD_AVTALT_TIMER", "AORD_LOENN_MND", "AORD_SEKTOR", "AORD_ARBEIDSSTATUS"):
        seen = set()
        for _, _, start, stop in (r[:4] for r in rows("aordningen", name)):
            begin, end = day(start), day(stop)
            assert begin.day == 1 and (end + timedelta(days=1)).day == 1, (start, stop)
            assert (begin.year, begin.month) == (end.year, end.month), (start, stop)
            seen.add(start)
        assert min(seen) == "2019-01-01" and max(seen) == "2025-12-01", name
        assert len(seen) == 7 * 12, name


def _within_person_change(cohort: int, name: str, birth: dict[str, str]) -> float:
    """Mean over public-sector employees of the cohort of (mean of the value in the 12
    months from the month they turn 62) minus (mean in the 12 months before)."""
    sector = {(r[0], r[2]): r[1] for r in rows("aordningen", "AORD_SEKTOR")}
    windows: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for unit, value, start, _, _ in rows("aordningen", name):
        born = birth[unit]
        if int(born[:4]) != cohort or sector[(unit, start)] != "1":
            continue
        event = _month(start) - ((int(born[:4]) + 62) * 12 + int(born[5:7]) - 1)
        if -12 <= event <= 11:
            windows[unit][event >= 0].append(float(value))
    changes = [sum(b) / len(b) - sum(a) / len(a) for a, b in windows.values() if a and b]
    assert len(changes) > 30, (cohort, name, len(changes))
    return sum(changes) / len(changes)


@pytest.mark.parametrize(
    ("name", "effect"), [("AORD_AVTALT_TIMER", 1.75), ("AORD_LOENN_MND", 3183)]
)
def test_the_reform_effect_is_planted_for_1963_and_not_for_earlier_cohorts(
    name: str, effect: float
) -> None:
    """A difference in differences of raw means (no output control): public-sector
    employees' change at 62 for the 1963 cohort minus 1962's is the planted effect, give or
    take the noise of about 170 persons a cohort (the samples over-represent the public
    sector); 1962 minus 1961 (a placebo) is not."""
    birth = values("folkeregisteret", "BEFOLKNING_FOEDSELSDATO")
    change = {c: _within_person_change(c, name, birth) for c in (1961, 1962, 1963)}
    estimate, placebo = change[1963] - change[1962], change[1962] - change[1961]
    assert 0.5 * effect < estimate < 1.5 * effect, change
    assert abs(placebo) < 0.6 * effect, change
