"""Read the dashboards file: YAML with line numbers, ${VAR} expansion, pydantic validation."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dashapp.dataview.config.errors import DashboardsError
from dashapp.dataview.config.model import DashboardsConfig
from dashapp.dataview.sources import APP_SOURCE

Path_ = tuple[str | int, ...]
VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
MAX_FILE_BYTES = 1_000_000


@dataclass(frozen=True)
class LoadedDashboards:
    """A validated file, with the line of every key for later messages."""

    config: DashboardsConfig
    file: str
    lines: Mapping[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int:
        """The 1-based line of the deepest known key on `path`."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1

    def where(self, path: Path_) -> str:
        """`file:line` for a path in the file."""
        return f"{self.file}:{self.line_of(path)}"


def _lines(node: yaml.Node, path: Path_, found: dict[Path_, int]) -> None:
    """Record the line where each mapping key or list item starts (keys win over values)."""
    found.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            found[child] = key.start_mark.line + 1
            _lines(value, child, found)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*path, index), found)


def _expand(value: Any, path: Path_, missing: list[Path_]) -> Any:
    """Replace ${VAR} and ${VAR:-default} in every string from the environment."""
    if isinstance(value, str):

        def swap(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in os.environ:
                return os.environ[name]
            if default is not None:
                return default
            missing.append((*path, f"${{{name}}}"))
            return ""

        return VAR_RE.sub(swap, value)
    if isinstance(value, dict):
        return {k: _expand(v, (*path, k), missing) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, (*path, i), missing) for i, v in enumerate(value)]
    return value


def _cross_checks(config: DashboardsConfig) -> list[tuple[Path_, str]]:
    """Problems pydantic cannot see: unknown sources, duplicate ids, the reserved name."""
    problems: list[tuple[Path_, str]] = []
    if APP_SOURCE in config.sources:
        problems.append(
            (("sources", APP_SOURCE), f"the source name {APP_SOURCE!r} is the app's own database")
        )
    known = {*config.sources, APP_SOURCE}
    seen: dict[str, int] = {}
    for index, table in enumerate(config.tables):
        if table.source not in known:
            choices = ", ".join(sorted(known))
            problems.append(
                (
                    ("tables", index, "source"),
                    f"unknown source {table.source!r} (known: {choices})",
                )
            )
        if table.key in seen:
            problems.append(
                (
                    ("tables", index, "id" if table.id else "name"),
                    f"table id {table.key!r} is used twice (first in item {seen[table.key] + 1})",
                )
            )
        seen.setdefault(table.key, index)
    return problems


def parse_dashboards(text: str, file: str = "<dashboards>") -> LoadedDashboards:
    """Validate the text of a dashboards file; DashboardsError names file, line and problem."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise DashboardsError([f"{file}:{line}: YAML syntax: {problem}"]) from None
    lines: dict[Path_, int] = {}
    if node is not None:
        _lines(node, (), lines)
    if not isinstance(data, dict):
        raise DashboardsError([f"{file}:1: the file must be a mapping with sources and tables"])
    missing: list[Path_] = []
    data = _expand(data, (), missing)
    draft = LoadedDashboards(DashboardsConfig.model_construct(), file, lines)
    problems = [
        f"{draft.where(p[:-1])}: environment variable {p[-1]} is not set at "
        f"{'.'.join(str(x) for x in p[:-1])}"
        for p in missing
    ]
    try:
        config = DashboardsConfig.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not _is_union_tag(p))
            place = ".".join(str(p) for p in loc) or "file"
            problems.append(f"{draft.where(loc)}: {place}: {err['msg']}")
        raise DashboardsError(problems) from None
    problems += [f"{draft.where(p)}: {message}" for p, message in _cross_checks(config)]
    if problems:
        raise DashboardsError(problems)
    return LoadedDashboards(config, file, lines)


def _is_union_tag(part: object) -> bool:
    """pydantic adds the discriminator value (trend/breakdown) to error locations."""
    return part in ("trend", "breakdown")


def load_dashboards(path: str | Path) -> LoadedDashboards:
    """Read and validate the file at `path`."""
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DashboardsError([f"{file}:1: the file is larger than {MAX_FILE_BYTES} bytes"])
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        problem = f"{file}: cannot read the dashboards file: {exc.strerror}"
        raise DashboardsError([problem]) from None
    return parse_dashboards(text, str(file))
