"""Dash pages, one module each. Listed here so the app (and the Celery worker) import them all."""

from __future__ import annotations

import importlib
from types import ModuleType

import dash
from dash import Dash

PAGE_MODULES = (
    "dashapp.pages.dataview.page",
    "dashapp.pages.training.page",
    "dashapp.pages.compositor.page",
    "dashapp.pages.admin.page",
    "dashapp.pages.not_found_404",
)


def register_pages(app: Dash) -> list[ModuleType]:
    """Import every page (registering it with Dash) and bind its callbacks to `app`."""
    modules = [importlib.import_module(name) for name in PAGE_MODULES]
    for module in modules:
        # With pages_folder="" Dash does not look up a module's `layout`; hand it over here.
        entry = dash.page_registry[module.__name__]
        if not entry.get("layout"):
            entry["layout"] = module.layout
        register = getattr(module, "register_callbacks", None)
        if register is not None:
            register(app)
    return modules
