"""Fail when a Python module is longer than the limit: a module that size holds several jobs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def oversized(roots: list[Path], max_lines: int) -> list[tuple[int, Path]]:
    """(lines, path) of every module under `roots` longer than `max_lines`, longest first."""
    found = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > max_lines:
                found.append((lines, path))
    return sorted(found, reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("roots", nargs="+", type=Path)
    parser.add_argument("--max-lines", type=int, default=400)
    args = parser.parse_args()
    found = oversized(args.roots, args.max_lines)
    for lines, path in found:
        print(f"{path}: {lines} lines (at most {args.max_lines}): split it by job")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
