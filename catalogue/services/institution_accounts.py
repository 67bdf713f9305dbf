"""Institutions and the periods of their agreements (docs/ARCHITECTURE.md §8): a researcher's access
holds only while the institution's agreement does. Registering institutions is for admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from catalogue.domain.account_names import name_of
from catalogue.domain.accounts import INSTITUTION_KEY, Identity, Role, agreement_covers
from catalogue.domain.errors import RegcatError, conflict, invalid_input, not_found
from catalogue.services.context import Context
from catalogue.services.security_events import record_event
from catalogue.services.setup import require_initialised
from catalogue.storage.account_store import AccountStore, Institution
from catalogue.storage.catalogue_store import now


@dataclass(frozen=True)
class InstitutionView:
    key: str
    name: str
    agreement_from: date
    agreement_until: date | None
    agreement_valid: bool


def create_institution(
    ctx: Context,
    actor: Identity,
    key: str,
    name: str,
    agreement_from: date,
    agreement_until: date | None = None,
) -> InstitutionView:
    require_initialised(ctx)
    _require_admin(actor)
    if not INSTITUTION_KEY.match(key):
        raise invalid_input(
            "invalid-institution-key",
            f"«{key}» er ikke en gyldig institusjonsnøkkel (små bokstaver, sifre, bindestrek).",
            f"«{key}» is not a valid institution key (lower-case letters, digits, hyphens).",
            key=key,
        )
    _check_period(agreement_from, agreement_until)
    with ctx.db.transaction() as session:
        store = AccountStore(session)
        if store.institution(key) is not None:
            raise conflict(
                "institution-exists",
                f"Institusjonen {key} finnes allerede.",
                f"The institution {key} already exists.",
                key=key,
            )
        added = store.add_institution(
            key, name.strip() or key, agreement_from, agreement_until, now()
        )
        view = _institution_view(added)
    record_event(ctx, actor.username, "institution.created", {"institution": key})
    return view


def set_agreement(
    ctx: Context, actor: Identity, key: str, agreement_from: date, agreement_until: date | None
) -> InstitutionView:
    _require_admin(actor)
    _check_period(agreement_from, agreement_until)
    with ctx.db.transaction() as session:
        changed = AccountStore(session).set_agreement(key, agreement_from, agreement_until)
        if changed is None:
            raise _unknown_institution(key)
        view = _institution_view(changed)
    record_event(
        ctx,
        actor.username,
        "institution.agreement",
        {"institution": key, "from": str(agreement_from), "until": str(agreement_until)},
    )
    return view


def list_institutions(ctx: Context) -> list[InstitutionView]:
    require_initialised(ctx)
    with ctx.db.transaction() as session:
        return [_institution_view(i) for i in AccountStore(session).institutions()]


def find_institution(store: AccountStore, key: str) -> Institution:
    """The institution `key`, or the error "unknown-institution"."""
    found = store.institution(key)
    if found is None:
        raise _unknown_institution(key)
    return found


def _unknown_institution(key: str) -> RegcatError:
    return not_found(
        "unknown-institution",
        f"Institusjonen {key} finnes ikke.",
        f"The institution {key} does not exist.",
        institution=key,
    )


def _institution_view(institution: Institution) -> InstitutionView:
    return InstitutionView(
        institution.key,
        institution.name,
        institution.agreement_from,
        institution.agreement_until,
        agreement_covers(date.today(), institution.agreement_from, institution.agreement_until),
    )


def _check_period(starts: date, ends: date | None) -> None:
    if ends is not None and ends < starts:
        raise invalid_input("invalid-agreement-period")


def _require_admin(actor: Identity) -> None:
    if not (actor.is_operator or actor.has(Role.ADMIN)):
        raise RegcatError(
            "admin-required",
            f"Dette krever rollen {name_of('role', Role.ADMIN)}.",
            f"This needs the role {name_of('role', Role.ADMIN, 'en')}.",
            {"role": Role.ADMIN.value},
            403,
        )
