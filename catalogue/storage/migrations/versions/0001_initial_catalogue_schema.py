"""initial catalogue schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 13:25:11.689579
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datastores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("label", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datastores")),
        sa.UniqueConstraint("name", name=op.f("uq_datastores_name")),
    )
    op.create_table(
        "locks",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_locks")),
    )
    op.create_table(
        "unit_types",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("label", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("identifier_format", sa.String(length=100), nullable=False),
        sa.Column("requires_pseudonymization", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_unit_types")),
    )
    op.create_table(
        "dataset_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("datastore_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("files_path", sa.String(length=500), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("metadata_doc", sa.JSON(), nullable=False),
        sa.Column("metadata_sha256", sa.String(length=64), nullable=False),
        sa.Column("temporality", sa.String(length=20), nullable=False),
        sa.Column("unit_type", sa.String(length=100), nullable=False),
        sa.Column("register_key", sa.String(length=100), nullable=True),
        sa.Column("data_product", sa.String(length=100), nullable=True),
        sa.Column("exportable", sa.Boolean(), nullable=False),
        sa.Column("technical_name", sa.String(length=200), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.Column("unit_count", sa.BigInteger(), nullable=False),
        sa.Column("start_min", sa.Date(), nullable=True),
        sa.Column("stop_max", sa.Date(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["datastore_id"],
            ["datastores.id"],
            name=op.f("fk_dataset_revisions_datastore_id_datastores"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_revisions")),
    )
    with op.batch_alter_table("dataset_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dataset_revisions_datastore_id"), ["datastore_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dataset_revisions_name"), ["name"], unique=False)

    op.create_table(
        "drafts",
        sa.Column("datastore_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["datastore_id"], ["datastores.id"], name=op.f("fk_drafts_datastore_id_datastores")
        ),
        sa.PrimaryKeyConstraint("datastore_id", name=op.f("pk_drafts")),
    )
    op.create_table(
        "registers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("datastore_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["datastore_id"], ["datastores.id"], name=op.f("fk_registers_datastore_id_datastores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registers")),
        sa.UniqueConstraint("datastore_id", "key", name=op.f("uq_registers_datastore_id")),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("datastore_id", sa.Integer(), nullable=False),
        sa.Column("major", sa.Integer(), nullable=False),
        sa.Column("minor", sa.Integer(), nullable=False),
        sa.Column("patch", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_by", sa.String(length=200), nullable=False),
        sa.Column("draft_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["datastore_id"], ["datastores.id"], name=op.f("fk_versions_datastore_id_datastores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
        sa.UniqueConstraint(
            "datastore_id", "major", "minor", "patch", name=op.f("uq_versions_datastore_id")
        ),
    )
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_versions_datastore_id"), ["datastore_id"], unique=False
        )

    op.create_table(
        "changelog_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("dataset_name", sa.String(length=128), nullable=False),
        sa.Column("operation", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("staged_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name=op.f("fk_changelog_entries_version_id_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changelog_entries")),
    )
    with op.batch_alter_table("changelog_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_changelog_entries_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "code_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=True),
        sa.Column("period_until", sa.Date(), nullable=True),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("is_sentinel", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["dataset_revisions.id"],
            name=op.f("fk_code_list_entries_revision_id_dataset_revisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_list_entries")),
    )
    with op.batch_alter_table("code_list_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_code_list_entries_revision_id"), ["revision_id"], unique=False
        )

    op.create_table(
        "data_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["register_id"], ["registers.id"], name=op.f("fk_data_products_register_id_registers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_products")),
        sa.UniqueConstraint("register_id", "key", name=op.f("uq_data_products_register_id")),
    )
    op.create_table(
        "dataset_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["dataset_revisions.id"],
            name=op.f("fk_dataset_files_revision_id_dataset_revisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_files")),
    )
    with op.batch_alter_table("dataset_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dataset_files_revision_id"), ["revision_id"], unique=False
        )

    op.create_table(
        "draft_operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("datastore_id", sa.Integer(), nullable=False),
        sa.Column("dataset_name", sa.String(length=128), nullable=False),
        sa.Column("operation", sa.String(length=20), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("staged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staged_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["datastore_id"],
            ["datastores.id"],
            name=op.f("fk_draft_operations_datastore_id_datastores"),
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["dataset_revisions.id"],
            name=op.f("fk_draft_operations_revision_id_dataset_revisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_operations")),
        sa.UniqueConstraint(
            "datastore_id", "dataset_name", name=op.f("uq_draft_operations_datastore_id")
        ),
    )
    op.create_table(
        "version_datasets",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("dataset_name", sa.String(length=128), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["dataset_revisions.id"],
            name=op.f("fk_version_datasets_revision_id_dataset_revisions"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name=op.f("fk_version_datasets_version_id_versions")
        ),
        sa.PrimaryKeyConstraint("version_id", "dataset_name", name=op.f("pk_version_datasets")),
    )
    with op.batch_alter_table("version_datasets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_version_datasets_revision_id"), ["revision_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("version_datasets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_version_datasets_revision_id"))

    op.drop_table("version_datasets")
    op.drop_table("draft_operations")
    with op.batch_alter_table("dataset_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_files_revision_id"))

    op.drop_table("dataset_files")
    op.drop_table("data_products")
    with op.batch_alter_table("code_list_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_code_list_entries_revision_id"))

    op.drop_table("code_list_entries")
    with op.batch_alter_table("changelog_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changelog_entries_version_id"))

    op.drop_table("changelog_entries")
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_versions_datastore_id"))

    op.drop_table("versions")
    op.drop_table("registers")
    op.drop_table("drafts")
    with op.batch_alter_table("dataset_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_revisions_name"))
        batch_op.drop_index(batch_op.f("ix_dataset_revisions_datastore_id"))

    op.drop_table("dataset_revisions")
    op.drop_table("unit_types")
    op.drop_table("locks")
    op.drop_table("datastores")
