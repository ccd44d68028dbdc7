"""The seed command on SQLite and PostgreSQL: counts, relations, and ids that keep working."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from dashapp.extensions import db
from dashapp.models import Customer, Order, Product


def _seed(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["seed", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _check_seeded(app: Flask, rows: int) -> None:
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == rows
        orphans = db.session.scalar(
            text(
                "SELECT count(*) FROM orders o LEFT JOIN customers c ON c.id = o.customer_id "
                "LEFT JOIN products p ON p.id = o.product_id WHERE c.id IS NULL OR p.id IS NULL"
            )
        )
        assert orphans == 0
        statuses = set(db.session.scalars(select(Order.status).distinct()))
        assert {"delivered", "returned"} <= statuses
        bad_amounts = db.session.scalar(
            select(func.count())
            .select_from(Order)
            .where(Order.amount > Order.unit_price * Order.quantity + Decimal("0.01"))
        )
        assert bad_amounts == 0
        # A new row after seeding gets a fresh id (sequences moved past the loaded ids).
        db.session.add(
            Order(
                customer_id=1,
                product_id=1,
                order_date=dt.date(2026, 1, 1),
                status="pending",
                channel="web",
                region="North",
                quantity=1,
                unit_price=Decimal("1.00"),
                discount=Decimal("0"),
                amount=Decimal("1.00"),
            )
        )
        db.session.commit()
        assert db.session.scalar(select(func.max(Order.id))) == rows + 1
        assert db.session.scalar(select(func.count()).select_from(Customer)) >= 100
        assert db.session.scalar(select(func.count()).select_from(Product)) == 400


def test_seed_on_sqlite(app: Flask) -> None:
    output = _seed(app, "--rows", "5000")
    assert "Seeded 5,000 orders" in output and "sqlite" in output
    _check_seeded(app, 5000)


def test_seed_if_empty_keeps_existing_rows(app: Flask) -> None:
    _seed(app, "--rows", "1000")
    assert "already present" in _seed(app, "--rows", "3000", "--if-empty")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1000


@pytest.mark.postgres
def test_seed_on_postgres_uses_copy(pg_app: Flask) -> None:
    output = _seed(pg_app, "--rows", "20000")
    assert "postgresql" in output
    _check_seeded(pg_app, 20000)


def test_init_db_is_idempotent(app: Flask) -> None:
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "up to date" in result.output
