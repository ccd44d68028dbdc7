"""compositor images: a normalised copy (the first frame as PNG) of animated uploads

Revision ID: 0016_compositor_normalized
Revises: 0015_job_heartbeats
Create Date: 2026-12-08

"""
from alembic import op
import sqlalchemy as sa


revision = "0016_compositor_normalized"
down_revision = "0015_job_heartbeats"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("compositor_images", schema=None) as batch_op:
        batch_op.add_column(sa.Column("normalized", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("compositor_images", schema=None) as batch_op:
        batch_op.drop_column("normalized")
