"""Dash-free data-view core: schema discovery, safe query building, paging, counts, exports."""

from dashapp.services.grid.errors import GridQueryError

__all__ = ["GridQueryError"]
