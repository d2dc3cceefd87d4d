"""Private responses and private files: no signed-in answer is kept by a shared cache, the
embedded database and instance/ are readable by their owner only, and joining an academy by code
is throttled like logging in."""

from __future__ import annotations

import stat

from flask import Flask

from quizapp import create_app
from quizapp.extensions import db as _db
from quizapp.models import Role
from tests.conftest import csrf_from, login

# Every kind of download a signed-in user can get: CSV, zip and PDF through send_file.
DOWNLOADS = ("/cpd/export", "/cpd/ledger.csv", "/account/export.zip", "/academy/invitations.csv")


def test_signed_in_downloads_are_no_store(client, factory):
    admin = factory.user(Role.ADMIN)
    login(client, admin.email)
    for path in DOWNLOADS:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


def test_static_files_stay_cacheable_for_signed_in_users(client, factory):
    login(client, factory.user().email)
    response = client.get("/static/app.css")
    assert response.headers.get("Cache-Control") != "no-store"
    response.close()


def test_a_new_instance_folder_and_sqlite_file_are_owner_only(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))
    built = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "MIGRATIONS": False})
    try:
        with built.app_context():
            _db.create_all()  # writes, so SQLite opens its -wal and -shm files too
            database = instance / "quizapp.sqlite3"
            assert built.config["SQLALCHEMY_DATABASE_URI"].endswith(str(database))
            assert stat.S_IMODE(instance.stat().st_mode) == 0o700
            for path in instance.glob("quizapp.sqlite3*"):
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
            assert database.exists()
    finally:
        with built.app_context():
            _db.session.remove()
            _db.engine.dispose()


def test_joining_by_code_is_throttled_like_login(client, factory):
    user = factory.user()
    login(client, user.email)
    token = csrf_from(client.get("/account/join").get_data(as_text=True))
    statuses = [
        client.post("/account/join", data={"code": f"guess-{n}", "csrf_token": token}).status_code
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]
