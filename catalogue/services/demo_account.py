"""`regcat demo` only: a researcher account to try the signed-in pages with.

The demo's catalogue holds synthetic sample registers, so a known account is harmless
there; it is never made by `regcat init` or `regcat serve`. Each demo run gives the account
a new random password and prints it (the password is never stored in clear), so a rerun
can always tell the user how to sign in. Its institution, `demo`, has an agreement from
today with no end.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from catalogue.domain.accounts import Identity
from catalogue.domain.errors import RegcatError
from catalogue.services import identities, institution_accounts, user_accounts
from catalogue.services.context import Context

INSTITUTION = "demo"
USERNAME = "demo-forsker"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    institution: str
    created: bool


def demo_researcher(ctx: Context) -> DemoAccount:
    """Make the demo researcher (and its institution) if missing; give it a new password."""
    operator: Identity = identities.operator(ctx)
    known = {i.key for i in institution_accounts.list_institutions(ctx)}
    if INSTITUTION not in known:
        institution_accounts.create_institution(
            ctx, operator, INSTITUTION, "Demoinstitusjon / Demo institution", date.today()
        )
    password = secrets.token_urlsafe(12)
    try:
        user_accounts.enrol_user(
            ctx,
            operator,
            USERNAME,
            display_name="Demo-forsker / Demo researcher",
            institution=INSTITUTION,
            roles=("researcher",),
            password=password,
        )
        created = True
    except RegcatError as e:
        if e.code != "user-exists":
            raise
        user_accounts.set_password(ctx, operator, USERNAME, password)
        user_accounts.reactivate_user(ctx, operator, USERNAME)  # idle expiry may have hit it
        created = False
    return DemoAccount(USERNAME, password, INSTITUTION, created)
