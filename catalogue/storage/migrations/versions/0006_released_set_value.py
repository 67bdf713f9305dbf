"""released sets keep the count published for them

The differencing guard answers a count over a set a few units away from a registered one
with the count published for the registered set, instead of withholding it: a withheld
cell beside a repeated one told whether a target unit was in the set (issue 13, item 2).
So a registered count set keeps the value published for it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 17:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analysis_released_sets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("analysis_released_sets", schema=None) as batch_op:
        batch_op.drop_column("published")
