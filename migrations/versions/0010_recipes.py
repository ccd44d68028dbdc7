"""runs of any recipe: recipe name, per-step metric points, a metric summary, generic progress

Revision ID: 0010_recipes
Revises: 0005_merge_heads
Create Date: 2026-11-23

Runs now come from recipes (plain Python on the public API) that log any metric at any step.
The per-epoch table with fixed columns becomes one row per (run, metric, step); existing epoch
rows are copied over, so old runs still draw their curves.
"""
from alembic import op
import sqlalchemy as sa


revision = "0010_recipes"
down_revision = "0005_merge_heads"
branch_labels = None
depends_on = None

OLD_METRICS = ("train_loss", "train_acc", "val_loss", "val_acc", "samples_per_s")
NEW_NAMES = {"train_acc": "accuracy", "train_loss": "loss", "val_acc": "val_accuracy"}


def upgrade():
    op.create_table(
        "training_run_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["training_runs.id"],
            name=op.f("fk_training_run_points_run_id_training_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_run_points")),
    )
    with op.batch_alter_table("training_run_points", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_run_points_run_id"), ["run_id", "name", "step"], unique=False
        )
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipe", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("summary", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("progress_done", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("progress_total", sa.Integer(), nullable=False, server_default="0")
        )

    conn = op.get_bind()
    runs = sa.table(
        "training_runs",
        sa.column("id", sa.Integer()),
        sa.column("dataset", sa.String()),
        sa.column("recipe", sa.String()),
        sa.column("summary", sa.JSON()),
        sa.column("val_acc", sa.Double()),
        sa.column("val_loss", sa.Double()),
    )
    for row in conn.execute(sa.select(runs.c.id, runs.c.dataset, runs.c.val_acc, runs.c.val_loss)):
        summary = {}
        if row.val_acc is not None:
            summary["val_accuracy"] = row.val_acc
        if row.val_loss is not None:
            summary["val_loss"] = row.val_loss
        conn.execute(
            runs.update()
            .where(runs.c.id == row.id)
            .values(recipe=row.dataset, summary=summary or None)
        )
    metrics = sa.table(
        "training_run_metrics",
        sa.column("run_id", sa.Integer()),
        sa.column("epoch", sa.Integer()),
        *(sa.column(name, sa.Double()) for name in OLD_METRICS),
    )
    points = sa.table(
        "training_run_points",
        sa.column("run_id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("step", sa.Integer()),
        sa.column("value", sa.Double()),
    )
    for name in OLD_METRICS:
        conn.execute(
            points.insert().from_select(
                ["run_id", "name", "step", "value"],
                sa.select(
                    metrics.c.run_id,
                    sa.literal(NEW_NAMES.get(name, name)),
                    metrics.c.epoch,
                    metrics.c[name],
                ),
            )
        )
    op.drop_table("training_run_metrics")
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.alter_column("recipe", existing_type=sa.String(length=40), nullable=False)
        batch_op.create_index(batch_op.f("ix_training_runs_recipe"), ["recipe"], unique=False)
        for column in ("dataset", "epoch", "epochs", "step", "steps_per_epoch", "val_acc", "val_loss"):
            batch_op.drop_column(column)


def downgrade():
    raise NotImplementedError("0010_recipes is one-way: the per-step points have no epoch table")
