"""Two gunicorn instances behind one PostgreSQL and one Redis behave as one
(bench/two_instances.py): a session, the login throttle and a submission do not depend on which
instance serves them."""

from __future__ import annotations

import os
import socket

import pytest

pytestmark = pytest.mark.slow

REDIS = "redis://127.0.0.1:6379/0"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def test_either_instance_serves_the_same_app():
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    pytest.importorskip("redis", reason="needs the redis client (pip install -e '.[bench]')")
    if not _redis_answers():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    from bench.two_instances import run

    lines: list[str] = []
    results = run(url, REDIS, say=lines.append)
    assert results == {"session": True, "throttle": True, "submission": True}, lines
