"""which clock placed a recorded segment in time: the camera's (RTCP sender reports) or arrival

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("clock_source", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("clock_offset_ms", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.drop_column("clock_offset_ms")
        batch_op.drop_column("clock_source")
