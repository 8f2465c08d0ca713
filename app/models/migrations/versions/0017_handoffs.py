"""hand-offs to responding officers: the derivative, where it went, the link's hashed token,
expiry, revocation and first opening

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("evidence_item_id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("delivered_to", sa.String(length=2000), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=64), nullable=False),
        sa.Column("first_opened_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"], name="fk_handoffs_camera_id"),
        sa.ForeignKeyConstraint(
            ["evidence_item_id"], ["evidence_items.id"], name="fk_handoffs_evidence_item_id"
        ),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name="fk_handoffs_incident_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_handoffs_token_sha256")),
    )
    op.create_index(op.f("ix_handoffs_incident_id"), "handoffs", ["incident_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_handoffs_incident_id"), table_name="handoffs")
    op.drop_table("handoffs")
