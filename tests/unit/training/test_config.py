"""TrainingConfig parses form input and names every bad field."""

from __future__ import annotations

import pytest

from tasks.training.config import ConfigError, TrainingConfig


def test_defaults_and_string_input_parse() -> None:
    config = TrainingConfig.from_mapping(
        {"dataset": "Digits", "epochs": "3", "batch_size": 32.0, "lr": "0.01", "seed": ""}
    )
    assert config.dataset == "digits"
    assert (config.epochs, config.batch_size, config.lr, config.seed) == (3, 32, 0.01, 0)
    assert TrainingConfig.from_mapping(config.to_dict()) == config


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("epochs", 0, "between 1 and 200 epochs"),
        ("epochs", 2.5, "whole number"),
        ("epochs", "many", "whole number"),
        ("batch_size", True, "whole number"),
        ("lr", "nan", "between"),
        ("lr", 50, "between 1e-06 and 10"),
        ("optimizer", "rmsprop", "one of adam, adamw, sgd"),
        ("device", "tpu", "one of auto, cpu, cuda"),
        ("dataset", "imagenet", "one of digits, orders, synthetic"),
        ("samples", 10, "between 64"),
        ("colour", "red", "not a training setting"),
    ],
)
def test_bad_values_get_clear_messages(field: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        TrainingConfig.from_mapping({field: value})
    assert message in caught.value.errors[field]
    assert field in str(caught.value)


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        TrainingConfig.from_mapping({"epochs": -1, "lr": 0, "optimizer": "x"})
    assert set(caught.value.errors) == {"epochs", "lr", "optimizer"}
