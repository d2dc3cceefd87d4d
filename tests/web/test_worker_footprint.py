"""A gunicorn worker loads only what serving needs (bench/README.md, "Memory"): Alembic and the PDF
libraries stay out until used, while the `flask db` commands still work from the same wsgi.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys
import wsgi
loaded = {m.split('.')[0] for m in sys.modules}
heavy = sorted(loaded & {'alembic', 'mako', 'fpdf', 'fontTools', 'PIL'})
print(','.join(heavy) or 'none')
"""


def _env(tmp_path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}"}


def _probe(code: str, tmp_path) -> str:
    """What `code` prints, run in a new interpreter from the repository as gunicorn would."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_loading_wsgi_as_gunicorn_does_leaves_alembic_and_pdf_libraries_out(tmp_path):
    assert _probe(PROBE, tmp_path).strip() == "none"


WARMED = """
import wsgi
environment = wsgi.app.jinja_env
names = environment.list_templates()
cached = {key[1] for key in environment.cache.keys()}
print(len(names), len(set(names) - cached))
"""


def test_a_worker_compiles_every_template_as_it_boots(tmp_path):
    """issue 21, B3 "cold = warm": a worker's first requests compile no template."""
    templates, not_compiled = map(int, _probe(WARMED, tmp_path).split())
    assert templates > 50 and not_compiled == 0


def test_the_flask_command_still_migrates_through_wsgi_py(tmp_path):
    flask = Path(sys.executable).with_name("flask")
    result = subprocess.run(
        [str(flask), "--app", "wsgi.py", "db", "upgrade"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "content_generation" in result.stderr  # Alembic logs each revision it runs


def test_a_certificate_pdf_still_renders_with_fpdf_loaded_on_demand():
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from quizapp.services.infra import pdfcert

    certificate = SimpleNamespace(
        code="abc123",
        holder_name="Ada Lovelace",
        programme_name="Foundation",
        academy_name="Test Academy",
        issued_at=datetime(2026, 1, 1, tzinfo=UTC),
        expires_at=None,
        cycle=1,
    )
    assert pdfcert.render(certificate, "https://example.com/verify/abc123").startswith(b"%PDF")


PASSWORD_PEAK = """
import wsgi
from quizapp.services.people import accounts

def peak_mb():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM'):
            return int(line.split()[1]) / 1024

wsgi.app.test_client().get('/login')  # templates, the sign-in form
before = peak_mb()
stored = accounts.hash_password('a-password-to-check')
assert accounts._verify(stored, 'a-password-to-check')
assert not accounts._verify(accounts._dummy_hash(), 'a-password-to-check')  # an unknown email's
print(f'{before:.1f} {peak_mb():.1f}')
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_a_worker_that_checked_passwords_peaks_under_150_mb(tmp_path):
    """issue 21: at most 150 MB a worker. argon2 allocates its whole memory cost per check; at
    the previous 64 MiB this process peaked at 147.5 MB, 64 MB above its peak before the check."""
    before, after = map(float, _probe(PASSWORD_PEAK, tmp_path).split())
    assert after - before < 25  # one check costs its 19 MiB, not 64
    assert after < 150


def test_compiling_every_template_stops_at_a_broken_one():
    """A template that does not compile fails the worker's boot, naming the template, instead of
    the first request for its page."""
    from flask import Flask
    from jinja2 import DictLoader, TemplateSyntaxError

    from quizapp.web.templating import compile_all_templates

    app = Flask("broken")
    app.jinja_loader = DictLoader({"fine.html": "{{ 1 }}", "page.html": "{% if %}"})
    with pytest.raises(TemplateSyntaxError) as error:
        compile_all_templates(app)
    assert error.value.name == "page.html"

    app = Flask("fine")
    app.jinja_loader = DictLoader({"a.html": "{{ 1 }}", "b.html": "{% if 1 %}b{% endif %}"})
    assert compile_all_templates(app) == 2
    assert {key[1] for key in app.jinja_env.cache} == {"a.html", "b.html"}


def test_more_templates_than_the_cache_holds_are_refused():
    """Jinja's cache is an LRU: templates beyond its size would be evicted and compiled again."""
    from flask import Flask
    from jinja2 import DictLoader

    from quizapp.web.templating import compile_all_templates

    app = Flask("many")
    app.jinja_options = {"cache_size": 2}
    app.jinja_loader = DictLoader({f"{n}.html": "x" for n in range(3)})
    with pytest.raises(RuntimeError, match="3 templates outgrow"):
        compile_all_templates(app)
