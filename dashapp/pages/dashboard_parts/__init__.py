"""Pieces of the dashboard page: column definitions, layout, charts and callbacks."""
