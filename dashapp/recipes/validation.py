"""Parameters from a form or a stored run, validated by the recipe's own pydantic model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from dashapp.recipes.api import Recipe

FORM_LEVEL = "__all__"


class ParamsError(ValueError):
    """Parameters the model refuses; `errors` maps each field to a readable message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


def _message(error: Mapping[str, Any]) -> str:
    text = str(error.get("msg", "is not valid"))
    given = error.get("input")
    if error.get("type", "").endswith("_parsing") and isinstance(given, str):
        return f"{text}, got {given!r}"
    return text


def validate_params(recipe: Recipe, values: Mapping[str, Any]) -> BaseModel:
    """The recipe's params from `values`; ParamsError names every bad field.

    A field present with an empty value (a cleared or non-numeric number input sends None) is
    an error, never the default: defaults apply only to fields that are absent altogether.
    """
    errors: dict[str, str] = {}
    known = recipe.params.model_fields
    for name in sorted(set(values) - set(known)):
        errors[name] = f"is not a parameter of the {recipe.name} recipe"
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name not in known:
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            numeric = known[name].annotation in (int, float)
            errors[name] = "Enter a number" if numeric else "Enter a value"
            continue
        cleaned[name] = value.strip() if isinstance(value, str) else value
    try:
        params = recipe.params.model_validate(cleaned)
    except ValidationError as exc:
        for error in exc.errors():
            loc = error.get("loc") or ()
            field = str(loc[0]) if loc else FORM_LEVEL
            errors.setdefault(field, _message(error))
        raise ParamsError(errors) from None
    if errors:
        raise ParamsError(errors)
    return params
