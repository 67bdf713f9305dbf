"""OAI-PMH 2.0: the six verbs, their arguments and error codes, resumption tokens.

Protocol only: what the repository holds comes in as an `OaiRepository` (records sorted by
datestamp, sets, and a function that renders a record's metadata). Resumption tokens are
stateless: they carry the request's arguments and the (datestamp, identifier) of the last
record sent, so a list resumes exactly after it, even on another worker, and a harvest that
follows the tokens sees every record once.
"""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from xml.etree import ElementTree as ET

from catalogue.export.xml_text import XSI_SCHEMA_LOCATION, Builder, serialise

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
ET.register_namespace("oai", OAI_NS)
_oai = Builder(OAI_NS)


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str


@dataclass(frozen=True)
class OaiRecord:
    identifier: str
    datestamp: datetime  # UTC
    sets: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (stamp(self.datestamp), self.identifier)


@dataclass(frozen=True)
class OaiSet:
    spec: str
    name: str
    description: ET.Element | None = None  # an oai_dc:dc element


@dataclass(frozen=True)
class OaiRepository:
    name: str
    base_url: str
    admin_emails: tuple[str, ...]
    earliest: datetime
    formats: tuple[MetadataFormat, ...]
    records: Sequence[OaiRecord]  # sorted by key
    sets: Sequence[OaiSet]
    render: Callable[[OaiRecord, str], ET.Element]


class OaiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


VERBS: dict[str, tuple[set[str], set[str]]] = {
    # verb: (required, optional) arguments; resumptionToken is handled on its own
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
}
_RESUMABLE = {"ListSets", "ListIdentifiers", "ListRecords"}


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def respond(
    repo: OaiRepository, params: Sequence[tuple[str, str]], now: datetime, page_size: int = 100
) -> bytes:
    """The response document to one request, given its arguments as (name, value) pairs
    (from the query string or the form body; repeats included, so they can be refused)."""
    root = _oai.el(None, "OAI-PMH")
    root.set(XSI_SCHEMA_LOCATION, f"{OAI_NS} {OAI_SCHEMA}")
    _oai.el(root, "responseDate", stamp(now))
    request = _oai.el(root, "request", repo.base_url)
    try:
        verb, args = _check_arguments(params)
    except OaiError as e:
        # After badVerb and badArgument the request element carries no attributes.
        _oai.el(root, "error", e.message, code=e.code)
        return serialise(root, "oai")
    for name, value in [("verb", verb), *sorted(args.items())]:
        request.set(name, value)
    try:
        root.append(_HANDLERS[verb](repo, args, page_size))
    except OaiError as e:
        if e.code in ("badVerb", "badArgument"):
            request.attrib.clear()
        _oai.el(root, "error", e.message, code=e.code)
    return serialise(root, "oai")


def _check_arguments(params: Sequence[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    verbs = [v for k, v in params if k == "verb"]
    if len(verbs) != 1 or verbs[0] not in VERBS:
        problem = "missing" if not verbs else "repeated" if len(verbs) > 1 else "not a verb"
        raise OaiError("badVerb", f"The verb argument is {problem}; use one of {', '.join(VERBS)}.")
    verb = verbs[0]
    args: dict[str, str] = {}
    for key, value in params:
        if key == "verb":
            continue
        if key in args:
            raise OaiError("badArgument", f"The argument {key} is repeated.")
        args[key] = value
    required, optional = VERBS[verb]
    if "resumptionToken" in args:
        if verb not in _RESUMABLE:
            raise OaiError("badArgument", f"{verb} takes no resumptionToken.")
        if len(args) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument.")
        return verb, args
    unknown = set(args) - required - optional
    if unknown:
        raise OaiError("badArgument", f"{verb} does not take {', '.join(sorted(unknown))}.")
    missing = required - set(args)
    if missing:
        raise OaiError("badArgument", f"{verb} needs {', '.join(sorted(missing))}.")
    return verb, args


# ------------------------------------------------------------------------------ verbs
def _identify(repo: OaiRepository, args: dict[str, str], page_size: int) -> ET.Element:
    out = _oai.el(None, "Identify")
    _oai.el(out, "repositoryName", repo.name)
    _oai.el(out, "baseURL", repo.base_url)
    _oai.el(out, "protocolVersion", "2.0")
    for email in repo.admin_emails:
        _oai.el(out, "adminEmail", email)
    _oai.el(out, "earliestDatestamp", stamp(repo.earliest))
    # Released versions stay readable forever: a record is never deleted.
    _oai.el(out, "deletedRecord", "no")
    _oai.el(out, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    return out


def _list_metadata_formats(repo: OaiRepository, args: dict[str, str], page_size: int) -> ET.Element:
    if "identifier" in args:
        _find(repo, args["identifier"])
    out = _oai.el(None, "ListMetadataFormats")
    for f in repo.formats:
        element = _oai.el(out, "metadataFormat")
        _oai.el(element, "metadataPrefix", f.prefix)
        _oai.el(element, "schema", f.schema)
        _oai.el(element, "metadataNamespace", f.namespace)
    return out


def _list_sets(repo: OaiRepository, args: dict[str, str], page_size: int) -> ET.Element:
    if "resumptionToken" in args:
        raise OaiError("badResumptionToken", "ListSets is always complete; no token was issued.")
    out = _oai.el(None, "ListSets")
    for s in repo.sets:
        element = _oai.el(out, "set")
        _oai.el(element, "setSpec", s.spec)
        _oai.el(element, "setName", s.name)
        if s.description is not None:
            _oai.el(element, "setDescription").append(s.description)
    return out


def _get_record(repo: OaiRepository, args: dict[str, str], page_size: int) -> ET.Element:
    prefix = _format(repo, args["metadataPrefix"])
    record = _find(repo, args["identifier"])
    out = _oai.el(None, "GetRecord")
    out.append(_record(repo, record, prefix))
    return out


def _list(with_metadata: bool) -> Callable[[OaiRepository, dict[str, str], int], ET.Element]:
    verb = "ListRecords" if with_metadata else "ListIdentifiers"

    def handle(repo: OaiRepository, args: dict[str, str], page_size: int) -> ET.Element:
        after: tuple[str, str] | None = None
        cursor = 0
        if "resumptionToken" in args:
            args, after, cursor = _read_token(args["resumptionToken"], verb)
        prefix = _format(repo, args["metadataPrefix"])
        selected = _select(repo, args)
        start = 0 if after is None else bisect_right([r.key for r in selected], after)
        page = selected[start : start + page_size]
        if not page and after is None:
            raise OaiError("noRecordsMatch", "No record matches the arguments.")
        out = _oai.el(None, verb)
        for record in page:
            out.append(_record(repo, record, prefix) if with_metadata else _header(record))
        done = start + len(page)
        if done < len(selected) or after is not None:
            token = (
                _write_token(args, page[-1].key, cursor + len(page)) if done < len(selected) else ""
            )
            _oai.el(
                out,
                "resumptionToken",
                token,
                completeListSize=str(len(selected)),
                cursor=str(cursor),
            )
        return out

    return handle


_HANDLERS: dict[str, Callable[[OaiRepository, dict[str, str], int], ET.Element]] = {
    "Identify": _identify,
    "ListMetadataFormats": _list_metadata_formats,
    "ListSets": _list_sets,
    "ListIdentifiers": _list(with_metadata=False),
    "ListRecords": _list(with_metadata=True),
    "GetRecord": _get_record,
}


# ------------------------------------------------------------------------------ parts
def _format(repo: OaiRepository, prefix: str) -> str:
    if prefix not in {f.prefix for f in repo.formats}:
        raise OaiError("cannotDisseminateFormat", f"The metadata format {prefix} is not offered.")
    return prefix


def _find(repo: OaiRepository, identifier: str) -> OaiRecord:
    for record in repo.records:
        if record.identifier == identifier:
            return record
    raise OaiError("idDoesNotExist", f"No record has the identifier {identifier}.")


def _header(record: OaiRecord) -> ET.Element:
    header = _oai.el(None, "header")
    _oai.el(header, "identifier", record.identifier)
    _oai.el(header, "datestamp", stamp(record.datestamp))
    for spec in record.sets:
        _oai.el(header, "setSpec", spec)
    return header


def _record(repo: OaiRepository, record: OaiRecord, prefix: str) -> ET.Element:
    element = _oai.el(None, "record")
    element.append(_header(record))
    _oai.el(element, "metadata").append(repo.render(record, prefix))
    return element


def _parse_date(text: str, name: str, end_of_day: bool) -> tuple[datetime, bool]:
    """(moment, whether it was given to the day)."""
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").date()
            moment = datetime.combine(day, time.max if end_of_day else time.min, UTC)
            return moment.replace(microsecond=0), True
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), False
    except ValueError:
        raise OaiError(
            "badArgument", f"{name}={text} is not a date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)."
        ) from None


def _select(repo: OaiRepository, args: dict[str, str]) -> list[OaiRecord]:
    since, until = args.get("from"), args.get("until")
    low = _parse_date(since, "from", end_of_day=False) if since else None
    high = _parse_date(until, "until", end_of_day=True) if until else None
    if low and high:
        if low[1] != high[1]:
            raise OaiError("badArgument", "from and until must have the same granularity.")
        if low[0] > high[0]:
            raise OaiError("badArgument", "from is later than until.")
    wanted = args.get("set")
    if wanted is not None and not any(s.spec == wanted for s in repo.sets):
        raise OaiError("noRecordsMatch", f"There is no set {wanted}.")
    return [
        r
        for r in repo.records
        if (low is None or r.datestamp >= low[0])
        and (high is None or r.datestamp <= high[0])
        and (wanted is None or any(s == wanted or s.startswith(wanted + ":") for s in r.sets))
    ]


def _write_token(args: dict[str, str], after: tuple[str, str], cursor: int) -> str:
    body = {"args": args, "after": list(after), "cursor": cursor}
    return base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode()


def _read_token(token: str, verb: str) -> tuple[dict[str, str], tuple[str, str], int]:
    try:
        body = json.loads(base64.urlsafe_b64decode(token.encode()))
        args = {str(k): str(v) for k, v in body["args"].items()}
        after = (str(body["after"][0]), str(body["after"][1]))
        cursor = int(body["cursor"])
    except (ValueError, KeyError, TypeError, IndexError, binascii.Error):
        raise OaiError("badResumptionToken", "The resumption token is not valid.") from None
    if "metadataPrefix" not in args or set(args) - VERBS[verb][0] - VERBS[verb][1]:
        raise OaiError("badResumptionToken", "The resumption token is not valid.")
    return args, after, cursor
