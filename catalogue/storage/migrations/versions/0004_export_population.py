"""export requests remember how a workspace's population was made

A request made from a workspace keeps the steps that made the population, and every
dataset those steps read with its register: those registers must approve the request too
(issue 12, defect 2).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_population_sources",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("dataset_name", sa.String(length=128), nullable=False),
        sa.Column("register_key", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["export_requests.id"],
            name=op.f("fk_export_population_sources_request_id_export_requests"),
        ),
        sa.PrimaryKeyConstraint(
            "request_id", "dataset_name", name=op.f("pk_export_population_sources")
        ),
    )
    with op.batch_alter_table("export_population_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_export_population_sources_register_key"), ["register_key"], unique=False
        )
    with op.batch_alter_table("export_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("population_steps", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("export_requests", schema=None) as batch_op:
        batch_op.drop_column("population_steps")
    with op.batch_alter_table("export_population_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_population_sources_register_key"))
    op.drop_table("export_population_sources")
