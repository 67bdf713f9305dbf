"""DCAT-AP 3 / DCAT-AP-NO documents: the whole catalogue, or one variable.

One graph satisfies both profiles: DCAT-AP-NO only adds requirements (dct:identifier on
catalogues, datasets and services; dct:publisher and dcat:theme on every dataset;
dcat:first on every series), and every linked node is typed with the class DCAT-AP's
range shapes expect, since harvesters validate without inference.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from catalogue.domain.text import pick
from catalogue.export.dcat_shared import SharedParts
from catalogue.export.dcat_variables import describe_variable
from catalogue.export.eu_vocabularies import (
    ACCESS_PUBLIC,
    ACCESS_RESTRICTED,
    CC_BY_4_0,
    DATA_THEME_SCHEME,
    LANGUAGE_EN,
    LANGUAGE_NB,
    NORWAY,
    describe_theme_scheme,
)
from catalogue.export.inputs import Site, Snapshot
from catalogue.export.language import pair
from catalogue.export.rdf_model import Resource, datetime_literal
from catalogue.export.rdf_namespaces import DCAT, DCT, FOAF
from catalogue.export.rdf_writers import FORMATS


def catalogue_resources(snapshots: Sequence[Snapshot], site: Site) -> Iterator[Resource]:
    """Every datastore as a dcat:Catalog with all its variables; a generator, so a large
    catalogue is written variable by variable."""
    parts = SharedParts(site)
    for snapshot in snapshots:
        service = _analysis_service(parts, snapshot.datastore)
        harvesting = _harvesting_service(parts, snapshot.datastore)
        yield _catalog(parts, snapshot, [service, harvesting])
        for name in snapshot.variables:
            yield from describe_variable(parts, snapshot, name, service)
        yield service
        yield harvesting
    yield from parts.resources()


def variable_resources(snapshot: Snapshot, name: str, site: Site) -> list[Resource]:
    """One variable's document: its series, releases and code lists, and everything they
    point at (owner, contact, service, vocabulary terms), so the document stands alone."""
    parts = SharedParts(site)
    service = _analysis_service(parts, snapshot.datastore)
    found = describe_variable(parts, snapshot, name, service)
    return [*found, service, *parts.resources()]


def render(resources: Iterable[Resource], fmt: str) -> str:
    return FORMATS[fmt].write(resources)


def _catalog(parts: SharedParts, snapshot: Snapshot, services: list[Resource]) -> Resource:
    ds, iris = snapshot.datastore, parts.iris
    c = Resource(iris.catalog(ds), [DCAT.Catalog])
    registers_nb = ", ".join(pick(r.name, "nb") for r in snapshot.registers) or "ingen"
    registers_en = ", ".join(pick(r.name, "en") for r in snapshot.registers) or "none"
    count = len(snapshot.variables)
    c.text(DCT.title, pair(f"Variabelkatalog for {ds}", f"Variable catalogue of {ds}"))
    c.text(
        DCT.description,
        pair(
            f"{count} variabler fra registerdata i datalageret {ds} (registre: {registers_nb}), "
            "med alle publiserte versjoner. Mikrodata analyseres under utdatakontroll.",
            f"{count} variables of register data in the datastore {ds} (registers: "
            f"{registers_en}), with every released version. Microdata are analysed under "
            "output control.",
        ),
    )
    c.plain(DCT.identifier, c.iri)
    c.add(DCT.publisher, parts.operator())
    if snapshot.versions:
        c.add(DCT.issued, datetime_literal(snapshot.versions[-1].released_at))
        c.add(DCT.modified, datetime_literal(snapshot.versions[0].released_at))
    c.add(DCT.language, parts.term(LANGUAGE_NB)).add(DCT.language, parts.term(LANGUAGE_EN))
    # The licence of the metadata; the data themselves are restricted (see the datasets).
    c.add(DCT.license, parts.term(CC_BY_4_0))
    home = iris.home()
    c.add(FOAF.homepage, parts.use(home, lambda: Resource(home, [FOAF.Document])))
    c.add(DCAT.themeTaxonomy, parts.use(DATA_THEME_SCHEME, describe_theme_scheme))
    c.add(DCT.spatial, parts.term(NORWAY))
    for service in services:
        c.add(DCAT.service, service.iri)
    for name, history in snapshot.variables.items():
        c.add(DCAT.dataset, iris.series(ds, name))
        for release in history:
            c.add(DCAT.dataset, iris.release(ds, name, release.version))
    return c


def _analysis_service(parts: SharedParts, datastore: str) -> Resource:
    iris = parts.iris
    s = Resource(iris.analysis_service(datastore), [DCAT.DataService])
    s.text(
        DCT.title,
        pair(f"Analysetjeneste for {datastore}", f"Analysis service for {datastore}"),
    )
    s.text(
        DCT.description,
        pair(
            "Forskere ved godkjente institusjoner kobler variabler, tabulerer og estimerer "
            "modeller på en låst versjon av datalageret uten å se mikrodata; alle resultater "
            "passerer utdatakontroll.",
            "Researchers at approved institutions link variables, tabulate and fit models on "
            "a pinned version of the datastore without seeing microdata; every result passes "
            "output control.",
        ),
    )
    s.plain(DCT.identifier, s.iri)
    s.add(DCT.publisher, parts.operator())
    s.add(DCAT.contactPoint, parts.contact(datastore, None))
    s.add(DCAT.endpointURL, iris.api())
    s.add(DCAT.endpointDescription, iris.api_description())
    s.add(DCT.accessRights, parts.term(ACCESS_RESTRICTED))
    s.add(DCAT.landingPage, parts.use(iris.home(), lambda: Resource(iris.home(), [FOAF.Document])))
    return s


OAI_PMH_STANDARD = "http://www.openarchives.org/OAI/2.0/openarchivesprotocol.htm"


def _harvesting_service(parts: SharedParts, datastore: str) -> Resource:
    """The OAI-PMH endpoint, for archives that harvest DDI-Codebook and Dublin Core."""
    iris = parts.iris
    s = Resource(f"{iris.catalog(datastore)}#oai-pmh", [DCAT.DataService])
    s.text(DCT.title, pair("Innhøsting av metadata (OAI-PMH)", "Metadata harvesting (OAI-PMH)"))
    s.text(
        DCT.description,
        pair(
            "OAI-PMH 2.0 med Dublin Core (oai_dc) og DDI-Codebook 2.5 (oai_ddi25), "
            "i sett per datalager, register og dataprodukt.",
            "OAI-PMH 2.0 with Dublin Core (oai_dc) and DDI-Codebook 2.5 (oai_ddi25), in sets "
            "by datastore, register and data product.",
        ),
    )
    s.plain(DCT.identifier, s.iri)
    s.add(DCT.publisher, parts.operator())
    s.add(DCAT.contactPoint, parts.contact(datastore, None))
    s.add(DCAT.endpointURL, iris.oai_endpoint())
    s.add(DCT.conformsTo, parts.use(OAI_PMH_STANDARD, _oai_pmh_standard))
    s.add(DCT.accessRights, parts.term(ACCESS_PUBLIC))
    return s


def _oai_pmh_standard() -> Resource:
    r = Resource(OAI_PMH_STANDARD, [DCT.Standard])
    return r.text(DCT.title, pair("OAI-PMH versjon 2.0", "OAI-PMH version 2.0"))
