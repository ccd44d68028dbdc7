"""The error raised for a dashboards file that cannot work, naming file and line."""

from __future__ import annotations


class DashboardsError(ValueError):
    """One or more problems in the dashboards file; the message names file, line and problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Invalid dashboards file:\n  " + "\n  ".join(problems))
