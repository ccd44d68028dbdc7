"""The recipes this app offers (built-ins, the `recipes` setting, entry points)."""

from __future__ import annotations

from dashapp.recipes import Recipe, load_recipes
from dashapp.settings import current_settings

DEFAULT_RECIPE = "digits"


def available() -> dict[str, Recipe]:
    """Every recipe by name, in the order they were registered."""
    return load_recipes(current_settings().recipes)


def find(name: str | None) -> Recipe | None:
    """The recipe called `name`, or None."""
    return available().get(name or "")


def default_name() -> str:
    """The recipe the form opens with when none is named."""
    names = list(available())
    return DEFAULT_RECIPE if DEFAULT_RECIPE in names else names[0]
