"""Small helpers for the XML exports (DDI, OAI-PMH, Dublin Core, RDF/XML)."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSI_SCHEMA_LOCATION = f"{{{XSI}}}schemaLocation"

# Characters XML 1.0 cannot carry at all, not even as character references.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: str) -> str:
    return _XML_INVALID.sub("", value)


class Builder:
    """Elements in one namespace, with text cleaned for XML."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace

    def tag(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def el(
        self,
        parent: ET.Element | None,
        local: str,
        text: str | None = None,
        /,
        **attrs: str | None,
    ) -> ET.Element:
        clean = {k: v for k, v in attrs.items() if v is not None}
        element = (
            ET.Element(self.tag(local), clean)
            if parent is None
            else ET.SubElement(parent, self.tag(local), clean)
        )
        if text is not None:
            element.text = xml_text(text)
        return element

    def texts(
        self,
        parent: ET.Element,
        local: str,
        pairs: list[tuple[str, str]],
        /,
        **attrs: str | None,
    ) -> list[ET.Element]:
        """One element per (language, text), tagged with xml:lang."""
        found = []
        for lang, text in pairs:
            element = self.el(parent, local, text, **attrs)
            element.set(XML_LANG, lang)
            found.append(element)
        return found


def serialise(root: ET.Element, default_prefix: str) -> bytes:
    """The document with `default_prefix`'s namespace as the default one.

    ElementTree refuses a default namespace when attributes are unqualified (as DDI's and
    OAI-PMH's are), so the registered prefix is dropped after writing. That is safe: in
    serialised XML "<" is always escaped in text and attribute values, so "<prefix:" and
    "</prefix:" only ever start tags."""
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    body = (
        body.replace(f"<{default_prefix}:", "<")
        .replace(f"</{default_prefix}:", "</")
        .replace(f" xmlns:{default_prefix}=", " xmlns=", 1)
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")
