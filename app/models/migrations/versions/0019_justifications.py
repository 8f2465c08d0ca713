"""justifications: an access beyond a purpose's bounds, and a supervisor's answer

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "justifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=600), nullable=False),
        sa.Column("exceeded", sa.Text(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("end_at", sa.DateTime(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"], name="fk_justifications_camera_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_justifications")),
    )
    op.create_index(op.f("ix_justifications_camera_id"), "justifications", ["camera_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_justifications_camera_id"), table_name="justifications")
    op.drop_table("justifications")
