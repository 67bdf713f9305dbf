"""Benchmark: linked-data and metadata exports of a large catalogue.

Builds, in memory (CatalogueSnapshot objects, no database), a datastore of 10,000
variables with 5 released versions each (a third of them with code lists whose validity
periods change), then times the full DCAT-AP-NO export in Turtle and JSON-LD, the
DDI-Codebook of the latest version and an OAI-PMH ListRecords page, and prints peak memory.

The baseline is a hand-written loop that writes one N-Triples line for the title and the
description of every release: the least any export must do to visit the same data. The
ratio says how much the real mapping costs on top of that walk.

    python bench/export.py [--variables 10000] [--versions 5]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalogue.domain.enums import DataType, SensitivityLevel, Temporality
from catalogue.domain.register import DataProduct, Owner, Register
from catalogue.domain.text import texts
from catalogue.domain.variable import Code, Extensions, Measure, ValueDomain, VariableMetadata
from catalogue.export import dcat_catalog, ddi_codebook, oai_pmh, oai_records
from catalogue.export.inputs import Site
from catalogue.export.rdf_writers import write_jsonld, write_turtle
from catalogue.services.reading import CatalogueSnapshot, VariableRelease, VersionSummary

T = TypeVar("T")
SITE = Site(base_url="https://regcat.example.no", contact_email="post@regcat.example.no")
START = datetime(2020, 1, 1, tzinfo=UTC)
REGISTERS = 10
PRODUCTS = 10


def _registers() -> tuple[Register, ...]:
    return tuple(
        Register(
            key=f"register-{r}",
            name=texts(nb=f"Register {r}", en=f"Register {r}"),
            owner=Owner(
                texts(nb=f"Eier {r}", en=f"Owner {r}"),
                f"https://owner{r}.example.no/",
                f"post@owner{r}.example.no",
            ),
            description=texts(nb=f"Registeret nummer {r}.", en=f"Register number {r}."),
            data_products=tuple(
                DataProduct(
                    f"product-{r}-{p}", texts(nb=f"Dataprodukt {r}.{p}", en=f"Data product {r}.{p}")
                )
                for p in range(PRODUCTS)
            ),
        )
        for r in range(REGISTERS)
    )


def _codes(release: int) -> tuple[Code, ...]:
    codes = [
        Code(str(c), texts(nb=f"Kategori {c}", en=f"Category {c}"), date(1990, 1, 1))
        for c in range(1, 8)
    ]
    codes.append(Code("8", texts(nb="Utgått", en="Retired"), date(1990, 1, 1), date(2009, 12, 31)))
    if release >= 2:  # the code list gains a code from the third release on
        codes.append(Code("9", texts(nb="Ny", en="New"), date(2010, 1, 1)))
    return tuple(codes)


def _metadata(i: int, release: int) -> VariableMetadata:
    register = i % REGISTERS
    enumerated = i % 3 == 0
    return VariableMetadata(
        name=f"VAR_{i:05d}",
        temporality=(
            Temporality.FIXED,
            Temporality.STATUS,
            Temporality.ACCUMULATED,
            Temporality.EVENT,
        )[i % 4],
        sensitivity=SensitivityLevel.PERSON_GENERAL,
        unit_type="PERSON",
        measure=Measure(
            label=texts(nb=f"Variabel {i}", en=f"Variable {i}"),
            description=texts(
                nb=f"Beskrivelse av variabel {i}, revisjon {release}: hva den måler og hvordan.",
                en=f"Description of variable {i}, revision {release}: what it measures and how.",
            ),
            data_type=DataType.STRING if enumerated else DataType.LONG,
            value_domain=ValueDomain(codes=_codes(release))
            if enumerated
            else ValueDomain(
                description=texts(nb="Beløp", en="Amount"),
                measurement_unit=texts(nb="kroner", en="NOK"),
            ),
        ),
        population=texts(nb="Bosatte personer", en="Resident persons"),
        subject_fields=(
            texts(nb="Inntekt", en="Income") if i % 2 else texts(nb="Helse", en="Health"),
        ),
        spatial_coverage=texts(nb="Norge", en="Norway"),
        revision_note=texts(nb=f"Revisjon {release}.", en=f"Revision {release}."),
        extensions=Extensions(
            register=f"register-{register}",
            data_product=f"product-{register}-{(i // REGISTERS) % PRODUCTS}",
            exportable=i % 2 == 0,
            technical_name=f"var{i}",
            valid_from=date(2000, 1, 1),
            categories=(texts(nb="Kategori", en="Category"),),
            definition_links=(f"https://definitions.example.no/{i}",),
        ),
    )


def build_snapshot(variables: int, versions: int) -> CatalogueSnapshot:
    labels = ["1.0.0.0", *(f"{v}.0.0.0" for v in range(2, versions + 1))]
    times = [START + timedelta(days=90 * v) for v in range(versions)]
    found: dict[str, tuple[VariableRelease, ...]] = {}
    for i in range(variables):
        history = []
        for v in range(versions):
            history.append(
                VariableRelease(
                    version=labels[v],
                    released_at=times[v],
                    operation="ADD" if v == 0 else ("CHANGE" if v % 2 else "PATCH_METADATA"),
                    note=f"Release {v + 1}",
                    metadata=_metadata(i, v),
                    row_count=100_000 + i,
                    unit_count=90_000 + i,
                    start_min=date(2000, 1, 1),
                    stop_max=date(2019 + v, 12, 31),
                    superseded_in=labels[v + 1] if v + 1 < versions else None,
                )
            )
        found[f"VAR_{i:05d}"] = tuple(history)
    return CatalogueSnapshot(
        datastore="no.bench.demo",
        versions=tuple(
            VersionSummary(labels[v], times[v], "bench", f"Release {v + 1}")
            for v in reversed(range(versions))
        ),
        registers=_registers(),
        variables=found,
        current=frozenset(found),
    )


def baseline(snapshot: CatalogueSnapshot) -> str:
    """The hand-written walk: one N-Triples line per release title and description."""
    out = []
    for name, history in snapshot.variables.items():
        for r in history:
            s = f"<{SITE.base}/variables/{snapshot.datastore}/{name}#version-{r.version}>"
            for t in r.metadata.label:
                out.append(f'{s} <http://purl.org/dc/terms/title> "{t.value}"@{t.language} .\n')
            for t in r.metadata.description:
                out.append(
                    f'{s} <http://purl.org/dc/terms/description> "{t.value}"@{t.language} .\n'
                )
    return "".join(out)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, action: Callable[[], T], reference: float | None = None) -> tuple[float, T]:
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    size = len(result) if isinstance(result, str | bytes) else 0
    ratio = f"  {seconds / reference:6.1f}x baseline" if reference else ""
    print(
        f"{label:<44} {seconds:7.2f} s  {size / 1e6:8.1f} MB out  "
        f"peak RSS {peak_mb():7.0f} MB{ratio}"
    )
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variables", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    snapshot = build_snapshot(args.variables, args.versions)
    print(
        f"catalogue: {args.variables} variables x {args.versions} versions, built in "
        f"{time.perf_counter() - started:.1f} s, peak RSS {peak_mb():.0f} MB"
    )
    base, _ = timed("baseline (hand-written title/description walk)", lambda: baseline(snapshot))
    total, ttl = timed(
        "DCAT-AP-NO catalogue, Turtle (/catalog.ttl)",
        lambda: write_turtle(dcat_catalog.catalogue_resources([snapshot], SITE)),
        base,
    )
    print(f"{'':<44} {ttl.count(chr(10)):,} lines")
    del ttl
    timed(
        "DCAT-AP-NO catalogue, JSON-LD",
        lambda: write_jsonld(dcat_catalog.catalogue_resources([snapshot], SITE)),
        base,
    )
    latest = snapshot.versions[0].version
    timed(
        f"DDI-Codebook 2.5, version {latest}",
        lambda: ddi_codebook.version_codebook(snapshot, latest, SITE),
        base,
    )
    _, repository = timed(
        "OAI-PMH repository (records and sets)",
        lambda: oai_records.variable_repository([snapshot], SITE),
    )
    now = datetime.now(UTC)
    timed(
        "OAI-PMH ListRecords, 100 x oai_ddi25",
        lambda: oai_pmh.respond(
            repository, [("verb", "ListRecords"), ("metadataPrefix", "oai_ddi25")], now
        ),
    )
    verdict = "well under a minute" if total < 30 else "TOO SLOW: the target is well under a minute"
    print(f"full Turtle export: {total:.1f} s ({verdict}); peak RSS {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
