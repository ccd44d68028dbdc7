"""What a run needs to be reproduced: package versions and the code version."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

PACKAGES = ("torch", "numpy", "scikit-learn", "pillow", "dash", "celery")
REPO_ROOT = Path(__file__).resolve().parents[2]


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape a run, plus Python's."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def code_version(root: Path = REPO_ROOT) -> str:
    """DASHAPP_CODE_VERSION when set (images), else the git commit read from .git, else unknown."""
    explicit = os.environ.get("DASHAPP_CODE_VERSION")
    if explicit:
        return explicit
    git = root / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:40]
        ref = head.removeprefix("ref: ")
        ref_file = git / ref
        if ref_file.exists():
            return ref_file.read_text().strip()[:40]
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0][:40]
    except OSError:
        pass
    return "unknown"
