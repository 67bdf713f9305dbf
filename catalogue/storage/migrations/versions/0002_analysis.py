"""analysis: workspaces, release ledger, audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 14:25:03.762233
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The audit log is append-only in the database itself, not only by convention: updates and
# deletes fail. (Someone with the database owner's rights can still drop the triggers;
# `regcat audit verify` then finds any change through the hash chain.)
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]
_POSTGRES_TRIGGERS = [
    """CREATE FUNCTION regcat_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
       FOR EACH ROW EXECUTE FUNCTION regcat_audit_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "analysis_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("datastore", sa.String(length=200), nullable=False),
        sa.Column("project", sa.String(length=200), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cells", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_releases")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("analysis_releases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analysis_releases_project_released_at", ["project", "released_at"], unique=False
        )
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("recorded_at", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_audit_entries_entry_id")),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("datastore", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("limits", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
        sa.UniqueConstraint("handle", name=op.f("uq_workspaces_handle")),
    )
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workspaces_owner"), ["owner"], unique=False)
    op.create_table(
        "analysis_released_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("datastore", sa.String(length=200), nullable=False),
        sa.Column("measure", sa.String(length=300), nullable=False),
        sa.Column("statistic", sa.String(length=300), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["analysis_releases.id"],
            name=op.f("fk_analysis_released_sets_release_id_analysis_releases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_released_sets")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("analysis_released_sets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analysis_released_sets_datastore_id", ["datastore", "id"], unique=False
        )
    # The chain starts from an all-zero hash; the head row is also the lock every append
    # (and every release) takes.
    op.execute(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{'0' * 64}')")
    dialect = op.get_bind().dialect.name
    triggers = {"sqlite": _SQLITE_TRIGGERS, "postgresql": _POSTGRES_TRIGGERS}.get(dialect, [])
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS regcat_audit_append_only()")
    with op.batch_alter_table("analysis_released_sets", schema=None) as batch_op:
        batch_op.drop_index("ix_analysis_released_sets_datastore_id")
    op.drop_table("analysis_released_sets")
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workspaces_owner"))
    op.drop_table("workspaces")
    op.drop_table("audit_head")
    op.drop_table("audit_entries")
    with op.batch_alter_table("analysis_releases", schema=None) as batch_op:
        batch_op.drop_index("ix_analysis_releases_project_released_at")
    op.drop_table("analysis_releases")
