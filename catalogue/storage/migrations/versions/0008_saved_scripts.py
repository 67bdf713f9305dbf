"""saved scripts and the script library

A saved script keeps its text and the datastore versions its `require`s resolved to, so a
rerun computes on the same data (issue 15 item 4). A library entry is a copy taken when
the script was published; its tags are one per line, lower case, so that the library's
search is a plain LIKE on every backend.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 23:21:24.398648
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_scripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("script_id", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("pins", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forked_from", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_scripts")),
        sa.UniqueConstraint("script_id", name=op.f("uq_saved_scripts_script_id")),
    )
    with op.batch_alter_table("saved_scripts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_scripts_owner"), ["owner"], unique=False)

    op.create_table(
        "script_library",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("script_id", sa.String(length=40), nullable=False),
        sa.Column("publisher", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("pins", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_script_library")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_script_library_entry_id")),
        sa.UniqueConstraint("script_id", name=op.f("uq_script_library_script_id")),
    )
    with op.batch_alter_table("script_library", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_script_library_publisher"), ["publisher"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("script_library", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_script_library_publisher"))

    op.drop_table("script_library")
    with op.batch_alter_table("saved_scripts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_scripts_owner"))

    op.drop_table("saved_scripts")
