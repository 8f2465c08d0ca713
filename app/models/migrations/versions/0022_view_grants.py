"""live-view grants: the media service serves a live stream only against one the console's use
case wrote (hashed token, person, workstation, camera, purpose, expiry, revocation)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "view_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("workstation", sa.String(length=200), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("home_divisions", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"], name="fk_view_grants_camera_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_view_grants")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_view_grants_token_sha256")),
    )
    op.create_index(op.f("ix_view_grants_camera_id"), "view_grants", ["camera_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_view_grants_camera_id"), table_name="view_grants")
    op.drop_table("view_grants")
