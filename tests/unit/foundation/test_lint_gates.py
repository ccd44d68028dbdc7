"""make lint's architecture gates fail on what they are there to catch (pyproject, Makefile).

Each gate is run as `make lint` runs it, on a small package written here with one breach.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dashapp.settings import PROJECT_ROOT

BIN = Path(sys.executable).parent


def run(tool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / tool), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(cwd), "PATH": str(BIN)},
        check=False,
    )


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_service_importing_a_page_breaks_the_import_rules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/pages/__init__.py": "",
            "app/pages/view.py": "TITLE = 'x'\n",
            "app/service/__init__.py": "",
            "app/service/logic.py": "from app.pages.view import TITLE\n",
            "contracts.ini": (
                "[importlinter]\nroot_package = app\n\n[importlinter:contract:1]\n"
                "name = services know no page\ntype = forbidden\n"
                "source_modules = app.service\nforbidden_modules = app.pages\n"
            ),
        },
    )
    broken = run("lint-imports", "contracts.ini", "--no-cache", cwd=tmp_path)
    assert broken.returncode == 1 and "BROKEN" in broken.stdout, broken.stdout[-500:]
    (tmp_path / "app/service/logic.py").write_text("TITLE = 'own'\n")
    assert run("lint-imports", "contracts.ini", "--no-cache", cwd=tmp_path).returncode == 0


def test_a_function_above_grade_c_fails_the_complexity_gate(tmp_path: Path) -> None:
    branches = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(25))
    write(tmp_path, {"tangled.py": f"def pick(x):\n{branches}    return -1\n"})
    failed = run("xenon", "--max-absolute", "C", ".", cwd=tmp_path)
    assert failed.returncode != 0, failed.stdout
    write(tmp_path, {"tangled.py": "def pick(x):\n    return x\n"})
    assert run("xenon", "--max-absolute", "C", ".", cwd=tmp_path).returncode == 0


def test_a_module_over_400_lines_fails_the_size_gate(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/long.py": "x = 1\n" * 401, "pkg/short.py": "x = 1\n" * 400})
    script = str(PROJECT_ROOT / "scripts" / "module_sizes.py")
    found = subprocess.run(
        [sys.executable, script, "--max-lines", "400", str(tmp_path / "pkg")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode == 1
    assert "long.py: 401 lines" in found.stdout and "short.py" not in found.stdout


@pytest.mark.parametrize("dead", ["def never_called():\n    return 1\n", "import os\n"])
def test_dead_code_fails_the_vulture_gate(tmp_path: Path, dead: str) -> None:
    write(tmp_path, {"mod.py": "def used():\n    return 2\n\nprint(used())\n" + dead})
    assert run("vulture", "mod.py", "--min-confidence", "60", cwd=tmp_path).returncode != 0
