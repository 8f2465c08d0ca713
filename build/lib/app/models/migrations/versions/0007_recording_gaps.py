"""recording gaps: when a camera that should have been recorded was not, and why

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recording_gaps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_recording_gaps_camera_id_cameras")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_gaps")),
    )
    with op.batch_alter_table("recording_gaps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recording_gaps_camera_id"), ["camera_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recording_gaps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recording_gaps_camera_id"))
    op.drop_table("recording_gaps")
