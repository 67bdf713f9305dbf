"""The data side of a DDI-Codebook: one fileDscr per variable (its Parquet file set), and
in dataDscr one varGrp per data product and one var per variable with its categories.

DDI-C 2.5 has no validity dates for a category, so each category states its validity in a
txt element, in bokmål and English.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from catalogue.domain.enums import DataType, SensitivityLevel
from catalogue.domain.register import Register
from catalogue.domain.text import Texts, pick
from catalogue.domain.variable import Code, VariableMetadata
from catalogue.export.ddi_common import Ids, day, ddi
from catalogue.export.inputs import ReleaseInfo, Site, Snapshot, register_of
from catalogue.export.iris import Iris
from catalogue.export.language import bilingual, description_of, label_of, pair

SENSITIVITY = {
    SensitivityLevel.PERSON_GENERAL: ("Personopplysninger", "Personal data"),
    SensitivityLevel.PERSON_SPECIAL: (
        "Særlige kategorier av personopplysninger",
        "Special categories of personal data",
    ),
    SensitivityLevel.PUBLIC: ("Offentlige opplysninger", "Public information"),
    SensitivityLevel.NONPUBLIC: ("Ikke-offentlige opplysninger", "Non-public information"),
}
TEMPORALITY = {
    "FIXED": ("fast verdi", "fixed value"),
    "STATUS": ("status på en dato", "status on a date"),
    "ACCUMULATED": ("akkumulert over en periode", "accumulated over a period"),
    "EVENT": ("hendelser og forløp", "events and spells"),
}


def file_description(
    root: ET.Element, snapshot: Snapshot, name: str, release: ReleaseInfo, site: Site, ids: Ids
) -> None:
    meta = release.metadata
    file = ddi.el(
        root,
        "fileDscr",
        ID=ids.of("F", name),
        URI=Iris(site.base).variable_page(snapshot.datastore, name),
    )
    text = ddi.el(file, "fileTxt")
    ddi.el(text, "fileName", name)
    # fileCont may appear once: bokmål, the codeBook's language; the notes carry English.
    description = dict(description_of(meta))
    ddi.texts(text, "fileCont", [("nb", description["nb"])])
    dimensions = ddi.el(text, "dimensns")
    ddi.el(dimensions, "caseQnty", str(release.row_count))
    ddi.el(dimensions, "varQnty", "1")
    ddi.el(text, "fileType", "Apache Parquet")
    versions = ddi.el(text, "verStmt")
    ddi.el(versions, "version", release.version, date=day(release.released_at), type="release")
    ddi.texts(
        file,
        "notes",
        pair(
            f"{description['nb']} {release.row_count} rader for {release.unit_count} "
            f"enheter av typen {meta.unit_type}.",
            f"{description['en']} {release.row_count} rows for {release.unit_count} "
            f"units of type {meta.unit_type}.",
        ),
    )


def variable_groups(
    data: ET.Element,
    snapshot: Snapshot,
    variables: Sequence[tuple[str, ReleaseInfo]],
    ids: Ids,
) -> None:
    """One group per data product, as the variable browser shows them."""
    groups: dict[tuple[str, str], list[str]] = {}
    labels: dict[tuple[str, str], Texts] = {}
    for name, release in variables:
        meta = release.metadata
        register = register_of(snapshot, meta)
        product = register.product(meta.extensions.data_product or "") if register else None
        if register is None or product is None:
            continue
        key = (register.key, product.id)
        groups.setdefault(key, []).append(ids.of("V", name))
        labels[key] = product.title
    for key, members in groups.items():
        group = ddi.el(
            data, "varGrp", ID=ids.of("G", "-".join(key)), type="subject", var=" ".join(members)
        )
        ddi.texts(group, "labl", bilingual(labels[key]))


def variable(
    data: ET.Element, snapshot: Snapshot, name: str, release: ReleaseInfo, ids: Ids
) -> None:
    meta = release.metadata
    measure = meta.measure
    domain = measure.value_domain
    numeric = measure.data_type in (DataType.LONG, DataType.DOUBLE)
    representation = (
        "code"
        if domain.is_enumerated
        else "numeric"
        if numeric
        else "datetime"
        if measure.data_type is DataType.DATE
        else "text"
    )
    var = ddi.el(
        data,
        "var",
        ID=ids.of("V", name),
        name=name,
        files=ids.of("F", name),
        intrvl="contin" if numeric and not domain.is_enumerated else "discrete",
        representationType=representation,
        temporal="Y" if measure.data_type is DataType.DATE else "N",
    )
    ddi.texts(var, "labl", label_of(meta))
    nb, en = SENSITIVITY[meta.sensitivity]
    ddi.texts(var, "security", pair(nb, en))
    ddi.texts(var, "anlysUnit", pair(meta.unit_type, meta.unit_type))
    ddi.texts(var, "universe", bilingual(meta.population))
    ddi.texts(var, "txt", bilingual(meta.description))
    for code in domain.codes:
        _category(var, code.code, code.title, code)
    for sentinel in domain.sentinels:
        _category(var, sentinel.code, sentinel.title, None)
    versions = ddi.el(var, "verStmt")
    ddi.el(versions, "version", release.version, date=day(release.released_at), type="release")
    ddi.texts(versions, "notes", bilingual(meta.revision_note))
    for texts in meta.subject_fields:
        ddi.texts(var, "concept", bilingual(texts))
    if measure.data_type is DataType.DATE:
        ddi.el(
            var,
            "varFormat",
            "YYYY-MM-DD",
            type="character",
            schema="ISO",
            formatname="ISO 8601 date",
            category="date",
        )
    else:
        ddi.el(
            var,
            "varFormat",
            measure.data_type.value,
            type="numeric" if numeric else "character",
            schema="other",
            otherSchema="microdata.no",
            formatname=measure.data_type.value,
        )
    ddi.texts(var, "notes", _variable_notes(meta, register_of(snapshot, meta)))


def _category(var: ET.Element, value: str, title: Texts, code: Code | None) -> None:
    category = ddi.el(var, "catgry", missing=None if code else "Y")
    ddi.el(category, "catValu", value)
    ddi.texts(category, "labl", bilingual(title) or pair(value, value))
    if code is not None:
        if code.valid_until is None:
            validity = pair(f"Gyldig fra {code.valid_from}.", f"Valid from {code.valid_from}.")
        else:
            validity = pair(
                f"Gyldig fra {code.valid_from} til og med {code.valid_until}.",
                f"Valid from {code.valid_from} up to and including {code.valid_until}.",
            )
        ddi.texts(category, "txt", validity)
    else:
        ddi.texts(category, "txt", pair("Mangler eller spesialverdi.", "Missing or special value."))


def _variable_notes(meta: VariableMetadata, register: Register | None) -> list[tuple[str, str]]:
    ext = meta.extensions
    t_nb, t_en = TEMPORALITY[meta.temporality.value]
    nb = [f"Temporalitet: {meta.temporality.value} ({t_nb})."]
    en = [f"Temporality: {meta.temporality.value} ({t_en})."]
    if ext.valid_from or ext.valid_until:
        since, until = ext.valid_from or "", ext.valid_until or ""
        nb.append(f"Gyldig fra {since} til {until or 'i dag'}.")
        en.append(f"Valid from {since} to {until or 'today'}.")
    if ext.technical_name:
        nb.append(f"Anbefalt teknisk navn: {ext.technical_name}.")
        en.append(f"Recommended technical name: {ext.technical_name}.")
    nb.append("Kan utleveres: ja." if ext.exportable else "Kan utleveres: nei.")
    en.append("Can be exported: yes." if ext.exportable else "Can be exported: no.")
    if register is not None:
        nb.append(f"Register: {pick(register.name, 'nb')}.")
        en.append(f"Register: {pick(register.name, 'en')}.")
    if ext.definition_links:
        nb.append("Definisjon: " + " ".join(ext.definition_links))
        en.append("Definition: " + " ".join(ext.definition_links))
    return pair(" ".join(nb), " ".join(en))
