"""merge the data view, training and compositor branches into one history

Revision ID: 0005_merge_heads
Revises: 0002_dataview, 0003_training, 0004_compositor
Create Date: 2026-11-23

The three feature migrations were written side by side from 0001_initial. This revision joins
them so that `alembic heads` is one revision and later migrations have one parent.
"""

revision = "0005_merge_heads"
down_revision = ("0002_dataview", "0003_training", "0004_compositor")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
