"""Reaching the real services the tests use; fail in CI, skip elsewhere, when one is missing."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import pytest
import redis
from psycopg2 import sql

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def in_ci() -> bool:
    """True when running under CI, where a missing service is a failure."""
    return os.environ.get("CI", "").lower() == "true"


def service_missing(reason: str) -> None:
    """Fail under CI; skip with the reason elsewhere."""
    if in_ci():
        pytest.fail(f"required service unavailable in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def with_driver(url: str) -> str:
    """The URL with SQLAlchemy's psycopg2 driver named."""
    return url.replace("postgresql://", "postgresql+psycopg2://", 1)


@contextmanager
def throwaway_postgres_database(prefix: str = "dashapp_test") -> Iterator[str]:
    """Create a uniquely named database, yield its URL, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg2.connect(PG_ADMIN_URL, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        service_missing(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}".strip())
        raise  # unreachable: service_missing raises
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        # A fresh connection: fault-injection tests may have restarted the server meanwhile.
        admin = psycopg2.connect(PG_ADMIN_URL, connect_timeout=10)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


def flushed_redis_url() -> str:
    """The test Redis database, emptied; fails/skips when Redis is not reachable."""
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_missing(f"Redis not reachable at {REDIS_TEST_URL}: {exc}")
    client.flushdb()
    client.close()
    return REDIS_TEST_URL
