"""Fixtures for the grid services: the same small table on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dashapp.dataview.schema import GridTable, discover_table
from tests.support.services import throwaway_postgres_database, with_driver

NAMES = (
    "alpha",
    "Beta",
    "gamma ray",
    "100% cotton",
    "under_score",
    "back\\slash",
    "O'Brien",
    'say "hi"',
    "=SUM(A1)",
    "",
    None,
)
CATEGORIES = ("red", "green", "blue", "yellow")


def make_rows(count: int = 240, seed: int = 7) -> list[dict[str, Any]]:
    """Deterministic rows with NULLs, duplicates and awkward text."""
    rng = random.Random(seed)
    rows = []
    for i in range(1, count + 1):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 400))
        rows.append(
            {
                "id": i,
                "name": rng.choice(NAMES),
                "category": CATEGORIES[i % len(CATEGORIES)],
                "status": rng.choice(("shipped", "returned", "pending")),
                "amount": Decimal(rng.randrange(-500, 100_000)) / 100,
                "qty": rng.choice((None, *range(0, 20))),
                "created": day,
                "updated_at": dt.datetime.combine(day, dt.time(rng.randrange(24), 30)),
                "active": rng.random() < 0.5,
            }
        )
    return rows


ROWS = make_rows()


def create_items(engine: sa.Engine, rows: list[dict[str, Any]] = ROWS) -> None:
    """Create and fill the `items` table."""
    meta = sa.MetaData()
    items = sa.Table(
        "items",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=True),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("qty", sa.Integer, nullable=True),
        sa.Column("created", sa.Date, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(items.insert(), rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE items"))


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """A SQLite file with `items`."""
    path: Path = tmp_path_factory.mktemp("grid") / "grid.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    create_items(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[sa.Engine]:
    """A throwaway PostgreSQL database with `items`."""
    with throwaway_postgres_database("dashapp_grid") as url:
        engine = sa.create_engine(with_driver(url))
        create_items(engine)
        yield engine
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> sa.Engine:
    """`items` on each database the app supports."""
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture
def items(engine: sa.Engine) -> GridTable:
    """The reflected, classified `items` table."""
    return discover_table(engine, "items")
