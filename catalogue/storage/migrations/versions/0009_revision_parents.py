"""revision parents: an appended month lists its own files only

An APPEND (and a PATCH_METADATA) revision names its parent revision and has the parent's
data files besides its own dataset_files rows, instead of a copy of the parent's whole
file list: appending the 61st month wrote 61 file rows per dataset, now one
(docs/MONTHLY.md §4). Revisions stored before this keep their full lists and no parent, so
an existing database reads exactly as before. The downgrade writes every chain's inherited
files back as rows of each revision (paths from its own folder, as before) and drops the
column.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 23:35:00
"""

from __future__ import annotations

import posixpath

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An integer without a foreign key (storage/models.py says why): a plain ADD COLUMN on
    # every backend, and a DROP COLUMN back.
    op.add_column("dataset_revisions", sa.Column("parent_id", sa.Integer(), nullable=True))


def _from_folder(folder: str, target: str) -> str:
    """`target` (a path inside the datastore root) as seen from `folder`."""
    here = posixpath.normpath(folder).split("/")
    there = posixpath.normpath(target).split("/")
    common = 0
    while common < min(len(here), len(there) - 1) and here[common] == there[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:])


def downgrade() -> None:
    bind = op.get_bind()
    revisions = sa.table(
        "dataset_revisions",
        sa.column("id", sa.Integer),
        sa.column("files_path", sa.String),
        sa.column("parent_id", sa.Integer),
    )
    files = sa.table(
        "dataset_files",
        sa.column("revision_id", sa.Integer),
        sa.column("path", sa.String),
        sa.column("sha256", sa.String),
        sa.column("size_bytes", sa.BigInteger),
        sa.column("row_count", sa.BigInteger),
    )
    folders = {
        rid: path for rid, path in bind.execute(sa.select(revisions.c.id, revisions.c.files_path))
    }
    children = bind.execute(
        sa.select(revisions.c.id, revisions.c.parent_id)
        .where(revisions.c.parent_id.is_not(None))
        .order_by(revisions.c.id)
    ).all()
    # Parents are older than their children: in id order, a parent's list is complete
    # (its own inherited rows written) before its children copy it.
    for child, parent in children:
        inherited = bind.execute(
            sa.select(files.c.path, files.c.sha256, files.c.size_bytes, files.c.row_count).where(
                files.c.revision_id == parent
            )
        ).all()
        rows = [
            {
                "revision_id": child,
                "path": _from_folder(folders[child], f"{folders[parent]}/{path}"),
                "sha256": sha,
                "size_bytes": size,
                "row_count": count,
            }
            for path, sha, size, count in inherited
        ]
        if rows:
            bind.execute(sa.insert(files), rows)
    op.drop_column("dataset_revisions", "parent_id")
