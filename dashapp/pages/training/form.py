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


def _bounds(info: FieldInfo) -> dict[str, Any]:
    """HTML min/max from the field's ge/gt/le/lt constraints."""
    bounds: dict[str, Any] = {}
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge | annotated_types.Gt):
            bounds["min"] = item.ge if isinstance(item, annotated_types.Ge) else item.gt
        if isinstance(item, annotated_types.Le | annotated_types.Lt):
            bounds["max"] = item.le if isinstance(item, annotated_types.Le) else item.lt
    return bounds


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
    """The field's title, else its name in words."""
    return info.title or name.replace("_", " ").capitalize()


def _default(info: FieldInfo) -> Any:
    value = info.get_default(call_default_factory=True)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def field(name: str, info: FieldInfo, value: Any = None) -> dbc.Col:
    """Label, input, error text and help for one parameter."""
    kind = field_kind(info)
    value = _default(info) if value is None else value
    help_id = f"train-help-{name}"
    described = {"aria-describedby": help_id} if info.description else {}
    control: Any
    if kind == "check":
        control = dbc.Checkbox(
            id=ids.check_id(name), label=label_of(name, info), value=bool(value), **described
        )
    elif kind == "select":
        options = _choices(_plain(info.annotation)) or []
        control = dbc.Select(
            id=ids.param_id(name),
            options=[{"label": str(o), "value": o} for o in options],
            value=value,
            size="sm",
            **described,
        )
    elif kind.startswith("number"):
        control = dbc.Input(
            id=ids.param_id(name),
            type="number",
            value=value,
            step=1 if kind == "number-int" else "any",
            size="sm",
            **_bounds(info),
            **described,
        )
    else:
        control = dbc.Input(id=ids.param_id(name), type="text", value=value, size="sm", **described)
    label = (
        None
        if kind == "check"
        else dbc.Label(
            label_of(name, info), html_for=ids.dom_id(ids.param_id(name)), className="small mb-0"
        )
    )
    help_text = dbc.FormText(info.description, id=help_id) if info.description else None
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
