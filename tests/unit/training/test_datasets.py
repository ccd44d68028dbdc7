"""Datasets: digits, synthetic images of a chosen size, order rows as features."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tasks.training import datasets
from tasks.training.config import TrainingConfig


def test_digits_split_is_seeded_and_capped() -> None:
    config = TrainingConfig(max_samples=200, val_fraction=0.25, seed=3)
    data = datasets.digits(config)
    assert data.kind == "image" and data.input_shape == (1, 8, 8)
    assert (len(data.x_train), len(data.x_val)) == (150, 50)
    assert data.num_classes == 10 and float(data.x_train.max()) <= 1.0
    again = datasets.digits(config)
    assert bool((again.y_val == data.y_val).all())


def test_synthetic_size_is_a_parameter() -> None:
    data = datasets.synthetic(TrainingConfig(dataset="synthetic", samples=100, image_size=20))
    assert data.input_shape == (3, 20, 20)
    assert len(data.x_train) + len(data.x_val) == 100
    assert set(data.y_train.tolist()) <= {0, 1, 2, 3}


def _order(status: str, channel: str = "web", amount: float = 50.0) -> dict[str, object]:
    return {
        "status": status,
        "quantity": 2,
        "unit_price": 25,
        "discount": 10,
        "amount": amount,
        "channel": channel,
        "region": "North",
        "order_date": dt.date(2025, 3, 4),
        "category": "Toys",
    }


def test_order_rows_become_standardised_features_and_labels() -> None:
    rows = [_order("returned"), _order("delivered", "store", 80), _order("pending")] * 5
    x, y, names = datasets.order_features(rows)
    assert x.shape == (10, len(names)) and y.tolist() == [1, 0] * 5
    assert np.allclose(x.mean(axis=0), 0, atol=1e-5)
    data = datasets.orders(rows, TrainingConfig(dataset="orders"))
    assert data.kind == "tabular" and data.class_names == ("kept", "returned")


def test_too_few_rows_and_missing_rows_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        datasets.orders([_order("pending")], TrainingConfig(dataset="orders"))
    with pytest.raises(ValueError, match="needs its rows"):
        datasets.load(TrainingConfig(dataset="orders"))
