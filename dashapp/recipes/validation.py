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


def _limit(error: Mapping[str, Any], key: str) -> str:
    value = (error.get("ctx") or {}).get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _message(error: Mapping[str, Any]) -> str:
    """Pydantic's error in words a form user reads (its own text where we have none)."""
    kind, given = str(error.get("type", "")), error.get("input")
    shown = f" (got {given!r})" if isinstance(given, str) else ""
    plain = {
        "int_parsing": f"Enter a whole number{shown}",
        "int_from_float": f"Enter a whole number{shown or f' (got {given!r})'}",
        "float_parsing": f"Enter a number{shown}",
        "bool_parsing": f"Choose yes or no{shown}",
        "greater_than_equal": f"Must be at least {_limit(error, 'ge')}",
        "greater_than": f"Must be above {_limit(error, 'gt')}",
        "less_than_equal": f"Must be at most {_limit(error, 'le')}",
        "less_than": f"Must be below {_limit(error, 'lt')}",
    }
    return plain.get(kind, str(error.get("msg", "is not valid")))


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
