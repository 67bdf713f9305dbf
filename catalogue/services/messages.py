"""User-facing strings of the CLI and pages, in bokmål (default) and English. A number
placeholder may name its noun ("{count:dataset}", see catalogue.domain.plurals)."""

from __future__ import annotations

from typing import Any

from catalogue.domain.account_names import name_of
from catalogue.domain.plurals import fill

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (bokmål, English)
    "error": ("Feil", "Error"),
    "warning": ("Advarsel", "Warning"),
    "init-done": ("Katalogdatabasen er klar: {url}", "The catalogue database is ready: {url}"),
    "key-created": (
        "Ny pseudonymiseringsnøkkel laget: {path} (ta sikkerhetskopi, hold den utenfor datalageret)",
        "New pseudonymisation key created: {path} (back it up, keep it outside the datastore)",
    ),
    "key-kept": ("Bruker eksisterende nøkkel: {path}", "Using the existing key: {path}"),
    "web-secret-created": (
        "Ny nøkkel for innlogging på nettsidene laget: {path}",
        "New sign-in key for the web pages created: {path}",
    ),
    "web-secret-kept": (
        "Bruker eksisterende nøkkel for innlogging: {path}",
        "Using the existing sign-in key: {path}",
    ),
    "datastore-created": ("Datalager opprettet: {name}", "Datastore created: {name}"),
    "samples-written": ("Skrev {path}", "Wrote {path}"),
    "ingest-title": (
        "Lagt i utkast {draft} for {datastore}",
        "Staged in draft {draft} of {datastore}",
    ),
    "dataset": ("Datasett", "Dataset"),
    "datasets": ("datasett", "datasets"),
    "operation": ("Operasjon", "Operation"),
    "rows": ("Rader", "Rows"),
    "units": ("Enheter", "Units"),
    "staged-by": ("Lagt inn av", "Staged by"),
    "staged-at": ("Tidspunkt", "Staged at"),
    "draft-title": (
        "Utkast {draft} for {datastore} (bygger på {based_on})",
        "Draft {draft} of {datastore} (based on {based_on})",
    ),
    "draft-empty": ("Utkastet er tomt.", "The draft is empty."),
    "draft-next": (
        "Publisering nå gir versjon {version}.",
        "Releasing now gives version {version}.",
    ),
    "removal-staged": (
        "Fjerning av {dataset} lagt i utkast {draft}.",
        "Removal of {dataset} staged in draft {draft}.",
    ),
    "released": (
        "Publiserte {datastore} {version} ({count:dataset}).",
        "Released {datastore} {version} ({count:dataset}).",
    ),
    "no-versions": ("Ingen publiserte versjoner ennå.", "No released versions yet."),
    "verify-summary": (
        "Kontrollerte {files:file} i {revisions:revision}: {problems:problem}.",
        "Checked {files:file} in {revisions:revision}: {problems:problem}.",
    ),
    "demo-already": (
        "Datalageret {datastore} er allerede publisert (versjon {version}).",
        "The datastore {datastore} is already released (version {version}).",
    ),
    "version": ("regcat {version} (Python {python})", "regcat {version} (Python {python})"),
    "demo-sign-in": (
        "Logg inn på {url} som {username} med passordet {password} (bare i demoen; "
        "passordet er nytt hver gang du kjører demoen).",
        "Sign in at {url} as {username} with the password {password} (demo only; the "
        "password is new every time you run the demo).",
    ),
    "serving-at": ("Nettsidene: {url}", "The web pages: {url}"),
    "demo-ingesting": ("Tar inn {path} ...", "Ingesting {path} ..."),
    "reindex-done": (
        "Søkeindeksen er bygd på nytt: {documents:document} fra {datastores} på {seconds} s "
        "({folder}).",
        "Search index rebuilt: {documents:document} from {datastores} in {seconds} s ({folder}).",
    ),
    "export-written": ("Skrev {path} ({size:byte})", "Wrote {path} ({size:byte})"),
    "accounts-expired": ("Deaktiverte {count:account}.", "Deactivated {count:account}."),
    "audit-flags": ("{count:flag} i revisjonsloggen.", "{count:flag} in the audit log."),
}


def say(key: str, language: str = "nb", **kwargs: Any) -> str:
    return fill(MESSAGES[key], language, group=True, **kwargs)


def named(kind: str, code: str, language: str = "nb") -> str:
    """What people read for a role, scope, token state, export status or reason for
    deactivation (see catalogue.domain.account_names)."""
    return name_of(kind, code, language)
