"""Resources many datasets point at: owners and contact points, the catalogue's operator,
rights statements, EU vocabulary terms. Each is described once per document, however
many datasets refer to it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from catalogue.domain.register import Register
from catalogue.export.eu_vocabularies import Term, describe_term
from catalogue.export.inputs import Site
from catalogue.export.iris import Iris
from catalogue.export.language import bilingual, pair
from catalogue.export.rdf_model import Resource
from catalogue.export.rdf_namespaces import DCT, FOAF, RDFS, VCARD

# Norwegian harvesters (data.norge.no) identify organisations by their number in the
# Central Coordinating Register; an owner URI that already is such an IRI is used as is.
_ORGANISATION_IRI = re.compile(
    r"^https://(organization-catalog\.fellesdatakatalog\.digdir\.no/organizations"
    r"|data\.brreg\.no/enhetsregisteret/api/enheter)/(?P<number>\d{9})$"
)

ANALYSIS_RIGHTS = pair(
    "Mikrodata er ikke tilgjengelige. Forskere ved godkjente institusjoner analyserer "
    "dataene gjennom regcats analysetjeneste, og alle resultater passerer utdatakontroll.",
    "Microdata are not available. Researchers at approved institutions analyse the data "
    "through regcat's analysis service, and every result passes output control.",
)
EXPORT_RIGHTS = pair(
    "Variabelen kan utleveres: mikrodata kan leveres med nye pseudonymer etter søknad "
    "som registereier godkjenner.",
    "The variable can be exported: microdata may be delivered with fresh pseudonyms on a "
    "request approved by the register owner.",
)


class SharedParts:
    """Collects shared resources by IRI while datasets are described."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.iris = Iris(site.base)
        self._found: dict[str, Resource] = {}

    def use(self, iri: str, describe: Callable[[], Resource | list[Resource]]) -> str:
        if iri not in self._found:
            made = describe()
            for r in made if isinstance(made, list) else [made]:
                self._found.setdefault(r.iri, r)
        return iri

    def term(self, term: Term) -> str:
        return self.use(term.iri, lambda: describe_term(term))

    def resources(self) -> Iterator[Resource]:
        yield from self._found.values()

    # agents ----------------------------------------------------------------------------
    def operator(self) -> str:
        site = self.site
        iri = site.publisher_uri or self.iris.operator()

        def describe() -> Resource:
            r = Resource(iri, [FOAF.Agent, FOAF.Organization])
            r.text(FOAF.name, bilingual(site.publisher_name))
            if site.contact_email:
                r.add(FOAF.mbox, f"mailto:{site.contact_email}")
            return r

        return self.use(iri, describe)

    def owner(self, datastore: str, register: Register | None) -> str:
        """The register owner as the publisher (a foaf:Agent) of its variables."""
        if register is None:
            return self.operator()
        uri = register.owner.uri or ""
        match = _ORGANISATION_IRI.match(uri)
        iri = uri if match else self.iris.owner(datastore, register.key)

        def describe() -> Resource:
            r = Resource(iri, [FOAF.Agent, FOAF.Organization])
            r.text(FOAF.name, bilingual(register.owner.name))
            if match:
                r.plain(DCT.identifier, match.group("number"))
            elif uri:
                r.add(FOAF.homepage, uri)
            if register.owner.email:
                r.add(FOAF.mbox, f"mailto:{register.owner.email}")
            return r

        return self.use(iri, describe)

    def contact(self, datastore: str, register: Register | None) -> str | None:
        """A vCard for questions about the register's variables."""
        if register is None:
            if not self.site.contact_email:
                return None
            iri = f"{self.iris.operator()}-contact"
            name, email, url = self.site.publisher_name, self.site.contact_email, ""
        else:
            iri = self.iris.contact(datastore, register.key)
            owner = register.owner
            name, email, url = owner.name, owner.email or "", owner.uri or ""

        def describe() -> Resource:
            r = Resource(iri, [VCARD.Organization, VCARD.Kind])
            r.text(VCARD.fn, bilingual(name))
            if email:
                r.add(VCARD.hasEmail, f"mailto:{email}")
            if url:
                r.add(VCARD.hasURL, url)
            return r

        return self.use(iri, describe)

    def ddi_document(self, datastore: str, version: str) -> str:
        """The DDI-Codebook of a datastore version, as documentation (foaf:page)."""
        iri = self.iris.ddi_document(datastore, version)

        def describe() -> Resource:
            r = Resource(iri, [FOAF.Document])
            return r.text(
                DCT.title,
                pair(
                    f"DDI-Codebook 2.5 for {datastore} versjon {version}",
                    f"DDI-Codebook 2.5 of {datastore} version {version}",
                ),
            )

        return self.use(iri, describe)

    # rights ----------------------------------------------------------------------------
    def rights(self, kind: str) -> str:
        text = EXPORT_RIGHTS if kind == "export" else ANALYSIS_RIGHTS
        iri = self.iris.rights(kind)
        return self.use(iri, lambda: Resource(iri, [DCT.RightsStatement]).text(RDFS.label, text))
