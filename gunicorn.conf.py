"""gunicorn settings; every value can be overridden with GUNICORN_* environment variables."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8050")
# Threads serve Dash's many small callback requests and background-callback polls cheaply.
workers = int(os.environ.get("GUNICORN_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 9)))
# gthread, except that a request reaches a thread only once it has fully arrived: a slow client
# costs a connection, never a thread (dashapp/web/gunicorn_worker.py, docs/security.md).
worker_class = "dashapp.web.gunicorn_worker.BufferedThreadWorker"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Long work runs on Celery, so a request that takes a minute is stuck, not busy.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so slow leaks in third-party code cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# The app logs JSON itself; keep gunicorn's access log off stdout noise unless asked for.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
# Bounded request heads (docs/security.md): request line, header count, each header's size.
limit_request_line = int(os.environ.get("GUNICORN_LIMIT_REQUEST_LINE", "8190"))
limit_request_fields = int(os.environ.get("GUNICORN_LIMIT_REQUEST_FIELDS", "100"))
limit_request_field_size = int(os.environ.get("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", "8190"))
# The reverse proxy terminates TLS; ProxyFix in the app decides which forwarded headers count.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
