"""Every setting regcat reads, declared once; values come from REGCAT_* environment variables.

The README's configuration table is checked against SETTINGS by a test, so a setting added
here without documentation fails the suite.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    @property
    def env_var(self) -> str:
        return f"REGCAT_{self.name.upper()}"


SETTINGS: tuple[Setting, ...] = (
    Setting("home", ".regcat", "Folder for the embedded database, datastore files and index."),
    Setting(
        "database_url",
        "",
        "SQLAlchemy URL of the catalogue database; empty means SQLite at HOME/catalogue.db.",
    ),
    Setting(
        "datastore_root",
        "",
        "Where datastore files live: a local folder or a pyarrow file-system URI "
        "(e.g. s3://bucket/prefix); empty means HOME/datastores.",
    ),
    Setting(
        "key_file",
        "",
        "Pseudonymisation key file, kept outside the datastore; empty means HOME/keys/pseudonym.key.",
    ),
    Setting("default_datastore", "no.regcat.demo", "Datastore used when a command names none."),
    Setting("language", "nb", "Default language of messages and pages (nb or en)."),
    Setting("user", "", "Name recorded as the actor of CLI changes; empty means the OS user."),
    Setting("batch_rows", "1000000", "Rows per batch when streaming an extract to Parquet."),
    Setting(
        "max_problems",
        "50",
        "How many problems an ingest report lists in full (the total is always counted).",
    ),
    Setting(
        "stale_lock_seconds", "3600", "Age after which a release lock of a dead process is broken."
    ),
    Setting(
        "publisher_name", "regcat", "Name of the catalogue's publisher in DCAT and DDI exports."
    ),
    Setting(
        "publisher_uri",
        "",
        "IRI of the catalogue's publisher (e.g. its organisation-catalogue IRI).",
    ),
    Setting("contact_email", "", "Contact address in exports and OAI-PMH Identify."),
    Setting(
        "output_control_dir",
        "",
        "Folder of per-datastore output-control parameter files (<datastore>.json); empty "
        "means HOME/output-control. Without a file the defaults of OUTPUT_CONTROL.md apply.",
    ),
    Setting("index_dir", "", "Folder of the search index; empty means HOME/index."),
    Setting(
        "base_url",
        "",
        "Public base URL: canonical links, sitemap and linked-data IRIs are built from it. "
        "Empty means the scheme, host and port each request was served on (CLI exports then "
        "use http://HOST:PORT); set it in production.",
    ),
    Setting(
        "account_idle_days",
        "548",
        "Accounts unused for this many days (18 months) are deactivated.",
    ),
    Setting("agreement_version", "1", "Version of the end-user agreement users must accept."),
    Setting("token_days", "90", "Lifetime in days of a new API token (and the longest allowed)."),
    Setting("session_hours", "12", "How long a web session lasts after signing in."),
    Setting(
        "secure_cookies",
        "auto",
        "Send cookies only over TLS: true, false, or auto (true when BASE_URL is https).",
    ),
    Setting("oidc_issuer", "", "OpenID Connect issuer URL; empty turns OIDC sign-in off."),
    Setting("oidc_client_id", "", "Client id registered at the OIDC provider."),
    Setting("oidc_client_secret", "", "Client secret registered at the OIDC provider."),
    Setting(
        "oidc_username_claim",
        "preferred_username",
        "ID-token claim matched against enrolled usernames on first OIDC sign-in.",
    ),
    Setting(
        "redis_url",
        "",
        "Redis URL for rate-limit counters shared by all workers; empty keeps them in memory.",
    ),
    Setting(
        "redis_key_prefix",
        "regcat",
        "Prefix of every key regcat writes to Redis, so that several deployments (or test "
        "runs) can share one server without counting each other's requests.",
    ),
    Setting("login_rate_limit", "10 per minute", "Sign-in attempts allowed per address."),
    Setting("token_rate_limit", "30 per minute", "Token requests allowed per address."),
    Setting("host", "127.0.0.1", "Address `regcat serve` binds to."),
    Setting("port", "8000", "Port `regcat serve` listens on."),
    Setting(
        "secret_key",
        "",
        "Flask secret key for sessions; empty means one shared by all workers, kept in "
        "HOME/keys/web-secret.key.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Config:
    """Resolved settings; build with `load_config()` so tests can pass their own environment."""

    values: Mapping[str, str]

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    @property
    def home(self) -> Path:
        return Path(self.values["home"]).expanduser().resolve()

    @property
    def database_url(self) -> str:
        return self.values["database_url"] or f"sqlite:///{self.home / 'catalogue.db'}"

    @property
    def datastore_root(self) -> str:
        return self.values["datastore_root"] or str(self.home / "datastores")

    def _path_or(self, name: str, default: Path) -> Path:
        """The setting as an absolute path, or `default` when it is empty."""
        raw = self.values[name]
        return Path(raw).expanduser().resolve() if raw else default

    @property
    def key_file(self) -> Path:
        return self._path_or("key_file", self.home / "keys" / "pseudonym.key")

    @property
    def index_dir(self) -> Path:
        return self._path_or("index_dir", self.home / "index")

    @property
    def output_control_dir(self) -> Path:
        return self._path_or("output_control_dir", self.home / "output-control")

    @property
    def base_url(self) -> str:
        """The configured base URL, else where `regcat serve` listens. The web layer puts
        the address a request was served on in its place (see catalogue.web.context)."""
        configured = self.values["base_url"].rstrip("/")
        if configured:
            return configured
        host = self.values["host"]
        if host in ("", "0.0.0.0", "::"):  # every interface: this machine's own address
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"  # an IPv6 literal in a URL
        return f"http://{host}:{self.values['port']}"

    @property
    def default_datastore(self) -> str:
        return self.values["default_datastore"]

    @property
    def language(self) -> str:
        return self.values["language"]

    @property
    def user(self) -> str:
        if self.values["user"]:
            return self.values["user"]
        import getpass

        return getpass.getuser()

    @property
    def batch_rows(self) -> int:
        return int(self.values["batch_rows"])

    @property
    def max_problems(self) -> int:
        return int(self.values["max_problems"])

    @property
    def stale_lock_seconds(self) -> int:
        return int(self.values["stale_lock_seconds"])

    @property
    def account_idle_days(self) -> int:
        return int(self.values["account_idle_days"])

    @property
    def token_days(self) -> int:
        return int(self.values["token_days"])

    @property
    def session_hours(self) -> int:
        return int(self.values["session_hours"])

    @property
    def secure_cookies(self) -> bool:
        raw = self.values["secure_cookies"].strip().lower()
        if raw == "auto":
            return self.base_url.startswith("https://")
        return raw in ("1", "true", "yes", "on")

    def with_values(self, **overrides: str) -> Config:
        unknown = set(overrides) - set(_BY_NAME)
        if unknown:
            raise KeyError(f"unknown settings: {sorted(unknown)}")
        return Config({**self.values, **overrides})


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    env = os.environ if environ is None else environ
    return Config({s.name: env.get(s.env_var, s.default) for s in SETTINGS})
