"""Hostile input through the real upload and download endpoints: oversized bodies, YAML bombs,
module zips built to hurt (bombs, zip-slip, links, nested archives), spreadsheet formulas in CSV
downloads, stored-XSS payloads in every field an educator or admin writes, and no eval/exec."""

from __future__ import annotations

import csv
import io
import re
import stat
import zipfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from quizapp.models import CaseRecord, ModuleRecord, Role
from quizapp.models.base import now_utc
from quizapp.services.academy import certification
from quizapp.services.authoring import cases, lifecycle, modules, records, zips
from quizapp.services.learning import casestudy, quizzes
from quizapp.services.learning.catalogue import Listed
from quizapp.services.people import accounts, members
from tests.conftest import csrf_from, login

ROOT = Path(__file__).resolve().parents[2]
BANK_CASE = ROOT / "cases" / "m41-toxin-top-up.yaml"
BIG = 3 * 1024 * 1024  # more than MAX_CONTENT_LENGTH (2 MiB)


def post(client, url, data=None, *, page=None, **kw):
    """POST with the CSRF token of `page` (default: the form's own URL)."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), **(data or {})}, **kw)


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture()
def educator(factory, client):
    academy = factory.academy("Northbridge", "northbridge")
    user = factory.user(Role.EDUCATOR, academy)
    login(client, user.email)
    return user


# --------------------------------------------------------------------------------------------
# Body size
# --------------------------------------------------------------------------------------------


def test_max_content_length_is_set(app):
    assert 0 < app.config["MAX_CONTENT_LENGTH"] <= 16 * 1024 * 1024


def _oversized(client, url):
    """A multipart POST larger than the limit, built by hand (as a browser sends it)."""
    token = csrf_from(client.get(url).get_data(as_text=True))
    head = (
        f'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        '--B\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    )
    body = head.encode() + b"a" * BIG + b"\r\n--B--\r\n"
    return client.post(url, data=body, content_type="multipart/form-data; boundary=B")


def test_oversized_uploads_get_a_clear_413_page(client, factory, db):
    academy = factory.academy("Northbridge", "northbridge")
    educator = factory.user(Role.EDUCATOR, academy)
    module = modules.create_module(academy.id, educator, _module_data("size"))
    db.session.commit()
    admin = factory.user(Role.ADMIN, academy)
    login(client, educator.email)
    for url in (
        "/author/cases/upload",
        f"/author/modules/{module.id}/gift",
        "/author/modules/import",
    ):
        response = _oversized(client, url)
        assert response.status_code == 413, url
        body = response.get_data(as_text=True)
        assert "Too large" in body and "2048 KB at most" in body and "Traceback" not in body
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    login(client, admin.email)
    response = _oversized(client, "/academy/invitations/import")
    assert response.status_code == 413 and "Too large" in response.get_data(as_text=True)
    assert count(db, CaseRecord) == 0 and len(members.open_invitations(academy.id, now_utc())) == 0


# --------------------------------------------------------------------------------------------
# YAML bombs through the upload views
# --------------------------------------------------------------------------------------------

ALIAS_BOMB = (
    "id: bomb\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
)
DEEP = "id: deep\ntitle: " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_MAPS = "id: deep\n" + "".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "x: 1\n"


@pytest.mark.parametrize(
    "text, message",
    [(ALIAS_BOMB, "anchors"), (DEEP, "nested more than"), (DEEP_MAPS, "nested more than")],
    ids=["alias-bomb", "deep-lists", "deep-maps"],
)
def test_yaml_bombs_are_refused_by_the_case_upload(client, educator, db, text, message):
    response = post(client, "/author/cases/upload", {"text": text})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    as_file = post(
        client,
        "/author/cases/upload",
        {"file": (io.BytesIO(text.encode()), "bomb.yaml")},
        page="/author/cases/upload",
        content_type="multipart/form-data",
    )
    assert as_file.status_code == 422 and message in as_file.get_data(as_text=True)
    assert count(db, CaseRecord) == 0


def test_yaml_bombs_are_refused_by_the_module_yaml_editor(client, educator, db):
    module = modules.create_module(
        educator.memberships[0].academy_id, educator, _module_data("yed")
    )
    db.session.commit()
    before = module.versions[-1].source_text
    url = f"/author/modules/{module.id}/yaml"
    for text, message in ((ALIAS_BOMB, "aliases"), (DEEP, "nested too deeply")):
        response = post(client, url, {"text": text.replace("id: bomb", "id: yed")})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ModuleRecord, module.id).versions[-1].source_text == before


# --------------------------------------------------------------------------------------------
# Module zip import
# --------------------------------------------------------------------------------------------


def _module_data(slug: str, **changes) -> dict:
    data = {
        "id": slug,
        "title": f"Module {slug}",
        "order": 7,
        "summary": "A module about restraint.",
        "prerequisites": [],
        "pass_mark": 50,
        "max_attempts": None,
        "grading": "highest",
        "time_limit_minutes": None,
        "shuffle": False,
        "cases": [],
        "references": ["F15"],
        "questions": [
            {
                "id": f"{slug}-01",
                "type": "single",
                "topic": "aims",
                "stem": "How many facial units in one session added FACE-Q benefit in one study?",
                "options": [
                    {"text": "Up to two", "correct": True, "explanation": "More added nothing."},
                    {"text": "Five or more", "correct": False, "explanation": "No benefit."},
                ],
                "references": ["F15"],
            }
        ],
    }
    data.update(changes)
    return data


def _case_text(new_id: str) -> str:
    return cases.replace_id(BANK_CASE.read_text(), new_id)


def _zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]], level=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", level) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def _good_entries(slug="zipped", case_id="zip-case") -> list[tuple[str, bytes]]:
    module = modules.module_text(_module_data(slug, cases=[case_id]))
    return [
        (f"cases/modules/07-{slug}.yaml", module.encode()),
        (f"cases/{case_id}.yaml", _case_text(case_id).encode()),
    ]


def _import(client, payload: bytes, name="module.zip"):
    return post(
        client,
        "/author/modules/import",
        {"file": (io.BytesIO(payload), name)},
        content_type="multipart/form-data",
    )


def test_module_zip_round_trip_into_another_academy(client, educator, db, factory, app):
    academy = educator.memberships[0].academy
    case = cases.create_case(academy.id, educator, _case_text("zip-case"))
    module = modules.create_module(academy.id, educator, _module_data("zipped", cases=["zip-case"]))
    db.session.commit()
    exported = client.get(f"/author/modules/{module.id}/export.zip")
    assert exported.status_code == 200

    other = factory.user(Role.EDUCATOR, factory.academy("Southbank", "southbank"))
    other_client = app.test_client()
    login(other_client, other.email)
    response = _import(other_client, exported.get_data())
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    imported = db.session.scalar(
        select(ModuleRecord).where(ModuleRecord.academy_id == other.memberships[0].academy_id)
    )
    assert imported.slug == "zipped" and imported.versions[-1].source_text == (
        module.versions[-1].source_text
    )
    their_case = db.session.scalar(
        select(CaseRecord).where(CaseRecord.academy_id == imported.academy_id)
    )
    assert their_case.versions[-1].source_text == case.versions[-1].source_text
    page = other_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported module zipped as a draft, with 1 case(s) of your own" in page

    # Importing the same zip again changes nothing and says it updated the module.
    again = _import(other_client, exported.get_data())
    assert again.status_code == 302
    assert count(db, ModuleRecord) == 2 and count(db, CaseRecord) == 2


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _lying_size(payload: bytes, name: str, declared: int) -> bytes:
    """The zip with the central directory's uncompressed size of `name` set to `declared`."""
    data = bytearray(payload)
    position = 0
    while True:
        header = data.find(b"PK\x01\x02", position)
        assert header >= 0, name
        name_length = int.from_bytes(data[header + 28 : header + 30], "little")
        if data[header + 46 : header + 46 + name_length] == name.encode():
            data[header + 24 : header + 28] = declared.to_bytes(4, "little")
            return bytes(data)
        position = header + 4


def _hostile_zips() -> list[tuple[str, object, str]]:
    zeros = b"notes: " + b"0" * (200 * 1024)  # deflates about 1000:1
    many = [(f"cases/c{n}.yaml", b"x: 1\n") for n in range(zips.ZIP_MAX_ENTRIES + 1)]
    spread = [(f"cases/z{n}.yaml", b"0" * (250 * 1024)) for n in range(40)]  # 10 MB declared
    incompressible = ("cases/big.yaml", bytes(range(256)) * 1200)  # 300 KB that will not deflate
    inner = _zip([("a.yaml", b"x: 1\n")])
    return [
        ("not-a-zip", lambda good: b"PK\x03\x04 this is not really a zip", "not a zip file"),
        ("too-many-entries", lambda good: _zip(good + many), "at most 200 are allowed"),
        ("declared-total", lambda good: _zip(good + spread), "would unpack to"),
        ("ratio-bomb", lambda good: _zip([*good, ("cases/bomb.yaml", zeros)]), "100:1"),
        (
            "big-file",
            lambda good: _zip([*good, incompressible], zipfile.ZIP_STORED),
            "larger than 262144 bytes",
        ),
        (
            "lying-header",
            lambda good: _lying_size(
                _zip([*good, ("cases/lie.yaml", b"a: 1\n" * 400)]), "cases/lie.yaml", 100
            ),
            "cases/lie.yaml",
        ),
        ("parent-path", lambda good: _zip([*good, ("../evil.yaml", b"x: 1")]), "paths with"),
        ("inner-parent", lambda good: _zip([*good, ("cases/../../x.yaml", b"x: 1")]), "paths with"),
        ("absolute", lambda good: _zip([*good, ("/etc/evil.yaml", b"x: 1")]), "absolute"),
        ("drive", lambda good: _zip([*good, ("C:/evil.yaml", b"x: 1")]), "absolute"),
        ("backslash", lambda good: _zip([*good, ("cases\\..\\evil.yaml", b"x")]), "backslash"),
        ("symlink", lambda good: _zip([*good, (_symlink("cases/l.yaml"), b"/etc/passwd")]), "link"),
        ("nested-zip", lambda good: _zip([*good, ("cases/inner.zip", inner)]), "archives inside"),
        ("disguised-zip", lambda good: _zip([*good, ("cases/x.yaml", inner)]), "archives inside"),
        ("other-file", lambda good: _zip([*good, ("cases/run.py", b"print(1)")]), "only the"),
        ("deep-folder", lambda good: _zip([*good, ("cases/a/b.yaml", b"x: 1")]), "expected cases"),
        ("no-module", lambda good: _zip(good[1:]), "exactly one module file"),
        (
            "two-modules",
            lambda good: _zip([*good, ("cases/modules/08-x.yaml", good[0][1])]),
            "exactly one module file",
        ),
        ("not-utf8", lambda good: _zip([*good, ("cases/l1.yaml", b"t: \xff\xfe")]), "UTF-8"),
        (
            "alias-bomb",
            lambda good: _zip([good[0], ("cases/zip-case.yaml", ALIAS_BOMB.encode())]),
            "anchors",
        ),
        (
            "half-valid",  # a valid case and a module that names a case nobody has
            lambda good: _zip(
                [
                    (good[0][0], good[0][1].replace(b"zip-case", b"missing-case")),
                    good[1],
                ]
            ),
            "no case of the bank or your academy has id &#39;missing-case&#39;",
        ),
    ]


@pytest.mark.parametrize(
    "build, message", [h[1:] for h in _hostile_zips()], ids=[h[0] for h in _hostile_zips()]
)
def test_hostile_module_zips_are_refused_and_import_nothing(client, educator, db, build, message):
    payload = build(_good_entries())
    assert len(payload) < 2 * 1024 * 1024  # each attack fits under the upload limit
    response = _import(client, payload)
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body[:2000]
    assert message in body, re.sub(r"\s+", " ", body)[-3000:]
    assert "Nothing was imported" in body
    assert count(db, ModuleRecord) == 0 and count(db, CaseRecord) == 0


def test_the_good_zip_of_the_hostile_tests_imports(client, educator, db):
    response = _import(client, _zip(_good_entries()))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert count(db, ModuleRecord) == 1 and count(db, CaseRecord) == 1


def test_zip_refusal_happens_before_inflating(monkeypatch):
    """Declared sizes are checked first: a bomb's entries are never opened."""
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    spread = [(f"cases/z{n}.yaml", b"0" * (250 * 1024)) for n in range(40)]
    bomb = _zip(spread)
    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    with pytest.raises(records.ContentInvalid):
        zips.zip_files(bomb, "bomb.zip")
    assert opened == []


# --------------------------------------------------------------------------------------------
# CSV downloads
# --------------------------------------------------------------------------------------------

FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_csv_downloads_neutralise_every_formula_start(client, factory, db):
    academy = factory.academy("Northbridge", "northbridge")
    admin = factory.user(Role.ADMIN, academy)
    for n, formula in enumerate(FORMULAS):
        factory.user(Role.TRAINEE, academy, display_name=formula, email=f"t{n}@example.com")
        accounts.create_invitation(academy, Role.TRAINEE, email=f"{formula}x{n}@example.com")
    db.session.commit()
    login(client, admin.email)
    invitations = _rows(client.get("/academy/invitations.csv"))
    emails = [r[0] for r in invitations[1:]]
    learners = _rows(client.get("/academy/reports/learners.csv"))
    names = [r[0] for r in learners[1:]]
    for n, formula in enumerate(FORMULAS):
        assert f"'{formula.strip().lower()}x{n}@example.com" in emails
        assert "'" + formula.strip() in names  # names and emails are stored stripped
    for cell in [c for row in invitations + learners for c in row]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


# --------------------------------------------------------------------------------------------
# Stored XSS: payloads in every field educators and admins write, on every page that shows them
# --------------------------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "<svg><script>alert(4)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(5)>",
    '<a href="javascript:alert(6)">j</a>',
    '<a href="JaVaScRiPt&#58;alert(7)">k</a>',
    '<a href="&#106;avascript:alert(8)">l</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCg5KTwvc2NyaXB0Pg==">d</a>',
    "[md](javascript:alert(10))",
    "[md2](data:text/html,<script>alert(11)</script>)",
    '<iframe src="javascript:alert(12)"></iframe>',
    '<iframe srcdoc="<script>alert(13)</script>"></iframe>',
    "<body onload=alert(14)>",
    '<div style="background:url(javascript:alert(15))">s</div>',
    '<p style="width: expression(alert(16))">e</p>',
    '<object data="javascript:alert(17)"></object>',
    '<embed src="javascript:alert(18)">',
    '<form action="javascript:alert(19)"><button>b</button></form>',
    "<details open ontoggle=alert(20)>",
    '"><script>alert(21)</script>',
    "'><img src=x onerror=alert(22)>",
    '<img src="x" onerror="alert(23)"',
    "&lt;script&gt;alert(24)&lt;/script&gt;",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(25)">',
    '<base href="//evil.example/">',
    "<x onclick=alert(27)>click</x>",
]
URL_ATTRS = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "background"}


def _short_chunks(limit: int = 110) -> list[str]:
    """The payloads in groups that fit the short fields (names, titles)."""
    chunks, current = [], ""
    for payload in PAYLOADS:
        if current and len(current) + len(payload) + 1 > limit:
            chunks.append(current)
            current = ""
        current = f"{current} {payload}".strip()
    return [*chunks, current]


SHORT = _short_chunks()
LONG = "\n\n".join(PAYLOADS)


class ExecutableMarkup(HTMLParser):
    """Collects what could run script: script elements other than the app's own files, on*
    attributes, script-bearing URLs, srcdoc, inline styles, frames, base and refresh tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script":
            src = values.get("src") or ""
            if not src.startswith("/static/"):
                self.found.append(f"<script src={src!r}>")
            self._in_script = True
        if tag in {"iframe", "object", "embed", "base", "frame", "frameset", "applet", "style"}:
            self.found.append(f"<{tag}>")
        if tag == "math":  # MathML is where mutation XSS hides; the app writes none
            self.found.append(f"<{tag}>")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.found.append("<meta refresh>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in {"srcdoc", "style"}:
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRS:
                squeezed = re.sub(r"[\x00-\x20]+", "", value).lower()
                if squeezed.startswith(("javascript:", "vbscript:", "data:text")):
                    self.found.append(f"<{tag} {name}={value!r}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline script {data.strip()[:40]!r}")


def executable_markup(html: str) -> list[str]:
    parser = ExecutableMarkup()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_markup_checker_sees_what_it_must():
    for payload in PAYLOADS[:10]:
        if "&lt;" not in payload and "[md" not in payload:
            assert executable_markup(payload), payload
    assert executable_markup('<a href="&#x6A;avascript:x">') and executable_markup(
        "<script>x</script>"
    )
    assert not executable_markup('<script src="/static/app.js" defer></script><a href="/x">')


def _listed(record) -> Listed:
    version = record.latest_published()
    return Listed(record.id, record.slug, record.title, version.id, version.number, version.summary)


def _hostile_case_text(marker: str, short: str) -> str:
    data = yaml.safe_load(BANK_CASE.read_text())
    data["id"] = "xss-case"
    data["title"] = f"{marker}-case-title {short}"[:120]
    data["summary"] = f"{marker}-case-summary\n\n{LONG}"
    data["patient"]["context"] = f"{marker}-context {short}"
    data["patient"]["request"] = f"{marker}-request {short}"
    data["history"][0]["note"] = f"{marker}-history {short}"
    data["medical"] = [f"{marker}-medical {short}"]
    data["assessment"]["glabella"]["note"] = f"{marker}-assessment {short}"
    data["reference"]["note"] = f"{marker}-reference-note\n\n{LONG}"
    for plan in data["reference"]["candidate_plans"]:
        plan["label"] = f"{marker}-label {short}"[:80]
        plan["rationale"] = f"{marker}-rationale\n\n{LONG}"
    return records.data_to_yaml(data)


def _hostile_world(db, marker: str, short: str) -> dict:
    now = now_utc()
    academy = accounts.create_academy(f"{marker}-academy {short}", "xss-academy")
    people = {}
    for role in (Role.TRAINEE, Role.EDUCATOR, Role.ADMIN):
        user = accounts.create_user(
            f"{role.value}@xss.example", f"{marker}-{role.value} {short}", "xss-long-password"
        )
        accounts.add_membership(user, academy, role)
        people[role.value] = user
    trainee, educator, admin = people["trainee"], people["educator"], people["admin"]
    case = cases.create_case(academy.id, educator, _hostile_case_text(marker, short))
    lifecycle.publish(case, educator, now)
    data = _module_data(
        "xss-module",
        title=f"{marker}-module-title {short}",
        summary=f"{marker}-module-summary\n\n{LONG}",
        cases=["xss-case"],
    )
    question = data["questions"][0]
    question["stem"] = f"{marker}-stem\n\n{LONG}"
    for n, option in enumerate(question["options"]):
        option["text"] = f"{marker}-option{n} {short}"
        option["explanation"] = f"{marker}-explanation{n}\n\n{LONG}"
    module = modules.create_module(academy.id, educator, data)
    lifecycle.publish(module, educator, now)
    done = quizzes.start_or_resume(trainee.id, academy.id, _listed(module), now)
    quizzes.save_answer(done, question["id"], 1, now)
    quizzes.submit(done, now)
    open_attempt = quizzes.start_or_resume(trainee.id, academy.id, _listed(module), now)
    attempt = casestudy.start_or_resume(trainee.id, academy.id, _listed(case), now)
    casestudy.finish_reading(attempt)
    casestudy.save_assessment(attempt, {"glabella": {"rest": 0, "moving": 2}})
    casestudy.save_candidacy(attempt, ["toxin_within_3_months"], "defer")
    casestudy.submit(attempt, now)
    open_case = casestudy.start_or_resume(trainee.id, academy.id, _listed(case), now)
    cohort = members.save_cohort(
        academy.id, None, f"{marker}-cohort {short}"[:120], date(2026, 1, 5), admin.id
    )
    members.add_to_cohort(cohort, [trainee.id], "trainee", admin.id)
    programme = certification.save_programme(
        academy.id,
        None,
        name=f"{marker}-programme {short}"[:160],
        description=f"{marker}-programme-description\n\n{LONG}",
        required_modules=[module.slug],
        min_good_cases=0,
        no_unsafe_in_last=0,
        validity_months=24,
        recertification=f"{marker}-recertification {short}",
        active=True,
        actor_id=admin.id,
    )
    members.set_cohort_programmes(cohort, [programme.id], admin.id)
    certificate = certification._issue(trainee, academy, programme, 1, now)
    db.session.commit()
    return {
        "people": people,
        "starts": {
            "trainee": [
                "/learn/",
                f"/learn/modules/{module.slug}",
                f"/learn/attempts/{open_attempt.id}/q/1",
                f"/learn/attempts/{done.id}/review",
                "/learn/cases/",
                f"/learn/cases/attempts/{open_case.id}/patient",
                f"/learn/cases/attempts/{attempt.id}/result",
                "/certificates/",
                f"/certificates/{certificate.code}",
                "/account/",
            ],
            "educator": [
                "/author/",
                f"/author/modules/{module.id}",
                f"/author/cases/{case.id}",
                f"/author/cases/{case.id}/edit",
                f"/author/cases/{case.id}/yaml",
                f"/author/modules/{module.id}/v1/preview/1",
                "/author/insight/",
                f"/author/insight/modules/{module.id}",
                f"/author/insight/cases/{case.id}",
                "/author/insight/mistakes",
            ],
            "admin": [
                "/academy/",
                "/academy/members",
                "/academy/cohorts",
                f"/academy/cohorts/{cohort.id}",
                "/academy/programmes",
                f"/academy/programmes/{programme.id}",
                "/academy/reports",
                "/academy/certificates",
                "/academy/audit",
            ],
            "anonymous": [f"/verify/{certificate.code}"],
        },
    }


SKIP_LINK = re.compile(r"\.(csv|zip|pdf|json|txt|yaml)(\?|$)|/logout|/static/|/export|^//")


def _crawl(client, starts: list[str], limit: int = 120) -> dict[str, str]:
    """GET the start pages and every same-site page they link to (breadth first)."""
    pages: dict[str, str] = {}
    queue = list(starts)
    while queue and len(pages) < limit:
        url = queue.pop(0).split("#")[0]
        if not url or url in pages:
            continue
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            pages[url] = ""
            continue
        html = response.get_data(as_text=True)
        pages[url] = html
        for link in re.findall(r'href="(/[^"]*)"', html):
            link = link.replace("&amp;", "&")
            if not SKIP_LINK.search(link) and link not in pages:
                queue.append(link)
    return pages


MARKERS = [
    "case-title", "case-summary", "context", "request", "history", "medical", "assessment",
    "reference-note", "label", "rationale", "academy", "trainee", "educator", "admin",
    "module-title", "module-summary", "stem", "option0", "option1", "explanation0",
    "explanation1", "cohort", "programme", "programme-description",
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(len(SHORT)))
def test_stored_xss_payloads_never_render_as_markup(app, db, chunk):
    marker = f"XSS{chunk}"
    world = _hostile_world(db, marker, SHORT[chunk])
    seen: set[str] = set()
    for role, starts in world["starts"].items():
        client = app.test_client()
        if role != "anonymous":
            assert (
                login(client, world["people"][role].email, "xss-long-password").status_code == 302
            )
        # The first run follows every link; the others open the pages that show the fields.
        pages = _crawl(client, starts, limit=150 if chunk == 0 else len(starts))
        for start in starts:
            assert pages.get(start), f"{role} could not open {start}"
        for url, html in pages.items():
            problems = executable_markup(html)
            assert not problems, f"{role} {url}: {problems}"
            seen.update(re.findall(rf"{marker}-([a-z0-9-]+)", html))
    missing = [m for m in MARKERS if m not in seen]
    assert not missing, f"fields never shown on any crawled page: {missing}"


EVAL = re.compile(r"(?<![\w.])(eval|exec)\s*\(|__import__\s*\(|pickle\.loads|yaml\.load\(")


def test_no_eval_or_exec_in_the_app():
    offenders = []
    for path in sorted((ROOT / "quizapp").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            code = line.split("#", 1)[0]
            if EVAL.search(code):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
    js = (ROOT / "quizapp" / "static").rglob("*.js")
    for path in js:
        text = path.read_text()
        assert not re.search(r"(?<![\w.])eval\s*\(|new Function\s*\(|innerHTML\s*=", text), path
