"""Reading a sweep from the form's text: value lists, ranges, count and seed (never a default
for text that is not a number)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from dashapp.training.sweep_spec import COUNT_KEY, SEED_KEY, Axis, SweepSpec, SweepSpecError

MAX_AXIS_TEXT = 500
RANGE = re.compile(r"^\s*(?P<low>[^.\s][^\s]*?)\s*\.\.\s*(?P<high>[^\s]+)\s*(?P<log>log)?\s*$")


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def parse_axis(name: str, text: str) -> Axis | None:
    """`"0.01, 0.05, 0.1"` -> values; `"0.001..0.1 log"` -> a log-scale range; blank -> None.

    Values stay text here: the recipe's model turns them into numbers (and refuses "abc").
    """
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > MAX_AXIS_TEXT:
        raise SweepSpecError({name: f"At most {MAX_AXIS_TEXT} characters"})
    matched = RANGE.match(text)
    if matched:
        try:
            low, high = _number(matched["low"]), _number(matched["high"])
        except ValueError:
            raise SweepSpecError(
                {name: f"Enter a range as low..high, e.g. 0.001..0.1 (got {text!r})"}
            ) from None
        if not low < high:
            raise SweepSpecError({name: f"The range's low end must be below its high ({text!r})"})
        if matched["log"] and low <= 0:
            raise SweepSpecError({name: "A log-scale range needs a low end above 0"})
        return Axis(name, low=low, high=high, log=bool(matched["log"]))
    items = [item.strip() for item in text.split(",")]
    if any(not item for item in items):
        raise SweepSpecError({name: f"Separate values with single commas (got {text!r})"})
    return Axis(name, values=tuple(dict.fromkeys(items)))


def _whole(text: Any, key: str, errors: dict[str, str]) -> int:
    """A whole number typed in a box; an error under `key` otherwise (never a default)."""
    raw = str(text if text is not None else "").strip()
    try:
        return int(raw)
    except ValueError:
        errors[key] = f"Enter a whole number (got {raw!r})" if raw else "Enter a whole number"
        return 0


def spec_from_form(
    recipe: str,
    fixed: Mapping[str, Any],
    axis_texts: Mapping[str, Any],
    strategy: Any,
    count: Any,
    seed: Any,
    metric: Any,
    goal: Any,
) -> SweepSpec:
    """The spec the Sweep form describes; SweepSpecError names every box that cannot be read.

    Count and seed are read only for random search (grid ignores them, whatever they hold).
    """
    errors: dict[str, str] = {}
    axes: list[Axis] = []
    for name, text in axis_texts.items():
        try:
            axis = parse_axis(name, str(text or ""))
        except SweepSpecError as exc:
            errors.update(exc.errors)
            continue
        if axis is not None:
            axes.append(axis)
    strategy = str(strategy or "grid")
    count_n = seed_n = 0
    if strategy == "random":
        count_n = _whole(count, COUNT_KEY, errors)
        seed_n = _whole(seed, SEED_KEY, errors)
    if errors:
        raise SweepSpecError(errors)
    return SweepSpec(
        recipe=recipe,
        axes=tuple(axes),
        fixed=dict(fixed),
        strategy=strategy,
        count=count_n,
        seed=seed_n,
        metric=str(metric or "").strip(),
        goal=str(goal or ""),
    )
