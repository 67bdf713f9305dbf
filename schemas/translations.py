"""The messages of marshmallow (and of webargs, which parses API arguments with it) and of
our own schemas, in bokmål as well as English.

marshmallow writes its messages in English only ("Not a valid date."). Rather than
overriding every field's messages, a message is translated when it is shown: each English
template (taken from marshmallow's own fields and validators, so a new marshmallow version
with a new message fails the test that holds this table complete) becomes a pattern whose
placeholders are carried over into the bokmål template (values and codes quoted «so»).
A message nobody translated never shows English inside bokmål text: it becomes
"Ugyldig verdi."."""

from __future__ import annotations

import functools
import inspect
import re
from typing import Any

from marshmallow import Schema, fields, validate

from catalogue.domain.text import localise

UNKNOWN_NB = "Ugyldig verdi."

# English template → bokmål template; {name} placeholders carry over.
BOKMAL: dict[str, str] = {
    # marshmallow fields
    "Not a valid {obj_type}.": "Ikke {obj_type}.",
    "Not a valid {awareness} {obj_type}.": "Ikke {obj_type} ({awareness}).",
    '"{input}" cannot be formatted as a {obj_type}.': "«{input}» kan ikke skrives som {obj_type}.",
    "Not a valid boolean.": "Ikke en sannhetsverdi (true eller false).",
    "Missing data for required field.": "Feltet er påkrevd.",
    "Field may not be null.": "Feltet kan ikke være null.",
    "Invalid value.": "Ugyldig verdi.",
    "Not a valid date.": "Ikke en gyldig dato.",
    '"{input}" cannot be formatted as a date.': "«{input}» kan ikke skrives som en dato.",
    "Special numeric values (nan or infinity) are not permitted.": (
        "Spesielle tallverdier (nan eller uendelig) er ikke tillatt."
    ),
    "Not a valid mapping type.": "Ikke et objekt.",
    "Not a valid email address.": "Ikke en gyldig e-postadresse.",
    "Must be one of: {choices}.": "Må være en av: «{choices}».",
    "Not a valid IP address.": "Ikke en gyldig IP-adresse.",
    "Not a valid IP interface.": "Ikke et gyldig IP-grensesnitt.",
    "Not a valid IPv4 address.": "Ikke en gyldig IPv4-adresse.",
    "Not a valid IPv4 interface.": "Ikke et gyldig IPv4-grensesnitt.",
    "Not a valid IPv6 address.": "Ikke en gyldig IPv6-adresse.",
    "Not a valid IPv6 interface.": "Ikke et gyldig IPv6-grensesnitt.",
    "Not a valid integer.": "Ikke et heltall.",
    "Not a valid list.": "Ikke en liste.",
    "Invalid type.": "Feil type.",
    "Not a valid number.": "Ikke et tall.",
    "Number too large.": "Tallet er for stort.",
    "Not a valid string.": "Ikke en tekst.",
    "Not a valid utf-8 string.": "Ikke en gyldig UTF-8-tekst.",
    "Not a valid period of time.": "Ikke en gyldig tidsperiode.",
    "{input!r} cannot be formatted as a timedelta.": "«{input}» kan ikke skrives som en tidsperiode.",
    "Not a valid tuple.": "Ikke en gyldig liste med faste plasser.",
    "Not a valid URL.": "Ikke en gyldig URL.",
    "Not a valid UUID.": "Ikke en gyldig UUID.",
    # marshmallow schemas
    "Invalid input type.": "Feil type på inndataene.",
    "Unknown field.": "Ukjent felt.",
    # marshmallow validators
    "One or more of the choices you made was in: {values}.": (
        "Ett eller flere av valgene er blant de utelukkede: «{values}»."
    ),
    "One or more of the choices you made was not in: {choices}.": (
        "Ett eller flere av valgene er ikke blant «{choices}»."
    ),
    "Must be equal to {other}.": "Må være lik «{other}».",
    "Length must be between {min} and {max}.": "Lengden må være mellom {min} og {max}.",
    "Length must be {equal}.": "Lengden må være {equal}.",
    "Longer than maximum length {max}.": "Lengre enn største tillatte lengde {max}.",
    "Shorter than minimum length {min}.": "Kortere enn minste tillatte lengde {min}.",
    "Invalid input.": "Ugyldige inndata.",
    "String does not match expected pattern.": "Teksten har ikke forventet form.",
    # webargs
    "Invalid JSON body.": "Innholdet er ikke gyldig JSON.",
    # our schemas (schemas/*.py)
    "use lower-case a-z, 0-9 and '-'": "bruk små bokstaver a–z, 0–9 og «-»",
    "validUntil is before validFrom": "validUntil er før validFrom",
    "a value domain needs either a codeList (enumerated) or a description (described)": (
        "et verdiområde trenger enten en codeList (kodeliste) eller en description (beskrivelse)"
    ),
    "required unless the measure is a unitType": "påkrevd når målet ikke er en unitType",
    "Missing data for required field (no register default).": (
        "Feltet er påkrevd (registeret har ingen standardverdi)."
    ),
    "checksums need a fixed number of digits": "kontrollsummer krever et fast antall siffer",
    "checksums need at most {digits} digits": "kontrollsummer krever høyst {digits} siffer",
    "a checksum has one weight per digit ({digits})": (
        "en kontrollsum har én vekt per siffer ({digits})"
    ),
    "the least number of digits is larger than the largest": (
        "minste antall siffer er større enn største"
    ),
}

# Words marshmallow puts into its templates ({obj_type}, {awareness}).
_WORDS_NB = {
    "date": "en gyldig dato",
    "datetime": "et gyldig tidspunkt",
    "time": "et gyldig klokkeslett",
    "aware": "med tidssone",
    "naive": "uten tidssone",
}


def range_messages() -> dict[str, str]:
    """validate.Range's messages, written out for each comparison it can make."""
    nb_ops = {
        validate.Range.message_gte: "større enn eller lik",
        validate.Range.message_gt: "større enn",
        validate.Range.message_lte: "mindre enn eller lik",
        validate.Range.message_lt: "mindre enn",
    }
    out = {}
    for low in (validate.Range.message_gte, validate.Range.message_gt):
        out[validate.Range.message_min.format(min_op=low)] = f"Må være {nb_ops[low]} {{min}}."
        for high in (validate.Range.message_lte, validate.Range.message_lt):
            english = validate.Range.message_all.format(min_op=low, max_op=high)
            out[english] = f"Må være {nb_ops[low]} {{min}} og {nb_ops[high]} {{max}}."
    for high in (validate.Range.message_lte, validate.Range.message_lt):
        out[validate.Range.message_max.format(max_op=high)] = f"Må være {nb_ops[high]} {{max}}."
    return out


def library_templates() -> set[str]:
    """Every message template marshmallow's fields, schemas and validators can give."""
    found: set[str] = set()
    for _, cls in inspect.getmembers(fields, inspect.isclass):
        if issubclass(cls, fields.Field):
            found.update(getattr(cls, "default_error_messages", {}).values())
    found.update(getattr(Schema, "_default_error_messages", {}).values())
    for _, cls in inspect.getmembers(validate, inspect.isclass):
        if cls is validate.Range:
            continue  # its pieces are put together in range_messages()
        for attr in ("default_message", "message_all", "message_equal", "message_min"):
            value = getattr(cls, attr, None)
            if isinstance(value, str):
                found.add(value)
        if cls is validate.Length:
            found.add(cls.message_max)
    return found


@functools.cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    table = {**BOKMAL, **range_messages()}
    patterns = []
    # The most literal text first: "Not a valid date." before "Not a valid {obj_type}.", and
    # "Must be ... {min} and ... {max}." before "Must be ... {min}.".
    for english in sorted(table, key=lambda t: (-len(re.sub(r"\{[^}]*\}", "", t)), t)):
        regex = "".join(
            f"(?P<{part[1:-1].split('!')[0]}>.+?)" if part.startswith("{") else re.escape(part)
            for part in re.split(
                r"(\{[a-z_]+(?:!r)?\})", english.replace("{{", "{").replace("}}", "}")
            )
            if part
        )
        patterns.append((re.compile(regex + r"\Z", re.DOTALL), table[english]))
    return patterns


def in_bokmal(message: str) -> str:
    """The bokmål version of one English message ("Ugyldig verdi." when none is known)."""
    for pattern, bokmal in _patterns():
        found = pattern.match(message)
        if found:
            values = {k: _WORDS_NB.get(v, v) for k, v in found.groupdict().items()}
            return bokmal.format(**values)
    return UNKNOWN_NB


def translate(message: str, language: str) -> str:
    """One of marshmallow's (English) messages in `language`."""
    return localise((in_bokmal(message), message), language)


def translate_messages(messages: Any, language: str) -> Any:
    """marshmallow's nested messages (dicts and lists of texts) in `language`."""
    if isinstance(messages, dict):
        return {key: translate_messages(value, language) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate_messages(item, language) for item in messages]
    if isinstance(messages, str):
        return translate(messages, language)
    return messages
