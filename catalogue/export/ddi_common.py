"""What the DDI-Codebook modules share: the namespace, the element builder, IDs, dates."""

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
    """An xs:ID: an NCName, so no ':' and no leading digit."""
    return f"{prefix}_" + re.sub(r"[^A-Za-z0-9_.\-]", "_", text)


def day(moment: datetime) -> str:
    return utc(moment).date().isoformat()


def data_start(release: ReleaseInfo) -> date | None:
    return release.start_min or release.metadata.extensions.valid_from


def data_stop(release: ReleaseInfo) -> date | None:
    return release.stop_max or release.metadata.extensions.valid_until
