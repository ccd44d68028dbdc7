"""data view: Excel exports built by background jobs; saved views deleted with undo

Revision ID: 0014_dataview
Revises: 0013_run_management
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa


revision = "0014_dataview"
down_revision = "0013_run_management"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dataview_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("table_name", sa.String(length=120), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("row_limit", sa.Integer(), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataview_exports")),
    )
    with op.batch_alter_table("dataview_exports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dataview_exports_owner"), ["owner"], unique=False)
    with op.batch_alter_table("saved_views", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("saved_views", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
    with op.batch_alter_table("dataview_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataview_exports_owner"))
    op.drop_table("dataview_exports")
