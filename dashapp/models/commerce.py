"""Demo commerce tables that the data view explores and the tabular training task learns from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from dashapp.extensions import db

ORDER_STATUSES = ("pending", "shipped", "delivered", "returned", "cancelled")
CHANNELS = ("web", "mobile", "store", "partner")
REGIONS = ("North", "South", "East", "West", "Central")
SEGMENTS = ("consumer", "small business", "enterprise")
CATEGORIES = ("Electronics", "Home", "Garden", "Sports", "Books", "Toys", "Beauty", "Office")


class Customer(db.Model):  # type: ignore[name-defined]
    """A buyer."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str] = mapped_column(String(60))
    segment: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[dt.date]


class Product(db.Model):  # type: ignore[name-defined]
    """Something we sell."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(40))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))


class Order(db.Model):  # type: ignore[name-defined]
    """One order line: a customer buying a quantity of a product."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    order_date: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    discount: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
