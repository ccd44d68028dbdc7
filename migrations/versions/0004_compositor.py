"""compositor images and saved composites

Revision ID: 0004_compositor
Revises: 0001_initial
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


revision = "0004_compositor"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "compositor_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("preview", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compositor_images")),
    )
    with op.batch_alter_table("compositor_images", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compositor_images_owner"), ["owner"], unique=False
        )
    op.create_table(
        "compositor_composites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compositor_composites")),
        sa.UniqueConstraint(
            "owner", "name", name=op.f("uq_compositor_composites_owner")
        ),
    )
    with op.batch_alter_table("compositor_composites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compositor_composites_owner"), ["owner"], unique=False
        )


def downgrade():
    with op.batch_alter_table("compositor_composites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compositor_composites_owner"))
    op.drop_table("compositor_composites")
    with op.batch_alter_table("compositor_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compositor_images_owner"))
    op.drop_table("compositor_images")
