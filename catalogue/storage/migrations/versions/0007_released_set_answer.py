"""released sets of (unit, value) pairs keep the answer published for them

Statistics of values (sums, means, summaries, smoothed extremes and percentiles) are
fingerprinted by their (unit, value) pairs as well as their units; a pair set a few pairs
away from a registered one is answered with the answer published for it, every row's
values and reasons, instead of a freshly perturbed one: consistent noise otherwise made
"the same number or not" an oracle on one unit's value (issue 13, output control v2).
So a registered pair set keeps that answer (JSON text).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 22:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analysis_released_sets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("analysis_released_sets", schema=None) as batch_op:
        batch_op.drop_column("answer")
