"""dispatch rules: the rule that opened a call by itself, and its actions for the consoles

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("auto_rule", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("auto_actions", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("auto_actions")
        batch_op.drop_column("auto_rule")
