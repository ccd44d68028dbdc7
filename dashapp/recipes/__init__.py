"""The public recipe API: write a training recipe as plain Python and dashapp runs it.

Importing this package loads neither Dash nor Flask (nor torch): workers, notebooks and unit
tests can use it on their own.

    from dashapp.recipes import Recipe, RunContext
"""

from __future__ import annotations

from dashapp.recipes.api import Recipe, RunContext, RunSink
from dashapp.recipes.registry import RecipeLoadError, get_recipe, load_recipes
from dashapp.recipes.runner import RecipeOutcome, run_recipe
from dashapp.recipes.status import RunStatus
from dashapp.recipes.validation import ParamsError, validate_params

__all__ = [
    "ParamsError",
    "Recipe",
    "RecipeLoadError",
    "RecipeOutcome",
    "RunContext",
    "RunSink",
    "RunStatus",
    "get_recipe",
    "load_recipes",
    "run_recipe",
    "validate_params",
]
