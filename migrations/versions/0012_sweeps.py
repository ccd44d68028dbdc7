"""sweeps: one launch expands into N runs; runs point to their sweep

Revision ID: 0012_sweeps
Revises: 0011_compositor_renders
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa


revision = "0012_sweeps"
down_revision = "0011_compositor_renders"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "training_sweeps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("recipe", sa.String(length=40), nullable=False),
        sa.Column("strategy", sa.String(length=10), nullable=False),
        sa.Column("metric", sa.String(length=100), nullable=False),
        sa.Column("goal", sa.String(length=3), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_sweeps")),
    )
    with op.batch_alter_table("training_sweeps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_sweeps_owner"), ["owner"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_training_sweeps_created_at"), ["created_at"], unique=False
        )
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sweep_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_training_runs_sweep_id"), ["sweep_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_training_runs_sweep_id_training_sweeps"),
            "training_sweeps",
            ["sweep_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_training_runs_sweep_id_training_sweeps"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_training_runs_sweep_id"))
        batch_op.drop_column("sweep_id")
    with op.batch_alter_table("training_sweeps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_sweeps_created_at"))
        batch_op.drop_index(batch_op.f("ix_training_sweeps_owner"))
    op.drop_table("training_sweeps")
