"""A chart's Vega-Lite spec, and the link that opens it in the public Vega editor.

The editor reads a spec from its URL's fragment: https://vega.github.io/editor/#/url/vega-lite/
followed by the spec's JSON compressed with lz-string's compressToEncodedURIComponent. The
fragment never reaches a server (browsers do not send it), so the link carries the released
spec to the researcher's browser only; regcat fetches nothing.

lz-string (MIT, pieroxy) is written here rather than taken as a dependency: it is forty lines,
the Python ports on the package index are unmaintained, and its output is fixed by the
published test vectors checked in tests/test_result_downloads.py. It works on UTF-16 code
units, as JavaScript strings are, so a character outside the BMP is two units here as there."""

from __future__ import annotations

import json
from typing import Any

EDITOR = "https://vega.github.io/editor/#/url/vega-lite/"
MEDIA_TYPE = "application/json"
URI_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$"


def spec_bytes(spec: dict[str, Any]) -> bytes:
    return json.dumps(spec, ensure_ascii=False, indent=2).encode("utf-8")


def editor_url(spec: dict[str, Any]) -> str:
    return EDITOR + compress_to_encoded_uri_component(json.dumps(spec, ensure_ascii=False))


def compress_to_encoded_uri_component(text: str) -> str:
    return "".join(URI_ALPHABET[v] for v in _compress(_code_units(text), 6))


def _code_units(text: str) -> list[str]:
    raw = text.encode("utf-16-le", "surrogatepass")
    return [chr(int.from_bytes(raw[i : i + 2], "little")) for i in range(0, len(raw), 2)]


class _Bits:
    """Writes values least significant bit first into symbols of `width` bits."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.symbols: list[int] = []
        self.value = 0
        self.position = 0

    def write(self, value: int, bits: int) -> None:
        for _ in range(bits):
            self.value = (self.value << 1) | (value & 1)
            value >>= 1
            if self.position == self.width - 1:
                self.symbols.append(self.value)
                self.value, self.position = 0, 0
            else:
                self.position += 1

    def flush(self) -> list[int]:
        while True:
            self.value <<= 1
            if self.position == self.width - 1:
                self.symbols.append(self.value)
                return self.symbols
            self.position += 1


def _compress(units: list[str], width: int) -> list[int]:
    """lz-string's _compress: an LZW dictionary whose code width grows, a new character
    written as its 8 or 16 bits after the marker 0 or 1, and 2 to end the stream."""
    dictionary: dict[str, int] = {}
    to_create: set[str] = set()
    size, bits, enlarge_in = 3, 2, 2
    out = _Bits(width)
    w = ""

    def grow() -> None:
        nonlocal enlarge_in, bits
        enlarge_in -= 1
        if enlarge_in == 0:
            enlarge_in = 2**bits
            bits += 1

    def emit(phrase: str) -> None:
        if phrase in to_create:
            code = ord(phrase[0])
            wide = code >= 256
            out.write(1 if wide else 0, bits)
            out.write(code, 16 if wide else 8)
            grow()
            to_create.discard(phrase)
        else:
            out.write(dictionary[phrase], bits)
        grow()

    for c in units:
        if c not in dictionary:
            dictionary[c] = size
            size += 1
            to_create.add(c)
        if w + c in dictionary:
            w += c
            continue
        emit(w)
        dictionary[w + c] = size
        size += 1
        w = c
    if w:
        emit(w)
    out.write(2, bits)
    return out.flush()
