"""evidence_items: live items by (camera_id, end_at), so retention reads only expired segments

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    live = sa.text("deleted_at IS NULL")
    columns = ["camera_id", "end_at", "deleted_at"]
    op.create_index("ix_evidence_items_live_camera_end", "evidence_items", columns,
                    sqlite_where=live, postgresql_where=live)  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_evidence_items_live_camera_end", table_name="evidence_items")
