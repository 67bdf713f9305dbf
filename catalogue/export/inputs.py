"""What the exports read: the shape of a catalogue snapshot, and the site's own settings.

The services layer hands over its `CatalogueSnapshot` as is; these protocols name only the
attributes the exports use, so export never imports the services layer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol

from catalogue.domain.register import Register
from catalogue.domain.text import Texts, texts
from catalogue.domain.variable import VariableMetadata
from catalogue.domain.version import VersionNumber


class VersionInfo(Protocol):
    @property
    def version(self) -> str: ...
    @property
    def released_at(self) -> datetime: ...
    @property
    def released_by(self) -> str: ...
    @property
    def description(self) -> str: ...


class ReleaseInfo(Protocol):
    """One released revision of a variable (services.reading.VariableRelease)."""

    @property
    def version(self) -> str: ...
    @property
    def released_at(self) -> datetime: ...
    @property
    def operation(self) -> str: ...
    @property
    def note(self) -> str: ...
    @property
    def metadata(self) -> VariableMetadata: ...
    @property
    def row_count(self) -> int: ...
    @property
    def unit_count(self) -> int: ...
    @property
    def start_min(self) -> date | None: ...
    @property
    def stop_max(self) -> date | None: ...
    @property
    def superseded_in(self) -> str | None: ...


class Snapshot(Protocol):
    """Everything released in one datastore (services.reading.CatalogueSnapshot)."""

    @property
    def datastore(self) -> str: ...
    @property
    def versions(self) -> Sequence[VersionInfo]: ...  # newest first
    @property
    def registers(self) -> Sequence[Register]: ...
    @property
    def variables(self) -> Mapping[str, Sequence[ReleaseInfo]]: ...  # oldest release first
    @property
    def current(self) -> Set[str]: ...


DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_PUBLISHER: Texts = texts(nb="regcat-katalogen", en="The regcat catalogue")


@dataclass(frozen=True)
class Site:
    """The catalogue's own identity: where it is served and who runs it."""

    base_url: str = DEFAULT_BASE_URL
    publisher_name: Texts = DEFAULT_PUBLISHER
    publisher_uri: str | None = None  # the operator's organisation IRI, when it has one
    contact_email: str | None = None

    @property
    def base(self) -> str:
        return self.base_url.rstrip("/")


def utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def version_key(label: str) -> tuple[int, int, int, int]:
    return VersionNumber.parse(label).key()


def latest_release_time(snapshot: Snapshot) -> datetime | None:
    return utc(snapshot.versions[0].released_at) if snapshot.versions else None


def releases_in_force(snapshot: Snapshot, version: str) -> dict[str, ReleaseInfo]:
    """The revision of every variable that datastore version `version` contains."""
    at = version_key(version)
    found: dict[str, ReleaseInfo] = {}
    for name, history in snapshot.variables.items():
        for release in history:
            if version_key(release.version) > at:
                break
            ends = release.superseded_in
            if ends is None or version_key(ends) > at:
                found[name] = release
    return found


def register_of(snapshot: Snapshot, meta: VariableMetadata) -> Register | None:
    key = meta.extensions.register
    return next((r for r in snapshot.registers if r.key == key), None)
