"""Install a recipe package (tests/fixtures/recipe_pkg) into a folder of its own, not the venv.

It does what `pip install --target` leaves behind (the package and a .dist-info folder with its
entry points) without building a wheel, so it needs no network and no build backend.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "recipe_pkg"


def install_recipe_package(target: Path, source: Path = FIXTURE) -> Path:
    """Copy the package and write its distribution metadata under `target`; returns `target`."""
    project = tomllib.loads((source / "pyproject.toml").read_text())["project"]
    packages = tomllib.loads((source / "pyproject.toml").read_text())["tool"]["setuptools"]
    target.mkdir(parents=True, exist_ok=True)
    for package in packages["packages"]:
        shutil.copytree(source / package, target / package, dirs_exist_ok=True)
    dist = target / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist.mkdir(exist_ok=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    lines = []
    for group, entries in project.get("entry-points", {}).items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {value}" for name, value in entries.items()]
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return target
