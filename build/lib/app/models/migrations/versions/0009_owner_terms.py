"""owners' finer terms: live-viewing windows, footage requests and their approvals, closed incidents

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("live_window", sa.String(length=80), nullable=False, server_default="always")
        )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
    op.create_table(
        "footage_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner_decided_by", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("owner_decided_at", sa.DateTime(), nullable=True),
        sa.Column("marked_by", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("marked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_footage_requests_camera_id_cameras")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_footage_requests")),
    )
    with op.batch_alter_table("footage_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_footage_requests_camera_id"), ["camera_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("footage_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_footage_requests_camera_id"))
    op.drop_table("footage_requests")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.drop_column("live_window")
