"""The dashboards file: data sources and per-table dashboards, validated with line numbers."""

from dashapp.dataview.config.errors import DashboardsError
from dashapp.dataview.config.loader import LoadedDashboards, load_dashboards, parse_dashboards

__all__ = ["DashboardsError", "LoadedDashboards", "load_dashboards", "parse_dashboards"]
