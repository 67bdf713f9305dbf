"""Streaming serialisations of `Resource` records: Turtle, JSON-LD, RDF/XML, N-Triples.

Each writer walks the records once and joins strings, so a catalogue of millions of
triples is written in seconds. The test suite parses every format back with rdflib and
checks it is isomorphic to `to_graph` of the same records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef

from catalogue.export.rdf_model import Lit, Object, Resource
from catalogue.export.rdf_namespaces import PREFIXES, RDF
from catalogue.export.xml_text import xml_text

_LOCAL_NAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_\-.]*[A-Za-z0-9_\-])?$")
_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-.]*$")
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')

_STRING_ESCAPES = {i: f"\\u{i:04X}" for i in range(0x20)}
_STRING_ESCAPES.update({ord("\\"): "\\\\", ord('"'): '\\"', 10: "\\n", 13: "\\r", 9: "\\t"})


def safe_iri(iri: str) -> str:
    """Percent-encode what an IRI may not contain (minted IRIs never do; manifests might)."""
    if _IRI_UNSAFE.search(iri) is None:
        return iri
    return _IRI_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), iri)


class _Names:
    """Compact names (prefix:local) for vocabulary IRIs; other IRIs stay whole."""

    def __init__(self, prefixes: dict[str, str], pattern: re.Pattern[str]) -> None:
        self._prefix_of = {ns: p for p, ns in prefixes.items()}
        self._pattern = pattern
        self._cache: dict[str, str] = {}

    def compact(self, iri: str) -> str | None:
        found = self._cache.get(iri)
        if found is not None:
            return found
        # Every declared namespace ends in '/' or '#': split there and look it up.
        cut = max(iri.rfind("/"), iri.rfind("#")) + 1
        prefix = self._prefix_of.get(iri[:cut])
        if prefix is None or not self._pattern.match(iri[cut:]):
            return None
        found = self._cache[iri] = f"{prefix}:{iri[cut:]}"  # only vocabulary terms repeat
        return found


def write_turtle(resources: Iterable[Resource], prefixes: dict[str, str] = PREFIXES) -> str:
    names = _Names(prefixes, _LOCAL_NAME)

    def iri(value: str) -> str:
        return names.compact(value) or f"<{safe_iri(value)}>"

    def term(obj: Object) -> str:
        return _literal(obj, iri) if isinstance(obj, Lit) else iri(obj)

    out = [f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes.items()]
    for r in resources:
        groups: dict[str, list[str]] = {}
        if r.types:
            groups["a"] = [iri(t) for t in r.types]
        for predicate, obj in r.props:
            groups.setdefault(iri(predicate), []).append(term(obj))
        if groups:
            body = " ;\n    ".join(f"{p} {_objects(objs)}" for p, objs in groups.items())
            out.append(f"\n{iri(r.iri)}\n    {body} .\n")
    return "".join(out)


def _objects(rendered: list[str]) -> str:
    # Long lists (a catalogue's datasets) one per line, short ones on the predicate's line.
    if len(rendered) > 2 and sum(map(len, rendered)) > 80:
        return ",\n        ".join(rendered)
    return ", ".join(rendered)


def _literal(lit: Lit, datatype: Callable[[str], str]) -> str:
    """A literal as Turtle and N-Triples both write it: quoted and escaped, then its
    language tag or its datatype (written by `datatype`: compact in Turtle, whole in
    N-Triples)."""
    text = '"' + lit.value.translate(_STRING_ESCAPES) + '"'
    if lit.lang:
        return f"{text}@{lit.lang}"
    return f"{text}^^{datatype(lit.datatype)}" if lit.datatype else text


def _whole(iri: str) -> str:
    return f"<{iri}>"


def write_ntriples(resources: Iterable[Resource]) -> str:
    def term(obj: Object) -> str:
        return _literal(obj, _whole) if isinstance(obj, Lit) else f"<{safe_iri(obj)}>"

    out: list[str] = []
    rdf_type = f"<{RDF.type}>"
    for r in resources:
        s = f"<{safe_iri(r.iri)}>"
        out.extend(f"{s} {rdf_type} <{t}> .\n" for t in r.types)
        out.extend(f"{s} <{p}> {term(o)} .\n" for p, o in r.props)
    return "".join(out)


def write_jsonld(resources: Iterable[Resource], prefixes: dict[str, str] = PREFIXES) -> str:
    """Flattened JSON-LD: one node object per line under @graph, keys as compact IRIs
    resolved by an inline @context (no remote context to fetch)."""
    names = _Names(prefixes, _LOCAL_NAME)

    def key(value: str) -> str:
        return names.compact(value) or value

    def value(obj: Object) -> Any:
        if isinstance(obj, Lit):
            if obj.lang:
                return {"@value": obj.value, "@language": obj.lang}
            if obj.datatype:
                return {"@value": obj.value, "@type": key(obj.datatype)}
            return obj.value
        return {"@id": safe_iri(obj)}

    nodes = []
    for r in resources:
        node: dict[str, Any] = {"@id": safe_iri(r.iri)}
        if r.types:
            node["@type"] = [key(t) for t in r.types]
        for predicate, obj in r.props:
            node.setdefault(key(predicate), []).append(value(obj))
        nodes.append("    " + json.dumps(node, ensure_ascii=False))
    context = json.dumps({"@context": prefixes}, ensure_ascii=False, indent=2)
    return context[:-2] + ',\n  "@graph": [\n' + ",\n".join(nodes) + "\n  ]\n}\n"


def write_rdfxml(resources: Iterable[Resource], prefixes: dict[str, str] = PREFIXES) -> str:
    names = _Names(prefixes, _XML_NAME)

    def attr(text: str) -> str:
        return (
            xml_text(text)
            .replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&quot;")
        )

    def element(predicate: str) -> str:
        qname = names.compact(predicate)
        if qname is None:
            raise ValueError(f"no XML name for predicate {predicate}; add its namespace")
        return qname

    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF']
    out.extend(f'\n    xmlns:{p}="{attr(ns)}"' for p, ns in prefixes.items())
    out.append(">\n")
    for r in resources:
        out.append(f'  <rdf:Description rdf:about="{attr(safe_iri(r.iri))}">\n')
        out.extend(f'    <rdf:type rdf:resource="{attr(safe_iri(t))}"/>\n' for t in r.types)
        for predicate, obj in r.props:
            tag = element(predicate)
            if isinstance(obj, Lit):
                extra = f' xml:lang="{obj.lang}"' if obj.lang else ""
                if obj.datatype:
                    extra = f' rdf:datatype="{attr(obj.datatype)}"'
                out.append(f"    <{tag}{extra}>{attr(obj.value)}</{tag}>\n")
            else:
                out.append(f'    <{tag} rdf:resource="{attr(safe_iri(obj))}"/>\n')
        out.append("  </rdf:Description>\n")
    out.append("</rdf:RDF>\n")
    return "".join(out)


def to_graph(resources: Iterable[Resource]) -> Graph:
    """The same records as an rdflib Graph (for SHACL validation and tests)."""
    graph = Graph(bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    for r in resources:
        s = URIRef(safe_iri(r.iri))
        for t in r.types:
            graph.add((s, URIRef(RDF.type), URIRef(safe_iri(t))))
        for predicate, obj in r.props:
            if isinstance(obj, Lit):
                o: URIRef | Literal = Literal(
                    obj.value,
                    lang=obj.lang,
                    datatype=URIRef(obj.datatype) if obj.datatype else None,
                )
            else:
                o = URIRef(safe_iri(obj))
            graph.add((s, URIRef(predicate), o))
    return graph


@dataclass(frozen=True)
class RdfFormat:
    name: str
    media_type: str
    suffix: str
    rdflib_name: str  # what rdflib calls the format, for parsing back
    write: Callable[[Iterable[Resource]], str]


FORMATS: dict[str, RdfFormat] = {
    f.name: f
    for f in (
        RdfFormat("ttl", "text/turtle", ".ttl", "turtle", write_turtle),
        RdfFormat("jsonld", "application/ld+json", ".jsonld", "json-ld", write_jsonld),
        RdfFormat("xml", "application/rdf+xml", ".rdf", "xml", write_rdfxml),
        RdfFormat("nt", "application/n-triples", ".nt", "nt", write_ntriples),
    )
}
