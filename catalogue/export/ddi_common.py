"""What the DDI-Codebook modules share: the namespace, the element builder, IDs, dates.

IDs are xs:ID values, so each must be an NCName and unique in the XML document that holds
it. A codeBook is not always a document of its own: an OAI-PMH ListRecords page holds
several, and a harvester may keep them together. So every ID of a codeBook is scoped by its
study (datastore, version and, for a one-variable study, the variable), which differs from
record to record, and `Ids` hands out one ID per thing named, never the same ID to two.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from xml.etree import ElementTree as ET

from catalogue.export.inputs import ReleaseInfo, utc
from catalogue.export.xml_text import Builder

DDI_NS = "ddi:codebook:2_5"
DDI_SCHEMA = "http://www.ddialliance.org/Specification/DDI-Codebook/2.5/XMLSchema/codebook.xsd"

ET.register_namespace("ddi", DDI_NS)
ddi = Builder(DDI_NS)


def ddi_id(prefix: str, text: str) -> str:
    """An xs:ID: an NCName, so no ':' and no leading digit (the prefix is a letter)."""
    return f"{prefix}_" + re.sub(r"[^A-Za-z0-9_.\-]", "_", text)


class Ids:
    """The xs:IDs of one codeBook: `of(kind, name)` is the same ID each time it is asked
    for the same thing (so references such as var="…" and files="…" match), and two
    different things never share one, even where sanitising makes their names alike."""

    def __init__(self, scope: str) -> None:
        self._scope = scope
        self._given: dict[tuple[str, str], str] = {}
        self._taken: set[str] = set()

    def of(self, kind: str, name: str) -> str:
        key = (kind, name)
        if key not in self._given:
            base = ddi_id(kind, f"{self._scope}.{name}" if name else self._scope)
            candidate, n = base, 1
            while candidate in self._taken:
                n += 1
                candidate = f"{base}_{n}"
            self._taken.add(candidate)
            self._given[key] = candidate
        return self._given[key]


def day(moment: datetime) -> str:
    return utc(moment).date().isoformat()


def data_start(release: ReleaseInfo) -> date | None:
    return release.start_min or release.metadata.extensions.valid_from


def data_stop(release: ReleaseInfo) -> date | None:
    return release.stop_max or release.metadata.extensions.valid_until
