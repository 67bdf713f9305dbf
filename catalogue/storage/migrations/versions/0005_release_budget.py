"""the release budget in points: what each release, input and refusal cost

A release is charged by what it can reveal (rules/budget.py): each charge keeps its points
and, for a result, a digest (the same result again is free); the inputs a project paid a
fee for are kept so each is charged once per window (issue 13, item 6).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 16:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analysis_releases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("points", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_analysis_releases_project_digest", ["project", "digest"], unique=False
        )
    op.create_table(
        "analysis_budget_inputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=200), nullable=False),
        sa.Column("input", sa.String(length=200), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["analysis_releases.id"],
            name=op.f("fk_analysis_budget_inputs_release_id_analysis_releases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_budget_inputs")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("analysis_budget_inputs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analysis_budget_inputs_project_used_at", ["project", "used_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("analysis_budget_inputs", schema=None) as batch_op:
        batch_op.drop_index("ix_analysis_budget_inputs_project_used_at")
    op.drop_table("analysis_budget_inputs")
    with op.batch_alter_table("analysis_releases", schema=None) as batch_op:
        batch_op.drop_index("ix_analysis_releases_project_digest")
        batch_op.drop_column("digest")
        batch_op.drop_column("points")
