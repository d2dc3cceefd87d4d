"""Configuration, read from environment variables only.

Every setting has a safe default for the embedded SQLite set-up that `make run` uses;
production sets DATABASE_URL (PostgreSQL) and SECRET_KEY, and runs behind HTTPS.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_or_create_secret_key(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, or a random key kept in instance/.

    A key generated once and kept on disk lets sessions survive restarts without ever shipping a
    fixed key in the code.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = Path(instance_path) / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Written with owner-only permissions: the key signs every session cookie.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; quizapp ships psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return "sqlite:///" + str(Path(instance_path) / "quizapp.sqlite3")


class Config:
    """Settings for a running app. Values are filled in by `build_config`."""

    SQLALCHEMY_TRACK_MODIFICATIONS = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024  # case files and CSVs are small; refuse anything larger
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"
    CASES_DIR = str(Path(__file__).resolve().parent.parent / "cases")


def build_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Collect the settings for one app from the class defaults, the environment and overrides."""
    overrides = overrides or {}
    config = {k: v for k, v in vars(Config).items() if k.isupper()}
    secure = _bool("SECURE_COOKIES", False)
    config.update(
        SECRET_KEY=overrides.get("SECRET_KEY") or load_or_create_secret_key(instance_path),
        SQLALCHEMY_DATABASE_URI=overrides.get("SQLALCHEMY_DATABASE_URI")
        or database_url(instance_path),
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_SECURE=secure,
        PREFERRED_URL_SCHEME="https" if secure else "http",
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        RATELIMIT_ENABLED=_bool("RATELIMIT_ENABLED", True),
        LOGIN_LIMIT_PER_IP=os.environ.get("LOGIN_LIMIT_PER_IP", "20 per 10 minutes"),
        LOGIN_LIMIT_PER_ACCOUNT=os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 10 minutes"),
        CASES_DIR=os.environ.get("QUIZAPP_CASES_DIR", Config.CASES_DIR),
    )
    # Behind a reverse proxy (nginx, a load balancer) set TRUSTED_PROXIES to how many proxies
    # add X-Forwarded-* headers: the app then sees the client's address (rate limits) and
    # https (HSTS, secure URLs). Left at 0, those headers are ignored, as they can be forged.
    config["TRUSTED_PROXIES"] = int(os.environ.get("TRUSTED_PROXIES", "0") or 0)
    trusted = os.environ.get("TRUSTED_HOSTS")
    if trusted:
        config["TRUSTED_HOSTS"] = [h.strip() for h in trusted.split(",") if h.strip()]
    # The root of every public IRI (xAPI actors, activities, statement ids): one fixed address,
    # so the same learner exported through two host names is one person. Production (secure
    # cookies) must set it; development falls back to the request's host.
    config["PUBLIC_BASE_URL"] = os.environ.get("PUBLIC_BASE_URL", "").strip()
    config.update(overrides)
    if secure and not config["PUBLIC_BASE_URL"]:
        raise RuntimeError("PUBLIC_BASE_URL must be set in production (SECURE_COOKIES=true).")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # Reconnect after a database restart instead of failing the next request.
        config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    return config
