"""dispatch intake: an incident's source, category and priority; each feed's log of calls
(received or refused), whose digest refuses a replayed call

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("category", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=True))
    op.create_table(
        "intake_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("call_number", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name="fk_intake_log_incident_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_log")),
        sa.UniqueConstraint("feed", "digest", name="uq_intake_log_feed_digest"),
    )
    op.create_index(op.f("ix_intake_log_feed"), "intake_log", ["feed"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_intake_log_feed"), table_name="intake_log")
    op.drop_table("intake_log")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("priority")
        batch_op.drop_column("category")
        batch_op.drop_column("source")
