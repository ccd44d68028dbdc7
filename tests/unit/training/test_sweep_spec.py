"""Sweep specs: parsing the form's text, grid and seeded random expansion, validation, bounds."""

from __future__ import annotations

import math
from typing import Literal

import pytest
from pydantic import BaseModel, Field, model_validator

from dashapp.recipes import Recipe
from dashapp.recipes.validation import FORM_LEVEL
from dashapp.training.sweep_spec import (
    COUNT_KEY,
    METRIC_KEY,
    SEED_KEY,
    Axis,
    SweepSpec,
    SweepSpecError,
    expand,
    planned_runs,
)
from dashapp.training.sweep_text import parse_axis, spec_from_form


class Params(BaseModel):
    epochs: int = Field(3, ge=1, le=200)
    batch_size: int = Field(32, ge=1, le=4096)
    lr: float = Field(0.05, gt=0, le=1)
    optimizer: Literal["adam", "sgd"] = "adam"

    @model_validator(mode="after")
    def _small_sgd_steps(self) -> Params:
        if self.optimizer == "sgd" and self.lr > 0.5:
            raise ValueError("SGD diverges above lr 0.5")
        return self


RECIPE = Recipe(name="demo", title="Demo", params=Params, train=lambda ctx, p: None)


def _spec(*axes: Axis, **kwargs: object) -> SweepSpec:
    return SweepSpec(recipe="demo", axes=axes, **kwargs)  # type: ignore[arg-type]


def _errors(spec: SweepSpec, max_runs: int = 32) -> dict[str, str]:
    with pytest.raises(SweepSpecError) as caught:
        expand(spec, RECIPE, max_runs)
    return caught.value.errors


def test_parse_list_range_and_blank() -> None:
    assert parse_axis("lr", " 0.01, 0.05 ,0.1 ") == Axis("lr", values=("0.01", "0.05", "0.1"))
    assert parse_axis("lr", "0.001..0.1 log") == Axis("lr", low=0.001, high=0.1, log=True)
    assert parse_axis("epochs", "1..20") == Axis("epochs", low=1.0, high=20.0)
    assert parse_axis("lr", "   ") is None
    assert parse_axis("lr", "0.1, 0.1, 0.2").values == ("0.1", "0.2")  # duplicates once


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("0.1,,0.2", "single commas"),
        ("abc..1", "low..high"),
        ("0.5..0.1", "below its high"),
        ("0..1 log", "above 0"),
        ("1" * 600, "At most 500"),
    ],
)
def test_parse_refuses_malformed_text(text: str, wanted: str) -> None:
    with pytest.raises(SweepSpecError) as caught:
        parse_axis("lr", text)
    assert wanted in caught.value.errors["lr"]


def test_grid_is_the_product_typed_by_the_recipe_model() -> None:
    spec = _spec(Axis("lr", values=("0.01", "0.1")), Axis("batch_size", values=("16", "64", "256")))
    assert planned_runs(spec) == 6
    sets = expand(spec, RECIPE, 32)
    assert [(p.lr, p.batch_size) for p in sets] == [  # type: ignore[attr-defined]
        (0.01, 16),
        (0.01, 64),
        (0.01, 256),
        (0.1, 16),
        (0.1, 64),
        (0.1, 256),
    ]
    assert all(p.epochs == 3 for p in sets)  # type: ignore[attr-defined]


def test_fixed_values_apply_and_swept_fields_single_input_is_ignored() -> None:
    # The lr box still holds "abc" from single-run mode: it is swept, so it does not matter.
    spec = _spec(Axis("lr", values=("0.2",)), fixed={"lr": "abc", "epochs": "7"})
    (params,) = expand(spec, RECIPE, 32)
    assert (params.lr, params.epochs) == (0.2, 7)  # type: ignore[attr-defined]


def test_non_numeric_and_out_of_range_values_are_field_errors() -> None:
    errors = _errors(_spec(Axis("lr", values=("0.1", "abc")), Axis("epochs", values=("0", "2"))))
    assert "Enter a number" in errors["lr"] and "abc" in errors["lr"]
    assert errors["epochs"] == "0: Must be at least 1"


def test_bad_fixed_value_is_reported_on_its_own_field() -> None:
    errors = _errors(_spec(Axis("lr", values=("0.1",)), fixed={"epochs": "many"}))
    assert "whole number" in errors["epochs"]


def test_combination_refused_by_model_validator_names_the_run() -> None:
    spec = _spec(Axis("optimizer", values=("adam", "sgd")), Axis("lr", values=("0.1", "0.9")))
    message = _errors(spec)[FORM_LEVEL]
    assert message.startswith("Run 4 (optimizer=sgd, lr=0.9) is refused")
    assert message.endswith(": SGD diverges above lr 0.5")


def test_grid_over_the_limit_is_refused_before_expanding() -> None:
    values = tuple(str(i) for i in range(1, 11))
    spec = _spec(Axis("epochs", values=values), Axis("batch_size", values=values[:4]))
    message = _errors(spec, max_runs=32)[FORM_LEVEL]
    assert "10 × 4 = 40 runs" in message and "at most 32" in message
    # A grid of 8 million sets is refused by arithmetic, not by building it.
    many = tuple(str(i) for i in range(1, 201))
    huge = _spec(*(Axis(n, values=many) for n in ("epochs", "batch_size", "lr")))
    assert planned_runs(huge) == 8_000_000
    assert "8,000,000 runs" in _errors(huge, max_runs=200)[FORM_LEVEL]
    # One axis longer than the limit is refused on its field.
    assert _errors(huge, max_runs=32)["epochs"] == "At most 32 values"


def test_grid_needs_lists_not_ranges_and_some_axis() -> None:
    assert "list of values" in _errors(_spec(Axis("lr", low=0.01, high=0.1)))["lr"]
    assert "at least one parameter" in _errors(_spec())[FORM_LEVEL]


def test_unknown_parameter_metric_goal_seed_and_count() -> None:
    errors = _errors(
        _spec(
            Axis("momentum", values=("0.9",)),
            strategy="random",
            count=0,
            seed=-1,
            metric="val loss!",
        )
    )
    assert "not a parameter" in errors["momentum"]
    assert errors[SEED_KEY].startswith("Must be between 0")
    assert "Name the metric" in errors[METRIC_KEY]
    count = _errors(_spec(Axis("lr", values=("0.1",)), strategy="random", count=33))
    assert count[COUNT_KEY] == "Must be between 1 and 32"


def test_random_is_seeded_bounded_and_log_uniform() -> None:
    spec = _spec(
        Axis("lr", low=1e-4, high=0.5, log=True),
        Axis("batch_size", low=8, high=512),
        Axis("optimizer", values=("adam", "sgd")),
        strategy="random",
        count=32,
        seed=7,
    )
    first = [p.model_dump() for p in expand(spec, RECIPE, 32)]
    again = [p.model_dump() for p in expand(spec, RECIPE, 32)]
    other = [p.model_dump() for p in expand(SweepSpec(**{**spec.__dict__, "seed": 8}), RECIPE, 32)]
    assert first == again and first != other
    assert len(first) == 32
    lrs = [p["lr"] for p in first]
    assert all(1e-4 <= v <= 0.5 for v in lrs)
    # Log-uniform: about half the draws fall below the geometric middle (~0.007), not ~1%.
    below = sum(v < math.sqrt(1e-4 * 0.5) for v in lrs)
    assert 8 <= below <= 24
    assert all(isinstance(p["batch_size"], int) and 8 <= p["batch_size"] <= 512 for p in first)
    assert {p["optimizer"] for p in first} == {"adam", "sgd"}


def test_random_range_ends_are_validated_by_the_model() -> None:
    # lr must be above 0 and at most 1: a range reaching 2 is refused on the field.
    assert _errors(_spec(Axis("lr", low=0.1, high=2.0), strategy="random", count=4))["lr"] == (
        "2: Must be at most 1"
    )
    whole = _errors(_spec(Axis("epochs", low=1.5, high=4), strategy="random", count=4))
    assert "whole number" in whole["epochs"]
    choice = _errors(_spec(Axis("optimizer", low=1, high=2), strategy="random", count=2))
    assert "optimizer" in choice


def test_random_values_are_short_and_inside_the_range() -> None:
    spec = _spec(Axis("lr", low=0.001, high=0.002), strategy="random", count=20, seed=1)
    for params in expand(spec, RECIPE, 32):
        value = params.lr  # type: ignore[attr-defined]
        assert 0.001 <= value <= 0.002
        assert len(f"{value:g}".replace("0.", "").lstrip("0")) <= 4
        assert math.isfinite(value)


def test_spec_json_round_trips_axes() -> None:
    spec = _spec(Axis("lr", low=0.001, high=0.1, log=True), Axis("epochs", values=(1, 2)))
    stored = spec.to_json()
    assert stored["axes"] == [
        {"name": "lr", "low": 0.001, "high": 0.1, "log": True},
        {"name": "epochs", "values": [1, 2]},
    ]


def test_form_reading_names_every_unreadable_box() -> None:
    with pytest.raises(SweepSpecError) as caught:
        spec_from_form(
            "demo",
            {},
            {"lr": "0.1,,0.2", "epochs": "abc..3", "batch_size": ""},
            "random",
            "eight",
            "",
            "val_loss",
            "min",
        )
    errors = caught.value.errors
    assert set(errors) == {"lr", "epochs", COUNT_KEY, SEED_KEY}
    assert errors[COUNT_KEY] == "Enter a whole number (got 'eight')"
    assert errors[SEED_KEY] == "Enter a whole number"


def test_form_reading_skips_empty_boxes_and_grid_ignores_count() -> None:
    spec = spec_from_form(
        "demo", {"epochs": "2"}, {"lr": "0.1, 0.2", "epochs": " "}, "grid", "x", "y", "loss", "min"
    )
    assert spec.axes == (Axis("lr", values=("0.1", "0.2")),)
    assert (spec.count, spec.seed, spec.metric, spec.goal) == (0, 0, "loss", "min")
    assert len(expand(spec, RECIPE, 32)) == 2
