"""The OAI-PMH repository of a catalogue: one record per variable, in sets by datastore,
register and data product (datastore:register:product, so harvesting a register's set
includes its products'), with oai_dc and DDI-Codebook 2.5 metadata."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from catalogue.domain.text import Texts, pick
from catalogue.export.ddi_codebook import DDI_NS, DDI_SCHEMA, codebook, variable_study
from catalogue.export.dublin_core import OAI_DC_NS, OAI_DC_SCHEMA, description_dc, variable_dc
from catalogue.export.inputs import Site, Snapshot, register_of, utc
from catalogue.export.iris import Iris
from catalogue.export.language import bilingual, pair
from catalogue.export.oai_pmh import MetadataFormat, OaiRecord, OaiRepository, OaiSet

FORMATS = (
    MetadataFormat("oai_dc", OAI_DC_SCHEMA, OAI_DC_NS),
    MetadataFormat("oai_ddi25", DDI_SCHEMA, DDI_NS),
)
_NO_RELEASE_YET = datetime(1970, 1, 1, tzinfo=UTC)


def _set_name(texts: Texts) -> str:
    nb, en = pick(texts, "nb"), pick(texts, "en")
    return nb if nb == en else f"{nb} ({en})"


def variable_repository(snapshots: Sequence[Snapshot], site: Site) -> OaiRepository:
    iris = Iris(site.base)
    records: list[OaiRecord] = []
    sets: list[OaiSet] = []
    where: dict[str, tuple[Snapshot, str]] = {}
    for snapshot in snapshots:
        ds = snapshot.datastore
        sets.append(
            OaiSet(
                ds,
                f"Datalager {ds} (datastore {ds})",
                description_dc(
                    pair(f"Variablene i datalageret {ds}.", f"The variables of the datastore {ds}.")
                ),
            )
        )
        for register in snapshot.registers:
            sets.append(
                OaiSet(
                    f"{ds}:{register.key}",
                    _set_name(register.name),
                    _description(register.description),
                )
            )
            for product in register.data_products:
                sets.append(
                    OaiSet(
                        f"{ds}:{register.key}:{product.id}",
                        _set_name(product.title),
                        _description(product.description),
                    )
                )
        released = {v.version: utc(v.released_at) for v in snapshot.versions}
        for name, history in snapshot.variables.items():
            last = history[-1]
            # A record changes when its variable gets a new release or is removed.
            changed = released.get(last.superseded_in or "", utc(last.released_at))
            specs = [ds]
            owner = register_of(snapshot, last.metadata)
            if owner is not None:
                specs.append(f"{ds}:{owner.key}")
                group = owner.product(last.metadata.extensions.data_product or "")
                if group is not None:
                    specs.append(f"{ds}:{owner.key}:{group.id}")
            identifier = iris.variable_page(ds, name)
            records.append(OaiRecord(identifier, changed.replace(microsecond=0), tuple(specs)))
            where[identifier] = (snapshot, name)
    records.sort(key=lambda r: r.key)

    def render(record: OaiRecord, prefix: str) -> ET.Element:
        snapshot, name = where[record.identifier]
        if prefix == "oai_dc":
            return variable_dc(snapshot, name, site)
        query = urlencode(
            {"verb": "GetRecord", "metadataPrefix": prefix, "identifier": record.identifier}
        )
        study = variable_study(snapshot, name, site)
        return codebook(snapshot, study, site, f"{iris.oai_endpoint()}?{query}")

    times = [utc(v.released_at) for s in snapshots for v in s.versions]
    emails = [site.contact_email] if site.contact_email else []
    emails += [r.owner.email for s in snapshots for r in s.registers if r.owner.email]
    return OaiRepository(
        name=_set_name(site.publisher_name),
        base_url=iris.oai_endpoint(),
        admin_emails=tuple(dict.fromkeys(emails)) or ("postmaster@localhost",),
        earliest=min(times, default=_NO_RELEASE_YET).replace(microsecond=0),
        formats=FORMATS,
        records=records,
        sets=sets,
        render=render,
    )


def _description(texts: Texts) -> ET.Element | None:
    found = bilingual(texts)
    return description_dc(found) if found else None
