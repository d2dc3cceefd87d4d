"""Sign-in hardening beyond tests/web/test_auth.py: a new session at login, members who lose
their membership, indistinguishable failures (message and time), password rules through the
password form, argon2id strength and rehashing, and the login throttle shared by gunicorn
workers through Redis."""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type
from argon2.profiles import RFC_9106_LOW_MEMORY
from flask_migrate import upgrade
from sqlalchemy import select

from quizapp import MIGRATIONS_DIR, create_app
from quizapp.extensions import limiter
from quizapp.models import Membership, Role, User
from quizapp.services.people import accounts
from tests.conftest import TEST_PASSWORD, csrf_from, fresh_database, login

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "/account/password"  # a page with a CSRF token for the logout button


def test_login_starts_a_new_session(client, factory):
    user = factory.user()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "attacker-chosen"  # what a fixation attack would set
        session["academy_id"] = 999
    before = client.get_cookie("session").value
    assert login(client, user.email).status_code == 302
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session and session.get("academy_id") != 999
        assert session.get("_user_id", "").startswith(f"{user.id}:")
    # The pre-login cookie, replayed, is still anonymous.
    replay = client.application.test_client()
    replay.set_cookie("session", before)
    assert replay.get("/learn/").status_code == 302


def test_a_deactivated_membership_is_out_at_the_next_request(client, factory, db):
    user = factory.user(Role.EDUCATOR)
    login(client, user.email)
    assert client.get("/author/").status_code == 200
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    membership.active = False
    db.session.commit()
    assert client.get("/author/").status_code in {302, 403}
    assert client.get("/learn/").status_code in {302, 403}


def test_a_disabled_user_cannot_log_in_and_sees_the_usual_message(client, factory, db):
    user = factory.user()
    user.active = False
    db.session.commit()
    response = login(client, user.email)
    assert response.status_code == 200
    assert "Email or password is not correct." in response.get_data(as_text=True)


def _login_seconds(client, email: str, password: str) -> float:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    start = time.perf_counter()
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    elapsed = time.perf_counter() - start
    assert response.status_code == 200
    return elapsed


def test_unknown_email_and_wrong_password_take_comparable_time(app, factory, client):
    user = factory.user()
    wrong, unknown = [], []
    for n in range(7):  # interleaved, so load on the machine hits both alike
        wrong.append(_login_seconds(client, user.email, f"wrong-password-{n}"))
        unknown.append(_login_seconds(client, f"nobody{n}@example.com", "wrong-password"))
        limiter.reset()  # measure the password check, not the throttle
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.5 <= ratio <= 2.0, (ratio, wrong, unknown)
    assert statistics.median(unknown) > 0.02  # an argon2 verify really ran


def test_argon2id_parameters_are_owasps_first_configuration():
    hasher = accounts._hasher
    assert hasher.type is Type.ID
    # OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 (docs/security.md); the
    # library's default (64 MiB) put a worker over its 150 MB.
    assert (hasher.memory_cost, hasher.time_cost, hasher.parallelism) == (19 * 1024, 2, 1)
    assert hasher.hash_len >= 32 and hasher.salt_len >= 16
    assert accounts._dummy_hash().startswith("$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.parametrize(
    "old",
    [
        PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1),  # weaker
        PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY),  # the parameters used until now
    ],
    ids=["weaker", "rfc9106-low-memory"],
)
def test_an_old_parameter_hash_verifies_and_is_rehashed_at_the_next_login(client, factory, db, old):
    user = factory.user()
    user.password_hash = old.hash(TEST_PASSWORD)
    db.session.commit()
    stored = user.password_hash
    assert login(client, user.email, "not-the-password").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == stored  # a failed login changes nothing
    assert login(client, user.email).status_code == 302
    db.session.expire_all()
    rehashed = db.session.get(User, user.id).password_hash
    assert rehashed != stored and rehashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert not accounts._hasher.check_needs_rehash(rehashed)
    client.post(
        "/logout", data={"csrf_token": csrf_from(client.get(ACCOUNT).get_data(as_text=True))}
    )
    assert login(client, user.email).status_code == 302  # and the new hash verifies
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == rehashed  # rehashed once, not again


@pytest.mark.parametrize(
    "new, message",
    [("short1", "between 8 and 200"), ("password1", "most common"), ("Qwerty123", "most common")],
)
def test_the_password_form_refuses_short_and_common_passwords(client, factory, new, message):
    user = factory.user()
    login(client, user.email)
    html = client.get("/account/password").get_data(as_text=True)
    response = client.post(
        "/account/password",
        data={"current": TEST_PASSWORD, "new": new, "confirm": new, "csrf_token": csrf_from(html)},
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True).replace("&#39;", "'").lower(), (
        response.get_data(as_text=True)
    )
    client.post(
        "/logout", data={"csrf_token": csrf_from(client.get(ACCOUNT).get_data(as_text=True))}
    )
    assert login(client, user.email).status_code == 302  # the old password still works


# --------------------------------------------------------------------------------------------
# The login throttle across gunicorn workers (Redis)
# --------------------------------------------------------------------------------------------

REDIS = ("127.0.0.1", 6379)
PASSWORD = "shared-throttle-pw"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _attempt(base: str, email: str, password: str) -> tuple[int, str]:
    """One login through a fresh connection and cookie jar: (status, worker pid)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(base + "/login", timeout=30) as page:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode()).group(1)
    body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
    try:
        with opener.open(base + "/login", data=body.encode(), timeout=30) as response:
            return response.status, response.headers.get("X-Worker", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("X-Worker", "")


ROUNDS = 4


def _hold_a_worker(port: int) -> socket.socket:
    """A connection that sends half a request: the sync worker that accepts it blocks reading
    the rest, so the next connections go to the other worker until this one is closed."""
    held = socket.create_connection(("127.0.0.1", port), timeout=30)
    held.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return held


def _attempts_split_over_two_workers(port: int, base: str, email: str) -> list[tuple[int, str]]:
    """Eight wrong-password attempts, four answered by each worker. The kernel alone may give
    every connection to one idle worker, so the test steers them: while worker X is held, Y
    answers; a second hold opened then can only be taken by Y (X is still blocked), and once
    X is released it answers the rest."""
    first = _hold_a_worker(port)
    try:
        results = [_attempt(base, email, "wrong-password") for _ in range(4)]
        second = _hold_a_worker(port)
        time.sleep(0.5)  # long enough for the idle worker to accept the second hold
    finally:
        first.close()
    try:
        results += [_attempt(base, email, "wrong-password") for _ in range(4)]
    finally:
        second.close()
    return results


@pytest.mark.slow
def test_login_throttle_is_shared_by_gunicorn_workers(tmp_path):
    if not _redis_answers():
        pytest.skip("Redis does not answer on 127.0.0.1:6379: the shared throttle needs it")
    pytest.importorskip("redis", reason="the redis client is needed for redis:// rate limits")
    database = 8 + uuid.uuid4().int % 8  # a Redis database of its own, emptied before and after
    storage = f"redis://127.0.0.1:6379/{database}"
    import redis

    store = redis.Redis(host="127.0.0.1", port=6379, db=database)
    with fresh_database(tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "throttle"})
        with app.app_context():
            from quizapp.extensions import db

            upgrade(directory=MIGRATIONS_DIR)
            academy = accounts.create_academy("T", "t")
            for n in range(ROUNDS):
                victim = accounts.create_user(f"victim{n}@example.com", "Victim", PASSWORD)
                accounts.add_membership(victim, academy, Role.TRAINEE)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "throttle",
            "RATELIMIT_STORAGE_URI": storage,
            "LOGIN_LIMIT_PER_ACCOUNT": "5 per 10 minutes",
            "LOGIN_LIMIT_PER_IP": "1000 per 10 minutes",
        }
        # Each worker names itself in a header, so the test can see that both answered.
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--config",
                str(Path(__file__).with_name("gunicorn_worker_header.py")),
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            store.flushdb()
            for _ in range(300):  # gunicorn boots slowly on a busy machine
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            # Each round uses a fresh account, spreads its attempts over both workers and must
            # throttle at exactly 5; at least one round must have been answered by both workers
            # (a round can miss only if a worker took longer than the pause to accept a hold).
            rounds = []
            for n in range(ROUNDS):
                email = f"victim{n}@example.com"
                results = _attempts_split_over_two_workers(port, base, email)
                statuses = [status for status, _ in results]
                assert statuses[:5] == [200] * 5 and statuses[5:] == [429] * 3, results
                # The right password is refused too while the account is throttled.
                assert _attempt(base, email.title() + " ", PASSWORD)[0] == 429
                rounds.append({pid for _, pid in results})
                if len(rounds[-1]) == 2:
                    break
            assert any(len(workers) == 2 for workers in rounds), f"one worker only: {rounds}"
            # Another account is not affected.
            assert _attempt(base, "other@example.com", "wrong-password")[0] == 200
        finally:
            server.terminate()
            _, errors = server.communicate(timeout=20)
            store.flushdb()
            store.close()
        assert b"Traceback" not in errors, errors.decode()[-2000:]
