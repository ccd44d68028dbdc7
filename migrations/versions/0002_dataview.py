"""data view: saved views, and indexes on orders for the grid's sorts and filters

Revision ID: 0002_dataview
Revises: 0001_initial
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


revision = "0002_dataview"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

# Each ends in id: the grid always sorts with id as the tiebreak, so (col, id) serves both the
# ORDER BY and the keyset condition "(col, id) > (x, y)"; scanned backwards for descending sorts.
ORDER_INDEXES = {
    "ix_orders_order_date_id": ["order_date", "id"],
    "ix_orders_amount_id": ["amount", "id"],
    "ix_orders_status_id": ["status", "id"],
    "ix_orders_region_id": ["region", "id"],
    "ix_orders_channel_id": ["channel", "id"],
    "ix_orders_customer_id": ["customer_id"],
}


def upgrade():
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("table_name", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("owner", "table_name", "name", name=op.f("uq_saved_views_owner")),
    )
    op.create_index(op.f("ix_saved_views_owner"), "saved_views", ["owner"], unique=False)
    for name, columns in ORDER_INDEXES.items():
        op.create_index(name, "orders", columns, unique=False)


def downgrade():
    for name in ORDER_INDEXES:
        op.drop_index(name, table_name="orders")
    op.drop_index(op.f("ix_saved_views_owner"), table_name="saved_views")
    op.drop_table("saved_views")
