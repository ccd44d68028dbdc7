"""job rows: a heartbeat on Excel exports and renders (a dead worker's row stops counting)

Revision ID: 0015_job_heartbeats
Revises: 0014_dataview
Create Date: 2026-12-08

"""
from alembic import op
import sqlalchemy as sa


revision = "0015_job_heartbeats"
down_revision = "0014_dataview"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("dataview_exports", "compositor_renders"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))


def downgrade():
    for table in ("compositor_renders", "dataview_exports"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("heartbeat_at")
