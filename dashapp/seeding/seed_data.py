"""Deterministic, realistic demo data for the commerce tables, generated in column blocks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from dashapp.models.commerce import CATEGORIES, CHANNELS, ORDER_STATUSES, REGIONS, SEGMENTS

FIRST_ORDER_DAY = dt.date(2023, 1, 1)
ORDER_DAYS = (dt.date(2026, 10, 31) - FIRST_ORDER_DAY).days + 1
COUNTRIES = (
    "Germany",
    "France",
    "United Kingdom",
    "United States",
    "Spain",
    "Italy",
    "Netherlands",
    "Poland",
    "Sweden",
    "Canada",
    "Japan",
    "Brazil",
)
FIRST_NAMES = (
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "Edsger",
    "Radia",
    "Tim",
    "Katherine",
    "Guido",
    "Hedy",
    "John",
)
LAST_NAMES = (
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Berners-Lee",
    "Johnson",
    "Rossum",
)
PRODUCT_WORDS = ("Basic", "Pro", "Max", "Lite", "Smart", "Eco", "Classic", "Ultra", "Mini")

ORDER_COLUMNS = (
    "id",
    "customer_id",
    "product_id",
    "order_date",
    "status",
    "channel",
    "region",
    "quantity",
    "unit_price",
    "discount",
    "amount",
)
CUSTOMER_COLUMNS = ("id", "name", "email", "country", "segment", "created_at")
PRODUCT_COLUMNS = ("id", "name", "category", "price")

Block = dict[str, list[Any]]


@dataclass(frozen=True)
class SeedPlan:
    """How many rows of each table to make."""

    orders: int
    customers: int
    products: int

    @classmethod
    def for_orders(cls, orders: int) -> SeedPlan:
        """A plan with customer and product counts that scale sensibly with the order count."""
        return cls(orders=orders, customers=min(max(orders // 20, 100), 50_000), products=400)


def _dates(days: np.ndarray) -> list[object]:
    return (np.datetime64(FIRST_ORDER_DAY) + days.astype("timedelta64[D]")).astype(str).tolist()


def _money(cents: np.ndarray) -> list[object]:
    return np.char.mod("%.2f", cents / 100).tolist()


def products(plan: SeedPlan, seed: int = 7) -> Block:
    """Product rows: a name, a category and a list price."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, plan.products + 1)
    categories = np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), plan.products)]
    words = np.array(PRODUCT_WORDS)[rng.integers(0, len(PRODUCT_WORDS), plan.products)]
    price_cents = np.round(np.exp(rng.normal(3.4, 0.9, plan.products)) * 100).clip(199, 250_000)
    return {
        "id": ids.tolist(),
        "name": [f"{c} {w} {i}" for c, w, i in zip(categories, words, ids, strict=True)],
        "category": categories.tolist(),
        "price": _money(price_cents),
    }


def customers(plan: SeedPlan, seed: int = 11) -> Block:
    """Customer rows with unique e-mail addresses."""
    rng = np.random.default_rng(seed)
    n = plan.customers
    ids = np.arange(1, n + 1)
    first = np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), n)]
    last = np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n)]
    return {
        "id": ids.tolist(),
        "name": [f"{f} {s}" for f, s in zip(first, last, strict=True)],
        "email": [
            f"{f.lower()}.{s.lower()}.{i}@example.com"
            for f, s, i in zip(first, last, ids, strict=True)
        ],
        "country": np.array(COUNTRIES)[rng.integers(0, len(COUNTRIES), n)].tolist(),
        "segment": np.array(SEGMENTS)[rng.choice(len(SEGMENTS), n, p=[0.6, 0.3, 0.1])].tolist(),
        "created_at": _dates(rng.integers(0, 700, n) - 400),
    }


def order_blocks(
    plan: SeedPlan,
    product_prices_cents: np.ndarray,
    product_categories: np.ndarray,
    block_rows: int = 100_000,
    seed: int = 13,
) -> Iterator[Block]:
    """Order rows in blocks; returns depend on discount, channel, category and size.

    The dependence is deliberate: the tabular training task learns to predict returns.
    """
    rng = np.random.default_rng(seed)
    statuses = np.array(ORDER_STATUSES)
    category_risk = np.linspace(-0.6, 0.9, len(CATEGORIES))
    channel_risk = np.array([0.3, 0.5, -0.8, 0.0])
    for start in range(0, plan.orders, block_rows):
        n = min(block_rows, plan.orders - start)
        product_idx = rng.integers(0, plan.products, n)
        # A seasonal, slowly growing trend so the time chart has a shape.
        day = (rng.beta(1.3, 1.0, n) * ORDER_DAYS).astype(int).clip(0, ORDER_DAYS - 1)
        quantity = rng.geometric(0.45, n).clip(1, 20)
        discount = rng.choice([0, 5, 10, 15, 20, 30], n, p=[0.5, 0.15, 0.15, 0.1, 0.06, 0.04])
        unit_cents = product_prices_cents[product_idx]
        amount_cents = np.round(unit_cents * quantity * (100 - discount) / 100)
        channel = rng.choice(len(CHANNELS), n, p=[0.45, 0.3, 0.15, 0.1])
        logit = (
            -2.6
            + 0.06 * discount
            + channel_risk[channel]
            + category_risk[product_categories[product_idx]]
            + 0.25 * np.log1p(amount_cents / 10_000)
        )
        returned = rng.random(n) < 1 / (1 + np.exp(-logit))
        recent = day > ORDER_DAYS - 30
        other = np.where(
            recent, rng.choice([0, 1], n), rng.choice([1, 2, 4], n, p=[0.1, 0.85, 0.05])
        )
        status_idx = np.where(returned & ~recent, 3, other)
        yield {
            "id": np.arange(start + 1, start + n + 1).tolist(),
            "customer_id": rng.integers(1, plan.customers + 1, n).tolist(),
            "product_id": (product_idx + 1).tolist(),
            "order_date": _dates(day),
            "status": statuses[status_idx].tolist(),
            "channel": np.array(CHANNELS)[channel].tolist(),
            "region": np.array(REGIONS)[rng.integers(0, len(REGIONS), n)].tolist(),
            "quantity": quantity.tolist(),
            "unit_price": _money(unit_cents),
            "discount": _money(discount * 100),
            "amount": _money(amount_cents),
        }
