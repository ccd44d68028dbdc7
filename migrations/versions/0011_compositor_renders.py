"""compositor renders: full-resolution renders done by background jobs

Revision ID: 0011_compositor_renders
Revises: 0010_recipes
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa


revision = "0011_compositor_renders"
down_revision = "0010_recipes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "compositor_renders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("mimetype", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compositor_renders")),
    )
    with op.batch_alter_table("compositor_renders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compositor_renders_owner"), ["owner"], unique=False
        )


def downgrade():
    with op.batch_alter_table("compositor_renders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compositor_renders_owner"))
    op.drop_table("compositor_renders")
