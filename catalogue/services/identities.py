"""Who is acting: the Identity of an enrolled account, and that of the local command line."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from catalogue.domain.accounts import Identity, Role, agreement_covers
from catalogue.services.context import Context
from catalogue.storage.account_store import AccountStore, Institution, RoleGrant, User


def operator(ctx: Context) -> Identity:
    """The identity of the local command line: trusted, see Identity.operator."""
    return Identity.operator(ctx.config.user)


def identity_of(ctx: Context, store: AccountStore, user: User) -> Identity:
    return identity_from(
        ctx,
        user,
        store.roles(user.id),
        store.institution_by_id(user.institution_id),
        ctx.config["agreement_version"] in store.accepted_versions(user.id),
    )


def identity_from(
    ctx: Context,
    user: User,
    roles: Iterable[RoleGrant],
    inst: Institution | None,
    accepted_terms: bool,
) -> Identity:
    """The identity of `user` from what was read of it (identity_of reads it)."""
    grants = list(roles)
    return Identity(
        user_id=user.id,
        username=user.username,
        roles=frozenset(Role(r.role) for r in grants),
        institution_id=user.institution_id,
        institution_key=inst.key if inst else None,
        agreement_valid=bool(
            inst and agreement_covers(date.today(), inst.agreement_from, inst.agreement_until)
        ),
        accepted_terms=accepted_terms,
        steward_of=frozenset(r.register_key for r in grants if r.role == Role.STEWARD),
    )
