"""How long `dashapp --help` and `dashapp --version` take (target: under 1 s).

    .venv/bin/python bench/bench_cli.py [--repeat 7]

Each run is a fresh interpreter, as a person typing the command gets; prints the median and the
slowest run of each.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def timed(args: list[str]) -> float:
    """Seconds for one fresh `python -m dashapp.cli ARGS` process."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "dashapp.cli", *args], check=True, capture_output=True, timeout=120
    )
    return time.perf_counter() - started


def main() -> None:
    """Print median and max seconds per command."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat
    for args in (["--help"], ["--version"]):
        times = [timed(args) for _ in range(repeat)]
        print(
            f"dashapp {' '.join(args):<10} median {statistics.median(times):.2f} s, "
            f"max {max(times):.2f} s over {repeat} runs"
        )


if __name__ == "__main__":
    main()
