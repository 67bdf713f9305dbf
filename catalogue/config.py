"""Every setting regcat reads, declared once; values come from REGCAT_* environment variables.

A setting is one line in `Config`: its default as it would be written in the environment, how
its text is read (the reader is its type: a whole number, a folder under HOME, a switch...),
and its help. `config.port` is then an int and `config.index_dir` a Path, for mypy too,
without a hand-written property per setting; `config["port"]` is still the raw text.

A value that cannot be read (a port that is not a number, a language regcat does not speak)
is refused when the settings are loaded, with a RegcatError naming the variable, what it
holds and what it should hold - not a ValueError wherever the value is first used. Only the
OS user behind an empty REGCAT_USER is looked up when asked for, since a container may
have none and most commands never ask.

The README's configuration table is checked against SETTINGS by a test, so a setting added
here without documentation fails the suite.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from catalogue.domain.errors import RegcatError

T = TypeVar("T")


class _Unreadable(ValueError):
    """Raised by a reader: what the setting should hold, in bokmål and English."""

    def __init__(self, nb: str, en: str) -> None:
        super().__init__(en)
        self.nb, self.en = nb, en


@dataclass(frozen=True)
class Reader(Generic[T]):
    """How a setting's text becomes its value. `kind` names the type in the README table;
    `read` gets the whole Config, so an empty value can default to something under HOME."""

    kind: str
    read: Callable[[str, Config], T]


def _text(raw: str, _: Config) -> str:
    return raw


TEXT = Reader("text", _text)


def whole_number(minimum: int, maximum: int | None = None) -> Reader[int]:
    def read(raw: str, _: Config) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            value = None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            upper = f" til {maximum}" if maximum is not None else " eller mer"
            upper_en = f" to {maximum}" if maximum is not None else " or more"
            raise _Unreadable(
                f"et heltall fra {minimum}{upper}", f"a whole number from {minimum}{upper_en}"
            )
        return value

    return Reader("integer", read)


def one_of(*choices: str) -> Reader[str]:
    def read(raw: str, _: Config) -> str:
        if raw not in choices:
            listed = ", ".join(choices)
            raise _Unreadable(f"en av {listed}", f"one of {listed}")
        return raw

    return Reader("choice", read)


def under_home(relative: str) -> Reader[Path]:
    """An absolute path; empty means HOME/`relative`."""

    def read(raw: str, config: Config) -> Path:
        return Path(raw).expanduser().resolve() if raw else config.home / relative

    return Reader("path", read)


def _folder(raw: str, _: Config) -> Path:
    return Path(raw).expanduser().resolve()


def _database_url(raw: str, config: Config) -> str:
    return raw or f"sqlite:///{config.home / 'catalogue.db'}"


def _datastore_root(raw: str, config: Config) -> str:
    return raw or str(config.home / "datastores")


def _user(raw: str, _: Config) -> str:
    if raw:
        return raw
    import getpass

    return getpass.getuser()


def _base_url(raw: str, config: Config) -> str:
    """The configured base URL, else where `regcat serve` listens. The web layer puts the
    address a request was served on in its place (see catalogue.web.context)."""
    if raw.rstrip("/"):
        return raw.rstrip("/")
    host = config.host
    if host in ("", "0.0.0.0", "::"):  # every interface: this machine's own address
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"  # an IPv6 literal in a URL
    return f"http://{host}:{config.port}"


_YES, _NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _secure_cookies(raw: str, config: Config) -> bool:
    value = raw.strip().lower()
    if value == "auto":
        return config.base_url.startswith("https://")
    if value not in _YES + _NO:
        raise _Unreadable("true, false eller auto", "true, false or auto")
    return value in _YES


def _switch(raw: str, _: Config) -> bool:
    value = raw.strip().lower()
    if value not in _YES + _NO:
        raise _Unreadable("true eller false", "true or false")
    return value in _YES


def _datastore_aliases(raw: str, _: Config) -> dict[str, str]:
    """`name=target` pairs separated by commas: a script's `require name:N` uses target."""
    aliases: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        name, sep, target = (part.strip() for part in pair.partition("="))
        if not (sep and name and target):
            raise _Unreadable(
                "par på formen navn=datalager, skilt med komma (f.eks. no.ssb.fdb=no.regcat.fdb)",
                "pairs name=datastore separated by commas (e.g. no.ssb.fdb=no.regcat.fdb)",
            )
        aliases[name] = target
    return aliases


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One REGCAT_* variable. As an attribute of Config it reads as its typed value."""

    default: str
    reader: Reader[T]
    help: str
    checked_when_loaded: bool = True
    name: str = field(default="", init=False)

    def __set_name__(self, owner: type, name: str) -> None:
        object.__setattr__(self, "name", name)

    @property
    def env_var(self) -> str:
        return f"REGCAT_{self.name.upper()}"

    @property
    def kind(self) -> str:
        return self.reader.kind

    @overload
    def __get__(self, config: None, owner: type) -> Setting[T]: ...
    @overload
    def __get__(self, config: Config, owner: type) -> T: ...
    def __get__(self, config: Config | None, owner: type) -> Setting[T] | T:
        if config is None:
            return self
        raw = config.values[self.name]
        try:
            return self.reader.read(raw, config)
        except _Unreadable as wrong:
            raise self.refused(raw, wrong) from None

    def refused(self, raw: str, wrong: _Unreadable) -> RegcatError:
        return RegcatError(
            "setting-invalid",
            f"{self.env_var} kan ikke være «{raw}»: den skal være {wrong.nb}. Rett "
            f"innstillingen, eller fjern den for å bruke standardverdien «{self.default}».",
            f"{self.env_var} cannot be '{raw}': it must be {wrong.en}. Correct the setting, "
            f"or unset it to use the default '{self.default}'.",
            {"setting": self.env_var, "value": raw},
            503,
        )


@dataclass(frozen=True)
class Config:
    """Resolved settings; build with `load_config()` so tests can pass their own environment.
    Each class attribute below is one setting, in the order the README lists them."""

    values: Mapping[str, str]

    home = Setting(
        ".regcat",
        Reader("path", _folder),
        "Folder for the embedded database, datastore files and index.",
    )
    database_url = Setting(
        "",
        Reader("URL", _database_url),
        "SQLAlchemy URL of the catalogue database; empty means SQLite at HOME/catalogue.db.",
    )
    datastore_root = Setting(
        "",
        Reader("path or URI", _datastore_root),
        "Where datastore files live: a local folder or a pyarrow file-system URI "
        "(e.g. s3://bucket/prefix); empty means HOME/datastores.",
    )
    key_file = Setting(
        "",
        under_home("keys/pseudonym.key"),
        "Pseudonymisation key file, kept outside the datastore; empty means HOME/keys/pseudonym.key.",
    )
    default_datastore = Setting("no.regcat.demo", TEXT, "Datastore used when a command names none.")
    language = Setting(
        "nb", one_of("nb", "en"), "Default language of messages and pages (nb or en)."
    )
    datastore_aliases = Setting(
        "",
        Reader("name=datastore list", _datastore_aliases),
        "Datastore names scripts may `require` that mean another datastore here, as "
        "name=datastore pairs separated by commas (e.g. no.ssb.fdb=no.regcat.fdb).",
    )
    script_latest_version = Setting(
        "false",
        Reader("switch", _switch),
        "When a script requires a version its datastore lacks, use the datastore's latest "
        "release and say so in the output (true), or refuse (false). `regcat demo` turns it "
        "on unless it is set; keep it off in production.",
    )
    user = Setting(
        "",
        Reader("text", _user),
        "Name recorded as the actor of CLI changes; empty means the OS user.",
        checked_when_loaded=False,
    )
    batch_rows = Setting(
        "1000000", whole_number(1), "Rows per batch when streaming an extract to Parquet."
    )
    max_problems = Setting(
        "50",
        whole_number(0),
        "How many problems an ingest report lists in full (the total is always counted).",
    )
    stale_lock_seconds = Setting(
        "3600", whole_number(0), "Age after which a release lock of a dead process is broken."
    )
    live_workspaces = Setting(
        "8",
        whole_number(1),
        "Workspaces whose linked rows a web worker keeps in memory; older ones are rebuilt "
        "from their steps when used again.",
    )
    kept_documents_mb = Setting(
        "512",
        whole_number(1),
        "Megabytes of built export documents (DCAT, DDI) a web worker keeps; the newest is "
        "always kept.",
    )
    publisher_name = Setting(
        "regcat", TEXT, "Name of the catalogue's publisher in DCAT and DDI exports."
    )
    publisher_uri = Setting(
        "", TEXT, "IRI of the catalogue's publisher (e.g. its organisation-catalogue IRI)."
    )
    contact_email = Setting("", TEXT, "Contact address in exports and OAI-PMH Identify.")
    output_control_dir = Setting(
        "",
        under_home("output-control"),
        "Folder of per-datastore output-control parameter files (<datastore>.json); empty "
        "means HOME/output-control. Without a file the defaults of OUTPUT_CONTROL.md apply.",
    )
    index_dir = Setting(
        "", under_home("index"), "Folder of the search index; empty means HOME/index."
    )
    base_url = Setting(
        "",
        Reader("URL", _base_url),
        "Public base URL: canonical links, sitemap and linked-data IRIs are built from it. "
        "Empty means the scheme, host and port each request was served on (CLI exports then "
        "use http://HOST:PORT); set it in production.",
    )
    account_idle_days = Setting(
        "548", whole_number(1), "Accounts unused for this many days (18 months) are deactivated."
    )
    agreement_version = Setting("1", TEXT, "Version of the end-user agreement users must accept.")
    token_days = Setting(
        "90", whole_number(1), "Lifetime in days of a new API token (and the longest allowed)."
    )
    session_hours = Setting("12", whole_number(1), "How long a web session lasts after signing in.")
    password_hashing = Setting(
        "standard",
        one_of("standard", "test"),
        "Cost of the argon2id password hashes: standard (the argon2 library's recommended "
        "parameters, RFC 9106 low-memory: 3 passes over 64 MiB) or test (1 pass over 8 KiB, "
        "for test suites only: never in production). A password hashed at another cost is "
        "hashed again at its next sign-in.",
    )
    secure_cookies = Setting(
        "auto",
        Reader("switch", _secure_cookies),
        "Send cookies only over TLS: true, false, or auto (true when BASE_URL is https).",
    )
    oidc_issuer = Setting("", TEXT, "OpenID Connect issuer URL; empty turns OIDC sign-in off.")
    oidc_client_id = Setting("", TEXT, "Client id registered at the OIDC provider.")
    oidc_client_secret = Setting("", TEXT, "Client secret registered at the OIDC provider.")
    oidc_username_claim = Setting(
        "preferred_username",
        TEXT,
        "ID-token claim matched against enrolled usernames on first OIDC sign-in.",
    )
    redis_url = Setting(
        "",
        TEXT,
        "Redis URL for rate-limit counters shared by all workers; empty keeps them in memory.",
    )
    redis_key_prefix = Setting(
        "regcat",
        TEXT,
        "Prefix of every key regcat writes to Redis, so that several deployments (or test "
        "runs) can share one server without counting each other's requests.",
    )
    login_rate_limit = Setting("10 per minute", TEXT, "Sign-in attempts allowed per address.")
    token_rate_limit = Setting("30 per minute", TEXT, "Token requests allowed per address.")
    host = Setting("127.0.0.1", TEXT, "Address `regcat serve` binds to.")
    port = Setting("8000", whole_number(1, 65535), "Port `regcat serve` listens on.")
    secret_key = Setting(
        "",
        TEXT,
        "Flask secret key for sessions; empty means one shared by all workers, kept in "
        "HOME/keys/web-secret.key.",
    )

    def __post_init__(self) -> None:
        for setting in SETTINGS:  # refuse a value that cannot be read now, not at first use
            if setting.checked_when_loaded:
                setting.__get__(self, Config)

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    def with_values(self, **overrides: str) -> Config:
        unknown = set(overrides) - set(_BY_NAME)
        if unknown:
            raise KeyError(f"unknown settings: {sorted(unknown)}")
        return Config({**self.values, **overrides})


SETTINGS: tuple[Setting[Any], ...] = tuple(
    value for value in vars(Config).values() if isinstance(value, Setting)
)
_BY_NAME = {s.name: s for s in SETTINGS}


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    env = os.environ if environ is None else environ
    return Config({s.name: env.get(s.env_var, s.default) for s in SETTINGS})
