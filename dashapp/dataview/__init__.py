"""The data view, Dash-free: sources, schema discovery, safe queries, paging with
landmarks, counts, KPIs and charts, exports, saved views (docs/dataview-internals.md)."""

from dashapp.dataview.errors import GridQueryError

__all__ = ["GridQueryError"]
