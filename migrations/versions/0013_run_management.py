"""run management: run names, notes, archiving and tags

Revision ID: 0013_run_management
Revises: 0012_sweeps
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa


revision = "0013_run_management"
down_revision = "0012_sweeps"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("notes", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_training_runs_archived_at"), ["archived_at"], unique=False
        )
    op.create_table(
        "training_run_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["training_runs.id"],
            name=op.f("fk_training_run_tags_run_id_training_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_run_tags")),
        sa.UniqueConstraint("run_id", "tag", name=op.f("uq_training_run_tags_run_id")),
    )
    with op.batch_alter_table("training_run_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_run_tags_tag"), ["tag"], unique=False)


def downgrade():
    with op.batch_alter_table("training_run_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_run_tags_tag"))
    op.drop_table("training_run_tags")
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_runs_archived_at"))
        batch_op.drop_column("archived_at")
        batch_op.drop_column("notes")
        batch_op.drop_column("name")
