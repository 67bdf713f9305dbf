"""What people read for the codes of accounts: roles, token scopes, token states,
export-request statuses and reasons for deactivation, in bokmål and English. The codes themselves ("researcher",
"pending") stay in the API and in error details, where programs read them; pages and
messages show these names, so no English code turns up inside bokmål text."""

from __future__ import annotations

from catalogue.domain.text import localise

# Keyed by the codes of catalogue.domain.accounts (Role, Scope, ExportStatus); a test holds
# every code to a name.
ROLE_NAMES: dict[str, tuple[str, str]] = {
    "researcher": ("forsker", "researcher"),
    "institution-admin": ("institusjonsadministrator", "institution administrator"),
    "steward": ("dataforvalter", "data steward"),
    "admin": ("plattformadministrator", "platform administrator"),
}
SCOPE_NAMES: dict[str, tuple[str, str]] = {
    "search": ("søk", "search"),
    "analysis": ("analyse", "analysis"),
    "steward": ("forvaltning", "stewardship"),
    "admin": ("brukeradministrasjon", "user administration"),
}
TOKEN_STATE_NAMES: dict[str, tuple[str, str]] = {
    "active": ("gyldig", "valid"),
    "expired": ("utløpt", "expired"),
    "revoked": ("trukket tilbake", "revoked"),
}
EXPORT_STATUS_NAMES: dict[str, tuple[str, str]] = {
    "pending": ("venter på svar", "waiting for an answer"),
    "approved": ("godkjent", "approved"),
    "rejected": ("avslått", "rejected"),
    "downloaded": ("lastet ned", "downloaded"),
}
DEACTIVATION_NAMES: dict[str, tuple[str, str]] = {
    "by-admin": ("deaktivert av en administrator", "deactivated by an administrator"),
    "idle": ("ubrukt for lenge", "unused for too long"),
}
NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "role": ROLE_NAMES,
    "scope": SCOPE_NAMES,
    "token-state": TOKEN_STATE_NAMES,
    "export-status": EXPORT_STATUS_NAMES,
    "deactivation": DEACTIVATION_NAMES,
}


def name_of(kind: str, code: str, language: str = "nb") -> str:
    """The name of a code of `kind` (a key of NAMES); a code without one (never expected)
    is shown as it is."""
    found = NAMES[kind].get(code)
    if found is None:
        return code
    return localise(found, language)
