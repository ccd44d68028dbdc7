"""The recipes this app offers (built-ins, the `recipes` setting, entry points)."""

from __future__ import annotations

from pydantic.fields import FieldInfo

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


def field_label(name: str, info: FieldInfo | None) -> str:
    """A parameter's title as its recipe gives it, else its name in words ("batch_size" ->
    "Batch size")."""
    title = info.title if info is not None else None
    return title or name.replace("_", " ").capitalize()


def setting_label(recipe: str | None, name: str) -> str:
    """The label the launch form shows for parameter `name` of `recipe` (a recipe no longer
    offered still gets its names in words)."""
    found = find(recipe)
    info = found.params.model_fields.get(name) if found is not None else None
    return field_label(name, info)
