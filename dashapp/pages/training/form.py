"""A launch form generated from a recipe's pydantic parameter model."""

from __future__ import annotations

import enum
import types
import typing
from typing import Any, Literal

import annotated_types
import dash_bootstrap_components as dbc
from dash import html
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from dashapp.pages.training import ids
from dashapp.recipes import Recipe
from dashapp.training import recipe_catalog


def bounds(info: FieldInfo) -> dict[str, tuple[float, bool]]:
    """{"min"/"max": (limit, inclusive)} from the field's ge/gt/le/lt constraints."""
    found: dict[str, tuple[float, bool]] = {}
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            found["min"] = (float(item.ge), True)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Gt):
            found["min"] = (float(item.gt), False)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Le):
            found["max"] = (float(item.le), True)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Lt):
            found["max"] = (float(item.lt), False)  # type: ignore[arg-type]
    return found


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) and abs(value) >= 1 else f"{value:g}"


def range_text(info: FieldInfo) -> str:
    """ "1 to 200", "above 0, at most 1", "at least 0": the allowed range in words."""
    found = bounds(info)
    low, high = found.get("min"), found.get("max")
    if low and high and low[1] and high[1]:
        return f"{_number(low[0])} to {_number(high[0])}"
    parts = []
    if low:
        parts.append(f"{'at least' if low[1] else 'above'} {_number(low[0])}")
    if high:
        parts.append(f"{'at most' if high[1] else 'below'} {_number(high[0])}")
    return ", ".join(parts)


def _choices(annotation: Any) -> list[Any] | None:
    """The allowed values of a Literal or Enum annotation, else None."""
    if typing.get_origin(annotation) is Literal:
        return list(typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [member.value for member in annotation]
    return None


def _plain(annotation: Any) -> Any:
    """`int | None` -> int: the type the input edits."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else str
    return annotation


def field_kind(info: FieldInfo) -> str:
    """number-int, number-float, select, check or text."""
    annotation = _plain(info.annotation)
    if _choices(annotation) is not None:
        return "select"
    if annotation is bool:
        return "check"
    if annotation is int:
        return "number-int"
    if annotation is float:
        return "number-float"
    return "text"


def label_of(name: str, info: FieldInfo) -> str:
    """The field's title, else its name in words (the rule the run views use too)."""
    return recipe_catalog.field_label(name, info)


def _default(info: FieldInfo) -> Any:
    value = info.get_default(call_default_factory=True)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def field(name: str, info: FieldInfo, value: Any = None) -> dbc.Col:
    """Label, input, error text and help for one parameter."""
    kind = field_kind(info)
    value = _default(info) if value is None else value
    help_id = ids.help_id(name)
    control: Any
    if kind == "check":
        control = dbc.Checkbox(id=ids.check_id(name), label=label_of(name, info), value=bool(value))
    elif kind == "select":
        options = _choices(_plain(info.annotation)) or []
        control = dbc.Select(
            id=ids.param_id(name),
            options=[{"label": str(o), "value": o} for o in options],
            value=value,
            size="sm",
        )
    elif kind.startswith("number"):
        # A text box with a numeric keyboard, not type="number": dbc's number input turns
        # non-numeric or out-of-range text into null, which is how "abc" became a default.
        # Here the text reaches the server, and the parameter model says what is wrong.
        control = dbc.Input(
            id=ids.param_id(name),
            type="text",
            inputMode="numeric" if kind == "number-int" else "decimal",
            value=value,
            size="sm",
            autoComplete="off",
        )
    else:
        control = dbc.Input(id=ids.param_id(name), type="text", value=value, size="sm")
    label = (
        None
        if kind == "check"
        else dbc.Label(
            label_of(name, info), html_for=ids.dom_id(ids.param_id(name)), className="small mb-0"
        )
    )
    allowed = range_text(info) if kind.startswith("number") else ""
    words = " · ".join(part for part in (info.description, allowed) if part)
    help_text = dbc.FormText(words, id=help_id) if words else None
    feedback = (
        dbc.FormFeedback(id=ids.feedback_id(name), type="invalid") if kind != "check" else None
    )
    return dbc.Col([label, control, feedback, help_text], xs=12, sm=6, className="mb-1")


def fields(recipe: Recipe, values: dict[str, Any] | None = None) -> dbc.Row:
    """Every parameter of `recipe`, in the model's order, filled with `values` or defaults."""
    values = values or {}
    model: type[BaseModel] = recipe.params
    return dbc.Row(
        [field(name, info, values.get(name)) for name, info in model.model_fields.items()],
        className="g-2",
    )


def description(recipe: Recipe) -> list[Any]:
    """The recipe's title and what it trains."""
    return [
        html.H3(recipe.title, className="h6 mb-1"),
        html.P(recipe.description or "", className="small text-body-secondary mb-2"),
    ]
