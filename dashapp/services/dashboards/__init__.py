"""The dashboards file: data sources and per-table dashboards, validated with line numbers."""

from dashapp.services.dashboards.errors import DashboardsError
from dashapp.services.dashboards.loader import LoadedDashboards, load_dashboards, parse_dashboards

__all__ = ["DashboardsError", "LoadedDashboards", "load_dashboards", "parse_dashboards"]
