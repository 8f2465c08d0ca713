"""media services register themselves, the divisions they serve and their health (heartbeat)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("divisions", sa.Text(), nullable=False),
        sa.Column("recordings_root", sa.String(length=2000), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.Column("pulled", sa.Integer(), nullable=False),
        sa.Column("recording", sa.Integer(), nullable=False),
        sa.Column("disk_free_bytes", sa.BigInteger(), nullable=True),
        sa.Column("newest_segments", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_services")),
        sa.UniqueConstraint("name", name=op.f("uq_media_services_name")),
    )


def downgrade() -> None:
    op.drop_table("media_services")
