"""Find recipes: the built-ins, `DASHAPP_RECIPES=module:attr[,...]` and the `dashapp.recipes`
entry-point group. Loading imports the recipe modules (not Dash or Flask, unless they do)."""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Iterable
from importlib import metadata
from typing import Any

from dashapp.recipes.api import Recipe

ENTRY_POINT_GROUP = "dashapp.recipes"
ENV_VAR = "DASHAPP_RECIPES"
# The three demos ship as ordinary recipes; nothing else in the app knows about them.
BUILTIN_SPECS = (
    "tasks.training.builtin_recipes:digits",
    "tasks.training.builtin_recipes:orders",
    "tasks.training.builtin_recipes:synthetic",
)


class RecipeLoadError(RuntimeError):
    """A recipe setting or entry point that does not name a usable recipe."""


def split_specs(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """`a:b, c:d` (or a list) as a tuple of specs."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    return tuple(item.strip() for item in items if item and item.strip())


def _as_recipes(found: Any, where: str) -> list[Recipe]:
    if isinstance(found, Recipe):
        return [found]
    if isinstance(found, list | tuple) and all(isinstance(r, Recipe) for r in found):
        return list(found)
    raise RecipeLoadError(f"{where} is a {type(found).__name__}, not a dashapp Recipe")


def resolve_spec(spec: str) -> list[Recipe]:
    """The recipe(s) `module:attribute` names (`module` alone means `module:recipe`)."""
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise RecipeLoadError(f"recipe {spec!r}: cannot import {module_name!r}: {exc}") from exc
    attribute = attribute or "recipe"
    try:
        found = getattr(module, attribute)
    except AttributeError:
        raise RecipeLoadError(f"recipe {spec!r}: {module_name} has no {attribute!r}") from None
    return _as_recipes(found, f"recipe {spec!r}")


def _entry_point_recipes() -> list[Recipe]:
    recipes: list[Recipe] = []
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            found = entry.load()
        except Exception as exc:  # noqa: BLE001 - a broken plug-in is named, not a crash
            raise RecipeLoadError(f"entry point {entry.name!r} ({entry.value}): {exc}") from exc
        recipes += _as_recipes(found, f"entry point {entry.name!r} ({entry.value})")
    return recipes


@functools.lru_cache(maxsize=8)
def _load(specs: tuple[str, ...], builtins: bool) -> dict[str, Recipe]:
    found: list[Recipe] = []
    for spec in (BUILTIN_SPECS if builtins else ()) + specs:
        found += resolve_spec(spec)
    found += _entry_point_recipes()
    recipes: dict[str, Recipe] = {}
    for recipe in found:
        other = recipes.get(recipe.name)
        if other is not None and other is not recipe:
            raise RecipeLoadError(f"two recipes are named {recipe.name!r}; names must be unique")
        recipes[recipe.name] = recipe
    return recipes


def load_recipes(
    specs: str | Iterable[str] | None = None, builtins: bool = True
) -> dict[str, Recipe]:
    """Every registered recipe by name; `specs` defaults to the DASHAPP_RECIPES variable."""
    chosen = split_specs(os.environ.get(ENV_VAR, "") if specs is None else specs)
    return dict(_load(chosen, builtins))


def forget_loaded() -> None:
    """Drop what was found, so the next load looks again (after installing a package)."""
    _load.cache_clear()


def get_recipe(name: str, specs: str | Iterable[str] | None = None) -> Recipe:
    """The recipe called `name`; KeyError naming the known ones when there is none."""
    recipes = load_recipes(specs)
    try:
        return recipes[name]
    except KeyError:
        known = ", ".join(sorted(recipes)) or "none"
        raise KeyError(f"no recipe named {name!r} (known: {known})") from None
