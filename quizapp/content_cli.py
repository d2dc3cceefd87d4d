"""`flask cases`, `flask plan` and `flask content` commands."""

from __future__ import annotations

from flask import Flask


def register_content_cli(app: Flask) -> None:
    """Registered once the content modules exist (filled in with the case-file work)."""
