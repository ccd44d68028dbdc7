"""Start gunicorn web processes (as if on separate hosts) against test services."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from dashapp.settings import PROJECT_ROOT
from tests.support.browser import free_port
from tests.support.processes import ManagedProcess


@dataclass
class WebProcess(ManagedProcess):
    """A gunicorn master with its workers, listening on `port`."""

    port: int = 0

    @property
    def url(self) -> str:
        """Base URL of this web process."""
        return f"http://127.0.0.1:{self.port}"


def start_web(
    env: dict[str, str],
    workdir: Path,
    workers: int = 2,
    threads: int = 4,
    ready_timeout: float = 60.0,
) -> WebProcess:
    """Run `gunicorn wsgi:app` on a free port from `workdir`; wait until /healthz answers."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = workdir / "gunicorn.log"
    env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
    }
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(PROJECT_ROOT / "gunicorn.conf.py"),
        "--chdir",
        str(PROJECT_ROOT),
        "wsgi:app",
    ]
    process = subprocess.Popen(
        cmd,
        cwd=workdir,
        env=env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    web = WebProcess(process, log_path, port)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{web.log()}")
        try:
            if requests.get(f"{web.url}/healthz", timeout=1).status_code == 200:
                return web
        except requests.RequestException:
            pass
        time.sleep(0.3)
    web.kill()
    raise RuntimeError(f"gunicorn not ready in {ready_timeout}s:\n{web.log()}")
