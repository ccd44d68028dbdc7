"""The app's gunicorn worker against stock gthread, in the same run: small requests and large
bodies (what buffering each request in the event loop costs), on a WSGI app that only reads.

    .venv/bin/python bench/bench_web_worker.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
READER_APP = """
def app(environ, start_response):
    size = len(environ["wsgi.input"].read())
    body = str(size).encode()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]
"""
WORKERS = {
    "stock gthread": "gthread",
    "dashapp worker": "dashapp.web.gunicorn_worker.BufferedThreadWorker",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(worker_class: str, app_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", "1", "--threads",
         "4", "--worker-class", worker_class, "--chdir", str(app_dir), "reader:app"],
        env={"PYTHONPATH": str(ROOT), "PATH": str(Path(sys.executable).parent),
             "DASHAPP_MAX_REQUEST_MB": "64"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            requests.get(url, timeout=1)
            return process, url
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{worker_class} did not start")


def timed_ms(session: requests.Session, url: str, body: bytes | None) -> float:
    started = time.perf_counter()
    response = session.post(url, data=body) if body else session.get(url)
    assert response.ok
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    cases = {"GET, no body": None, "POST 64 KB": b"x" * 65536, "POST 31 MB": b"x" * (31 << 20)}
    results: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "reader.py").write_text(READER_APP)
        servers = {name: serve(cls, Path(tmp)) for name, cls in WORKERS.items()}
        try:
            sessions = {name: requests.Session() for name in WORKERS}
            for _ in range(args.rounds):  # the two servers in turns, so load hits both alike
                for case, body in cases.items():
                    for name, (_, url) in servers.items():
                        ms = timed_ms(sessions[name], url, body)
                        results.setdefault((case, name), []).append(ms)
        finally:
            for process, _ in servers.values():
                process.terminate()
    print(f"medians of {args.rounds} rounds, the two servers in turns")
    print("| request | stock gthread ms | dashapp worker ms | ratio |")
    print("|---|---|---|---|")
    for case in cases:
        stock = statistics.median(results[(case, "stock gthread")])
        ours = statistics.median(results[(case, "dashapp worker")])
        print(f"| {case} | {stock:.2f} | {ours:.2f} | {ours / stock:.2f} |")


if __name__ == "__main__":
    main()
