"""Load demo data: COPY on PostgreSQL, batched inserts on SQLite, with a progress bar."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from dashapp.models.commerce import CATEGORIES, Customer, Order, Product
from dashapp.seeding import seed_data
from dashapp.seeding.seed_data import Block, SeedPlan

Progress = Callable[[int], None]


@dataclass(frozen=True)
class SeedResult:
    """What a seed run wrote and how long it took."""

    orders: int
    customers: int
    products: int
    seconds: float

    @property
    def orders_per_second(self) -> float:
        """Order rows written per second of wall time."""
        return self.orders / self.seconds if self.seconds else float("inf")


def order_count(engine: Engine) -> int:
    """How many orders the database holds."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Order.__table__)).scalar_one())


def _csv_block(block: Block, columns: tuple[str, ...]) -> str:
    rows = zip(*(map(str, block[c]) for c in columns), strict=True)
    return "\n".join(",".join(row) for row in rows) + "\n"


def _copy_blocks(
    engine: Engine, table: str, columns: tuple[str, ...], blocks: Iterable[Block], on_rows: Progress
) -> None:
    """Stream blocks into PostgreSQL with COPY (text values never contain commas or quotes)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
        for block in blocks:
            cursor.copy_expert(sql, io.StringIO(_csv_block(block, columns)))
            on_rows(len(block[columns[0]]))
        raw.commit()
    finally:
        raw.close()


def _insert_blocks(
    engine: Engine, table: str, columns: tuple[str, ...], blocks: Iterable[Block], on_rows: Progress
) -> None:
    """Batched executemany inserts, one transaction for the whole table (fast on SQLite)."""
    placeholders = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for block in blocks:
            cursor.executemany(sql, list(zip(*(block[c] for c in columns), strict=True)))
            on_rows(len(block[columns[0]]))
        raw.commit()
    finally:
        raw.close()


def clear(engine: Engine) -> None:
    """Remove every demo row (orders first: they reference the others)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE orders, customers, products RESTART IDENTITY CASCADE"))
        else:
            for table in ("orders", "customers", "products"):
                conn.execute(text(f"DELETE FROM {table}"))


def _after_load(engine: Engine) -> None:
    """Refresh planner statistics and move id sequences past the explicit ids we loaded."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table in ("customers", "products", "orders"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE customers, products, orders"))


def seed(engine: Engine, plan: SeedPlan, on_rows: Progress = lambda _n: None) -> SeedResult:
    """Replace the demo tables' rows with a fresh data set of `plan`'s size."""
    started = time.perf_counter()
    clear(engine)
    write = _copy_blocks if engine.dialect.name == "postgresql" else _insert_blocks
    product_block = seed_data.products(plan)
    ignore: Progress = lambda _n: None  # noqa: E731 - progress is reported for orders only
    write(engine, Product.__tablename__, seed_data.PRODUCT_COLUMNS, [product_block], ignore)
    write(
        engine,
        Customer.__tablename__,
        seed_data.CUSTOMER_COLUMNS,
        [seed_data.customers(plan)],
        ignore,
    )
    prices = np.round(np.array(product_block["price"], dtype=float) * 100)
    categories = np.array([CATEGORIES.index(str(c)) for c in product_block["category"]])
    write(
        engine,
        Order.__tablename__,
        seed_data.ORDER_COLUMNS,
        seed_data.order_blocks(plan, prices, categories),
        on_rows,
    )
    _after_load(engine)
    return SeedResult(plan.orders, plan.customers, plan.products, time.perf_counter() - started)
