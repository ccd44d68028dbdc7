"""Sweep specs: expand a grid or a seeded random search into parameter sets, and validate every
set with the recipe's own parameter model (reading the form's text: `sweep_text`).

Pure functions (no Flask, no database), so unit tests and notebooks can use them directly.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from dashapp.recipes import ParamsError, Recipe, validate_params
from dashapp.recipes.validation import FORM_LEVEL

STRATEGIES = ("grid", "random")
GOALS = ("min", "max")
# Error keys for the sweep's own inputs; recipe fields use their own names.
COUNT_KEY, SEED_KEY, METRIC_KEY, STRATEGY_KEY = (
    "sweep.count",
    "sweep.seed",
    "sweep.metric",
    "sweep.strategy",
)
MAX_SEED = 2**32 - 1
METRIC_NAME = re.compile(r"^[A-Za-z0-9_.:/-]{1,100}$")


class SweepSpecError(ParamsError):
    """A sweep the form or API described wrongly; `errors` maps each input to a message."""


@dataclass(frozen=True)
class Axis:
    """One swept parameter: a list of values (grid; choices for random) or a numeric range."""

    name: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    log: bool = False

    @property
    def is_range(self) -> bool:
        """True for a low..high range (random search only)."""
        return self.low is not None

    def to_json(self) -> dict[str, Any]:
        """The axis as stored with the sweep."""
        if self.is_range:
            return {"name": self.name, "low": self.low, "high": self.high, "log": self.log}
        return {"name": self.name, "values": list(self.values)}


@dataclass(frozen=True)
class SweepSpec:
    """Recipe, fixed parameters, swept axes, strategy and the objective to rank runs by."""

    recipe: str
    axes: tuple[Axis, ...]
    fixed: Mapping[str, Any] = field(default_factory=dict)
    strategy: str = "grid"
    count: int = 0
    seed: int = 0
    metric: str = "val_loss"
    goal: str = "min"

    def to_json(self) -> dict[str, Any]:
        """What is stored in the sweep row's `spec` column."""
        return {
            "fixed": dict(self.fixed),
            "axes": [a.to_json() for a in self.axes],
            "count": self.count,
            "seed": self.seed,
        }


def planned_runs(spec: SweepSpec) -> int:
    """How many runs the spec launches (computed without expanding it)."""
    if spec.strategy == "random":
        return spec.count
    return math.prod(len(axis.values) for axis in spec.axes) if spec.axes else 0


def _check_shape(spec: SweepSpec, recipe: Recipe, max_runs: int) -> dict[str, str]:
    """Errors in the sweep's own settings (strategy, count, seed, metric, limits)."""
    errors: dict[str, str] = {}
    if spec.strategy not in STRATEGIES:
        errors[STRATEGY_KEY] = "Choose grid or random"
    if spec.goal not in GOALS:
        errors[METRIC_KEY] = "The goal must be min or max"
    if not METRIC_NAME.match(spec.metric or ""):
        errors[METRIC_KEY] = "Name the metric to rank runs by (letters, digits, _ . : / -)"
    if not 0 <= spec.seed <= MAX_SEED:
        errors[SEED_KEY] = f"Must be between 0 and {MAX_SEED:,}"
    known = recipe.params.model_fields
    for axis in spec.axes:
        if axis.name not in known:
            errors[axis.name] = f"is not a parameter of the {recipe.name} recipe"
        elif spec.strategy == "grid" and axis.is_range:
            errors[axis.name] = "Grid search needs a list of values (e.g. 8, 16, 32)"
        elif len(axis.values) > max_runs:
            errors[axis.name] = f"At most {max_runs} values"
    if not spec.axes:
        errors[FORM_LEVEL] = "Give the values to sweep for at least one parameter"
    elif spec.strategy == "random" and not 1 <= spec.count <= max_runs:
        errors[COUNT_KEY] = f"Must be between 1 and {max_runs}"
    elif spec.strategy == "grid" and not errors and planned_runs(spec) > max_runs:
        sizes = " × ".join(str(len(a.values)) for a in spec.axes)
        errors[FORM_LEVEL] = (
            f"This grid makes {sizes} = {planned_runs(spec):,} runs; a sweep may launch at "
            f"most {max_runs}. Use fewer values or random search with a count."
        )
    return errors


class _ValueRefused(SweepSpecError):
    """One swept value (or a fixed one beside it) that the recipe's model refuses."""


def _typed(recipe: Recipe, fixed: Mapping[str, Any], name: str, value: Any) -> Any:
    """`value` as the recipe's model makes it (with the fixed values around it); the error
    names the value ("0: Must be at least 1") unless the message already quotes it."""
    try:
        params = validate_params(recipe, {**fixed, name: value})
    except ParamsError as exc:
        errors = dict(exc.errors)
        own = errors.pop(name, None)
        if own is not None:
            shown = f"{value:g}" if isinstance(value, float) else str(value)
            errors[name] = own if "(got " in own else f"{shown}: {own}"
        raise _ValueRefused(errors) from None
    return getattr(params, name)


def _unswept(spec: SweepSpec) -> dict[str, Any]:
    """The fixed values of the parameters that are not swept."""
    swept = {a.name for a in spec.axes}
    return {k: v for k, v in spec.fixed.items() if k not in swept}


def _typed_axes(spec: SweepSpec, recipe: Recipe) -> tuple[list[Axis], dict[str, str]]:
    """Each axis with values (or range ends) checked and converted by the recipe's model."""
    errors: dict[str, str] = {}
    typed: list[Axis] = []
    # The swept fields' single-run inputs are not used (and may hold anything).
    fixed = _unswept(spec)
    for axis in spec.axes:
        try:
            if axis.is_range:
                low = _typed(recipe, fixed, axis.name, axis.low)
                high = _typed(recipe, fixed, axis.name, axis.high)
                if not isinstance(low, int | float) or isinstance(low, bool):
                    errors[axis.name] = "A range needs a number field; list the choices instead"
                    continue
                typed.append(Axis(axis.name, low=low, high=high, log=axis.log))
            else:
                values = tuple(_typed(recipe, fixed, axis.name, v) for v in axis.values)
                typed.append(Axis(axis.name, values=tuple(dict.fromkeys(values))))
        except _ValueRefused as exc:
            errors.update(exc.errors)
    return typed, errors


def _sample(axis: Axis, rng: random.Random) -> Any:
    """One random value of `axis`: a choice, or a point of its range (log-uniform if asked)."""
    if not axis.is_range:
        return rng.choice(axis.values)
    low, high = float(axis.low or 0), float(axis.high or 0)
    if axis.log:
        value = math.exp(rng.uniform(math.log(low), math.log(high)))
    else:
        value = rng.uniform(low, high)
    if isinstance(axis.low, int):
        return min(max(round(value), int(low)), int(high))
    # Four significant digits read well in tables; the range ends keep it valid.
    return min(max(float(f"{value:.4g}"), low), high)


def combinations(spec: SweepSpec, axes: Sequence[Axis]) -> list[dict[str, Any]]:
    """The swept values of each run: the grid's product, or `count` seeded random draws."""
    if spec.strategy == "grid":
        names = [a.name for a in axes]
        return [
            dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(a.values for a in axes))
        ]
    rng = random.Random(spec.seed)
    return [{a.name: _sample(a, rng) for a in axes} for _ in range(spec.count)]


def _plain_error(name: str, message: str) -> str:
    """ "lr: Must be at most 1", or a model-level message without pydantic's prefix."""
    if name == FORM_LEVEL:
        return message.removeprefix("Value error, ")
    return f"{name}: {message}"


def expand(spec: SweepSpec, recipe: Recipe, max_runs: int) -> list[BaseModel]:
    """Every run's validated parameters; SweepSpecError names each bad input.

    Bounded before anything is built: the run count is computed from the axes' sizes first.
    """
    errors = _check_shape(spec, recipe, max_runs)
    if errors:
        raise SweepSpecError(errors)
    axes, errors = _typed_axes(spec, recipe)
    if errors:
        raise SweepSpecError(errors)
    fixed = _unswept(spec)
    sets: list[BaseModel] = []
    for number, values in enumerate(combinations(spec, axes), start=1):
        try:
            sets.append(validate_params(recipe, {**fixed, **values}))
        except ParamsError as exc:
            shown = ", ".join(f"{k}={v}" for k, v in values.items())
            problems = "; ".join(_plain_error(k, m) for k, m in exc.errors.items())
            raise SweepSpecError(
                {FORM_LEVEL: f"Run {number} ({shown}) is refused: {problems}"}
            ) from None
    return sets
