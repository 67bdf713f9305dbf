"""The catalogue of problems an extract can have: a stable code, what is wrong and how to fix
it, in bokmål and English. Messages never quote a unit identifier, only line numbers, so a
report can be shown and stored without leaking who is in the data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from catalogue.domain.identifiers import IdentifierProblem
from catalogue.domain.plurals import counted, quantities


@dataclass(frozen=True)
class Both:
    """A parameter whose wording depends on the language, e.g. an open end of a period."""

    nb: str
    en: str


OPEN_END = Both("(åpen)", "(open)")


@dataclass(frozen=True)
class Template:
    nb: str
    en: str
    hint_nb: str
    hint_en: str
    severity: Literal["error", "warning"] = "error"

    def fill(self, params: Mapping[str, Any]) -> tuple[str, str, str, str]:
        nb = quantities({k: v.nb if isinstance(v, Both) else v for k, v in params.items()}, "nb")
        en = quantities({k: v.en if isinstance(v, Both) else v for k, v in params.items()}, "en")
        return (
            self.nb.format(**nb),
            self.en.format(**en),
            self.hint_nb.format(**nb),
            self.hint_en.format(**en),
        )


_LINE_FORMAT_NB = "unit_id;value;start;stop; (semikolon, ingen overskrift, datoer ÅÅÅÅ-MM-DD)"
_LINE_FORMAT_EN = "unit_id;value;start;stop; (semicolons, no header, dates YYYY-MM-DD)"

CATALOGUE: dict[str, Template] = {
    # --- the data file as a whole and its lines -------------------------------------------
    "empty-file": Template(
        "Filen er tom.",
        "The file is empty.",
        f"Legg inn én rad per linje på formen {_LINE_FORMAT_NB}.",
        f"Add one row per line in the form {_LINE_FORMAT_EN}.",
    ),
    "not-utf8": Template(
        "Linjen er ikke gyldig UTF-8: byte {line_offset} i linjen (byte {file_offset} i filen)"
        " har verdien 0x{byte:02X}.",
        "The line is not valid UTF-8: byte {line_offset} of the line (byte {file_offset} of the"
        " file) has the value 0x{byte:02X}.",
        "Lagre filen med tegnkodingen UTF-8; filer fra eldre systemer er ofte i Latin-1 eller"
        " Windows-1252 (æ, ø og å blir da feil).",
        "Save the file with UTF-8 encoding; files from older systems are often Latin-1 or"
        " Windows-1252 (which breaks æ, ø and å).",
    ),
    "empty-line": Template(
        "Linjen er tom.",
        "The line is empty.",
        "Fjern tomme linjer, også på slutten av filen (ett avsluttende linjeskift er greit).",
        "Remove empty lines, also at the end of the file (one final line break is fine).",
    ),
    "wrong-column-count": Template(
        "Linjen har {found:field}, men skal ha 5 (unit_id;value;start;stop;attributt).",
        "The line has {found:field} but must have 5 (unit_id;value;start;stop;attribute).",
        "Hver linje skal ha nøyaktig fire semikolon, også når datoene er tomme, f.eks."
        " «123;4;2020-01-01;2020-12-31;». En verdi med semikolon må stå i anførselstegn.",
        "Every line must have exactly four semicolons, also when the dates are empty, e.g."
        " «123;4;2020-01-01;2020-12-31;». A value containing a semicolon must be quoted.",
    ),
    "stray-carriage-return": Template(
        "Linjen inneholder et vognretur-tegn (CR) som ikke står rett før linjeskiftet.",
        "The line contains a carriage return (CR) that is not right before the line break.",
        "Bruk linjeskift LF eller CRLF, og fjern CR-tegn inne i linjene.",
        "Use LF or CRLF line breaks, and remove CR characters inside lines.",
    ),
    # --- fields of a row ------------------------------------------------------------------
    "missing-unit-id": Template(
        "Identifikatoren til enheten mangler.",
        "The unit identifier is missing.",
        "Fyll inn identifikatoren i første felt.",
        "Fill in the identifier in the first field.",
    ),
    "invalid-identifier": Template(
        "Identifikatoren er ikke et gyldig {unit_type}-nummer: {reason}.",
        "The identifier is not a valid {unit_type} number: {reason}.",
        "En {unit_type}-identifikator er {rule}. Rett identifikatoren, eller rett enhetstypen"
        " (unitType) i metadataene om den er feil.",
        "A {unit_type} identifier is {rule}. Correct the identifier, or correct the unit type"
        " (unitType) in the metadata if that is wrong.",
    ),
    "missing-value": Template(
        "Verdien mangler.",
        "The value is missing.",
        "Fyll inn verdien i andre felt; er den ukjent, bruk en kode for manglende verdi fra"
        " metadataene (sentinelAndMissingValues).",
        "Fill in the value in the second field; if it is unknown, use a missing-value code"
        " from the metadata (sentinelAndMissingValues).",
    ),
    "invalid-date": Template(
        "«{text}» er ikke en dato på formen ÅÅÅÅ-MM-DD.",
        "«{text}» is not a date of the form YYYY-MM-DD.",
        "Skriv datoen som år-måned-dag med fire, to og to sifre, f.eks. 2020-01-31.",
        "Write the date as year-month-day with four, two and two digits, e.g. 2020-01-31.",
    ),
    "impossible-date": Template(
        "Datoen {text} finnes ikke.",
        "The date {text} does not exist.",
        "Rett dagen, måneden eller året; februar har 28 dager (29 i skuddår), og året må"
        " være 0001 eller senere.",
        "Correct the day, month or year; February has 28 days (29 in leap years), and the"
        " year must be 0001 or later.",
    ),
    "wrong-type": Template(
        "«{text}» er ikke {expected}.",
        "«{text}» is not {expected}.",
        "Variabelen har datatypen {data_type} i metadataene; rett verdien, eller rett"
        " dataType om den er feil.",
        "The variable has data type {data_type} in the metadata; correct the value, or"
        " correct dataType if that is wrong.",
    ),
    "unknown-code": Template(
        "«{text}» finnes ikke i kodelisten.",
        "«{text}» is not in the code list.",
        "Bruk en kode fra valueDomain.codeList eller sentinelAndMissingValues i metadataene,"
        " eller legg koden til i kodelisten med gyldighetsperiode.",
        "Use a code from valueDomain.codeList or sentinelAndMissingValues in the metadata, or"
        " add the code to the code list with its validity period.",
    ),
    "code-not-valid-on-date": Template(
        "Koden «{text}» er ikke gyldig på startdatoen {date}; den er gyldig {validity}.",
        "The code «{text}» is not valid on the start date {date}; it is valid {validity}.",
        "Bruk koden som gjaldt på datoen, eller rett validFrom/validUntil i kodelisten.",
        "Use the code that was valid on that date, or correct validFrom/validUntil in the"
        " code list.",
    ),
    # --- dates and temporality --------------------------------------------------------------
    "missing-start": Template(
        "Startdatoen mangler.",
        "The start date is missing.",
        "En {temporality}-variabel må ha startdato i tredje felt.",
        "A {temporality} variable needs a start date in the third field.",
    ),
    "missing-stop": Template(
        "Stoppdatoen mangler.",
        "The stop date is missing.",
        "En {temporality}-variabel må ha stoppdato i fjerde felt.",
        "A {temporality} variable needs a stop date in the fourth field.",
    ),
    "start-after-stop": Template(
        "Startdatoen {start} er etter stoppdatoen {stop}.",
        "The start date {start} is after the stop date {stop}.",
        "Bytt om datoene eller rett den som er feil; start skal være tidligst.",
        "Swap the dates or correct the wrong one; start comes first.",
    ),
    "status-start-not-stop": Template(
        "Startdatoen {start} og stoppdatoen {stop} er ulike.",
        "The start date {start} and the stop date {stop} differ.",
        "I en STATUS-variabel er både start og stop statusdatoen, f.eks."
        " «123;4;2020-01-01;2020-01-01;».",
        "In a STATUS variable both start and stop are the status date, e.g."
        " «123;4;2020-01-01;2020-01-01;».",
    ),
    "fixed-has-start": Template(
        "En FIXED-variabel har ingen startdato, men linjen har {start}.",
        "A FIXED variable has no start date, but the line has {start}.",
        "La tredje og fjerde felt være tomme, f.eks. «123;K;;;», eller rett temporalityType"
        " om variabelen ikke er fast.",
        "Leave the third and fourth fields empty, e.g. «123;K;;;», or correct temporalityType"
        " if the variable is not fixed.",
    ),
    "fixed-stop-ignored": Template(
        "Stoppdato i en FIXED-variabel er foreldet; {stop} blir ignorert.",
        "A stop date in a FIXED variable is deprecated; {stop} is ignored.",
        "La fjerde felt være tomt; støtten for stoppdato i faste variabler blir fjernet.",
        "Leave the fourth field empty; support for stop dates in fixed variables will be removed.",
        severity="warning",
    ),
    # --- rows that conflict with other rows ---------------------------------------------------
    "duplicate-id": Template(
        "Enheten har allerede en rad på rad {other_row}.",
        "The unit already has a row at row {other_row}.",
        "En FIXED-variabel har nøyaktig én rad per enhet; fjern eller slå sammen duplikatene.",
        "A FIXED variable has exactly one row per unit; remove or merge the duplicates.",
    ),
    "duplicate-status-date": Template(
        "Enheten har allerede en rad for statusdatoen {start} (rad {other_row}).",
        "The unit already has a row for the status date {start} (row {other_row}).",
        "En STATUS-variabel har én rad per enhet per statusdato; fjern duplikatet.",
        "A STATUS variable has one row per unit per status date; remove the duplicate.",
    ),
    "overlapping-periods": Template(
        "Perioden {start}–{stop} overlapper perioden {other_start}–{other_stop} på rad"
        " {other_row} for samme enhet.",
        "The period {start}–{stop} overlaps the period {other_start}–{other_stop} at row"
        " {other_row} for the same unit.",
        "En enhet har én verdi om gangen: rett datoene så periodene ikke overlapper (begge"
        " datoene hører med til perioden, og en periode uten stoppdato varer til i dag).",
        "A unit has one value at a time: correct the dates so the periods do not overlap"
        " (both dates belong to the period, and a period without a stop date lasts until"
        " today).",
    ),
    # --- the folder and the metadata file -------------------------------------------------------
    "not-an-extract": Template(
        "Mappen inneholder verken register.json, NAME.json/NAME.csv eller datasettmapper.",
        "The folder holds neither register.json, NAME.json/NAME.csv nor dataset folders.",
        "Pek på en registermappe (register.json og én mappe per datasett) eller en"
        " datasettmappe (NAME/NAME.json og NAME/NAME.csv).",
        "Point to a register folder (register.json and one folder per dataset) or a dataset"
        " folder (NAME/NAME.json and NAME/NAME.csv).",
    ),
    "missing-file": Template(
        "Filen {expected} mangler.",
        "The file {expected} is missing.",
        "Hvert datasett er en mappe NAME med NAME.json (metadata) og NAME.csv (data).",
        "Every dataset is a folder NAME holding NAME.json (metadata) and NAME.csv (data).",
    ),
    "name-mismatch": Template(
        "Navnet «{found}» stemmer ikke med mappenavnet «{name}».",
        "The name «{found}» does not match the folder name «{name}».",
        "Mappen, metadatafilen og datafilen skal ha samme navn: {name}/{name}.json og"
        " {name}/{name}.csv.",
        "The folder, the metadata file and the data file must share one name:"
        " {name}/{name}.json and {name}/{name}.csv.",
    ),
    "invalid-dataset-name": Template(
        "Datasettnavnet «{name}» er ugyldig: {reason}.",
        "The dataset name «{name}» is invalid: {reason}.",
        "Bruk store bokstaver A–Z, sifre og _, og begynn med en bokstav, f.eks. BEFOLKNING_KJOENN.",
        "Use capital letters A–Z, digits and _, starting with a letter, e.g. BEFOLKNING_KJOENN.",
    ),
    "invalid-json": Template(
        "Filen er ikke gyldig JSON: {detail} (tegn {col} i linjen).",
        "The file is not valid JSON: {detail} (character {col} of the line).",
        "Rett syntaksen, f.eks. manglende komma, anførselstegn eller klammer.",
        "Correct the syntax, e.g. a missing comma, quote or bracket.",
    ),
    "unknown-field": Template(
        "Feltet «{field}» er ukjent.",
        "The field «{field}» is unknown.",
        "Fjern feltet eller rett stavemåten; regcat sine tillegg hører hjemme i blokken"
        " «catalogue».",
        "Remove the field or correct its spelling; regcat's extensions belong in the"
        " «catalogue» block.",
    ),
    "missing-field": Template(
        "Det påkrevde feltet «{field}» mangler.",
        "The required field «{field}» is missing.",
        "Legg til feltet i filen, eller en standardverdi i registerets register.json der det"
        " finnes en.",
        "Add the field to the file, or a default in the register's register.json where one exists.",
    ),
    "invalid-field": Template(
        "Feltet «{field}» har en ugyldig verdi: {detail}",
        "The field «{field}» has an invalid value: {detail}",
        "Rett verdien etter formatbeskrivelsen for metadata.",
        "Correct the value as the metadata format describes.",
    ),
    "duplicate-code": Template(
        "Koden «{code}» står mer enn én gang i kodelisten i perioden fra {date}.",
        "The code «{code}» is listed more than once in the code list in the period from {date}.",
        "En kode kan bare forekomme én gang per periode; rett validFrom/validUntil så"
        " periodene ikke overlapper.",
        "A code may appear only once per period; correct validFrom/validUntil so the periods"
        " do not overlap.",
    ),
    "unknown-unit-type": Template(
        "Enhetstypen «{unit_type}» finnes ikke.",
        "The unit type «{unit_type}» does not exist.",
        "Bruk en av {known}, eller legg til en definisjon av enhetstypen i mappen for enhetstyper.",
        "Use one of {known}, or add a definition of the unit type to the unit-type folder.",
    ),
    "unknown-data-product": Template(
        "Dataproduktet «{product}» finnes ikke i register.json.",
        "The data product «{product}» does not exist in register.json.",
        "Bruk et av dataproduktene {known}, eller legg det til under dataProducts i register.json.",
        "Use one of the data products {known}, or add it under dataProducts in register.json.",
    ),
}


def describe(code: str) -> Template:
    """The template of a problem code; an unknown code is a programming error."""
    return CATALOGUE[code]


# Texts for a value that is not of the measure's data type.
EXPECTED_TYPE = {
    "LONG": Both("et heltall (f.eks. 12)", "a whole number (e.g. 12)"),
    "DOUBLE": Both(
        "et desimaltall med punktum (f.eks. 1.5)", "a decimal number with a point (e.g. 1.5)"
    ),
    "DATE": Both("en dato på formen ÅÅÅÅ-MM-DD", "a date of the form YYYY-MM-DD"),
}

# Python's JSON parser explains itself in English only; these are all its messages.
JSON_REASONS = {
    "Expecting value": Both("forventet en verdi", "expecting a value"),
    "Expecting ',' delimiter": Both("forventet komma", "expecting ',' delimiter"),
    "Expecting ':' delimiter": Both("forventet kolon", "expecting ':' delimiter"),
    "Expecting property name enclosed in double quotes": Both(
        "forventet et feltnavn i doble anførselstegn",
        "expecting property name enclosed in double quotes",
    ),
    "Unterminated string starting at": Both(
        "en tekst som aldri avsluttes", "unterminated string starting at"
    ),
    "Invalid control character at": Both("ugyldig kontrolltegn", "invalid control character at"),
    "Invalid \\escape": Both("ugyldig \\-sekvens", "invalid \\escape"),
    "Invalid \\uXXXX escape": Both("ugyldig \\uXXXX-sekvens", "invalid \\uXXXX escape"),
    "Extra data": Both("mer innhold etter slutten av dokumentet", "extra data"),
}


def json_reason(message: str) -> Both:
    return JSON_REASONS.get(message, Both("ugyldig syntaks", message))


# The reasons of catalogue.domain.names.dataset_name_problem, in both languages.
NAME_REASONS = {
    "empty": Both("det er tomt", "it is empty"),
    "starts with a digit or underscore": Both(
        "det begynner med et siffer eller _", "it starts with a digit or underscore"
    ),
    "has characters outside A-Z, 0-9 and _": Both(
        "det har tegn utenom A–Z, 0–9 og _", "it has characters outside A-Z, 0-9 and _"
    ),
    "is longer than 128 characters": Both(
        "det er lenger enn 128 tegn", "it is longer than 128 characters"
    ),
}


def identifier_reason(problem: IdentifierProblem, length: int) -> Both:
    """Why an identifier breaks its rule, in words that do not quote it."""
    if problem == IdentifierProblem.NOT_DIGITS:
        return Both("den har andre tegn enn siffer", "it has characters other than digits")
    if problem == IdentifierProblem.LENGTH:
        return Both(
            f"den har {counted(length, 'character')}",
            f"it has {counted(length, 'character', 'en')}",
        )
    return Both("kontrollsifrene stemmer ikke", "the check digits do not match")


def shorten(text: str, limit: int = 40) -> str:
    """A value quoted in a message, cut so one bad field cannot flood the report."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
