"""Every input answered: hostile values in every URL parameter and every form field of every route
give a clear 4xx (or the page again with a message), never a 500.

The walk is driven by the URL map: each rule is opened with academy A's objects (the values the
access matrix uses), then each of its parameters is replaced by hostile values; each page's
forms (found in its HTML, buttons included) are posted back with one field at a time replaced;
query and form names that the view's module reads without a form (`?go=`, `?page=`) are sent too.
It runs as an anonymous visitor, a trainee, an educator and an academy admin, with a real CSRF
token, through real HTTP. An exception escaping a view fails the test with the request and the
line that raised.
"""

from __future__ import annotations

import inspect
import io
import os
import re
import traceback
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from werkzeug.routing import IntegerConverter

from quizapp.extensions import limiter
from tests.security.conftest import signed_in_client, token_for
from tests.security.test_access_matrix import EXPECTED, params_for, path_of

WALKERS = ("anonymous", "trainee", "educator", "admin")

# Text that looks like a number to str.isdigit() but not to int(), numbers past every integer
# column, int()'s own digit limit, floats that are not numbers, NUL (PostgreSQL refuses it in
# text), 100 KB of text, and the wrong types: a repeated field and a file where text was expected.
HOSTILE_TEXT = ("²", "-1", str(2**63), "9" * 5000, "nan", "\x00", "x" * 100_000)
REPEATED = ["1", "²"]
HOSTILE_IDS = (2**31, 2**63, "٣")
HOSTILE_SEGMENTS = ("²", "\x00", "x" * 100_000)


class _Forms(HTMLParser):
    """The forms of a page: method, action and every named field with its value."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (attrs.get("method") or "get").upper(),
                "action": attrs.get("action") or "",
                "fields": {},
                "typed": set(),  # fields a person types or picks, not buttons and hidden ones
            }
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        fields = self._form["fields"]
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind not in ("hidden", "submit", "button", "image", "reset"):
                self._form["typed"].add(name)
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                fields.setdefault(name, None)
            elif kind != "file":
                fields[name] = attrs.get("value") or ""
            else:
                fields[name] = ("file", "")
        elif tag == "button" and name:
            fields.setdefault(name, None)  # sent only when the walk presses it
        elif tag == "textarea" and name:
            self._form["typed"].add(name)
            self._textarea = name
            fields[name] = ""
        elif tag == "select" and name:
            self._form["typed"].add(name)
            self._select = name
            fields.setdefault(name, None)
        elif (
            tag == "option"
            and self._select
            and (fields.get(self._select) is None or "selected" in attrs)
        ):
            fields[self._select] = attrs.get("value", "")

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def forms_of(html: str, page_path: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        form["action"] = urlsplit(form["action"] or page_path).path or page_path
    return parser.forms


_READS = re.compile(r"""request\.(args|form|values)\.get(?:list)?\(\s*["']([a-z_]+)["']""")


def names_read_by(view) -> dict[str, set[str]]:
    """Query (args) and form names the view itself reads straight from the request."""
    found: dict[str, set[str]] = {"args": set(), "form": set()}
    for where, name in _READS.findall(inspect.getsource(inspect.unwrap(view))):
        found["form" if where == "form" else "args"].add(name)
        if where == "values":
            found["form"].add(name)
    found["form"].discard("csrf_token")
    return found


def _path_with(rule, values: dict, name: str, raw) -> str:
    """The rule's path with <name> set to a raw (possibly invalid) value, the others valid."""

    def fill(match: re.Match) -> str:
        arg = match.group(1)
        return quote(str(raw if arg == name else values[arg]), safe="")

    return re.sub(r"<(?:[^:<>]+:)?([a-z_]+)>", fill, rule.rule)


class Walk:
    def __init__(self, client, token: str, endpoint: str, actor: str) -> None:
        self.client, self.token, self.endpoint, self.actor = client, token, endpoint, actor
        self.problems: list[str] = []
        self.requests = 0

    def send(self, method: str, path: str, data=None, query=None, what: str = "") -> int | None:
        self.requests += 1
        try:
            if method == "GET":
                response = self.client.get(path, query_string=query)
            elif method == "JSON":
                response = self.client.post(path, json=data, headers={"X-CSRFToken": self.token})
            else:
                response = self.client.post(path, data=data, query_string=query)
        except Exception as error:  # noqa: BLE001 - the point is to report it
            frame = traceback.extract_tb(error.__traceback__)[-1]
            here = next(
                (
                    f
                    for f in reversed(traceback.extract_tb(error.__traceback__))
                    if "/quizapp/" in f.filename
                ),
                frame,
            )
            self.problems.append(
                f"{method} {path[:120]} {what} as {self.actor}: {type(error).__name__}: "
                f"{str(error)[:160]} at {here.filename.split('/quizapp/')[-1]}:{here.lineno} "
                f"({here.line})"
            )
            return None
        return self._status(method, path, what, response)

    def send_json(self, path: str, token: str) -> int | None:
        """A JSON body whose values are numbers and lists where forms expect text."""
        body = {"csrf_token": token, "code": 2**63, "email": ["a"], "password": {"x": 1}}
        self.send("JSON", path, data=[1, "²"], what="a JSON list")
        return self.send("JSON", path, data=body)

    def _status(self, method: str, path: str, what: str, response) -> int:
        status = response.status_code
        response.close()
        if status >= 500:
            self.problems.append(f"{method} {path[:120]} {what} as {self.actor}: {status}")
        return status


def _post_data(fields: dict, token: str) -> dict:
    data = {}
    for name, value in fields.items():
        if value is None:
            continue
        data[name] = (io.BytesIO(b""), "") if isinstance(value, tuple) else value
    data["csrf_token"] = token
    return data


# Every hostile value goes into all fields at once; then each field on its own gets these (the
# values that broke views one field at a time), for one field of each shape (`amount-0` stands
# for `amount-1`...) and at most MAX_FIELDS of them: a plan form has a hundred fields.
ONE_FIELD = ("²", str(2**63), REPEATED)
MAX_FIELDS = 20


def _hostile_forms(walk: Walk, form: dict) -> None:
    method, action = form["method"], form["action"]
    names = [name for name in form["fields"] if name != "csrf_token"]
    shapes = {re.sub(r"[0-9]+", "N", name): name for name in reversed(names)}
    singles = sorted(shapes.values(), key=names.index)[:MAX_FIELDS]
    attempts = [(names, value) for value in (*HOSTILE_TEXT, REPEATED, _upload())]
    attempts += [([name], value) for name in singles for value in (*ONE_FIELD, _upload())]
    for hostile, value in attempts:
        data = _post_data(form["fields"], walk.token)
        for name in hostile:
            data[name] = _upload() if isinstance(value, tuple) else value
        what = f"{hostile[0] if len(hostile) == 1 else 'every field'}={_short(value)}"
        if method == "GET":
            query = {k: v for k, v in data.items() if isinstance(v, str | list)}
            walk.send("GET", action, query=query, what=what)
        else:
            walk.send("POST", action, data=data, what=what)


def _upload() -> tuple:
    return (io.BytesIO(b"\x00" * 64), "x.txt")


def _short(value) -> str:
    if isinstance(value, tuple):
        return "<file>"
    text = repr(value)
    return text if len(text) < 24 else f"{text[:12]}…({len(str(value))} chars)"


def walk_endpoint(app, world, client, token, endpoint: str, actor: str) -> Walk:
    walk = Walk(client, token, endpoint, actor)
    view = app.view_functions[endpoint]
    reads = names_read_by(view)
    for rule in (r for r in app.url_map.iter_rules() if r.endpoint == endpoint):
        values = params_for(endpoint, rule.arguments, world)
        path = path_of(rule, values)
        methods = [m for m in ("GET", "POST") if m in rule.methods]
        for method in methods:  # the route as it is, and with a JSON body of the wrong shape
            walk.send(method, path, data={"csrf_token": token} if method == "POST" else None)
            if method == "POST":
                walk.send_json(path, token)
        # 1. Hostile URL parameters.
        for name, converter in rule._converters.items():
            bad = HOSTILE_IDS if isinstance(converter, IntegerConverter) else ()
            for raw in (*bad, *HOSTILE_SEGMENTS):
                hostile = _path_with(rule, values, name, raw)
                for method in methods:
                    data = {"csrf_token": token} if method == "POST" else None
                    walk.send(method, hostile, data=data, what=f"<{name}>={_short(raw)}")
        # 2. Names the module reads without a form: in the query, and posted.
        for name in sorted(reads["args"]):
            for value in (*HOSTILE_TEXT, REPEATED):
                for method in methods:
                    data = {"csrf_token": token} if method == "POST" else None
                    walk.send(method, path, data=data, query={name: value}, what=f"?{name}=")
        if "POST" in methods:
            for name in sorted(reads["form"]):
                for value in (*HOSTILE_TEXT, REPEATED):
                    data = {"csrf_token": token, name: value}
                    walk.send("POST", path, data=data, what=f"{name}={_short(value)}")
        # 3. The page's own forms, by the first walker the access matrix lets open the page (an
        # admin's author pages are the educator's, walked once).
        if "GET" in methods and actor == form_walker(endpoint):
            pages = MORE_PAGES[endpoint](world) if endpoint in MORE_PAGES else [{}]
            for page_values in pages:
                _walk_forms(walk, path_of(rule, {**values, **page_values}))
    return walk


def _walk_forms(walk: Walk, path: str) -> None:
    page = walk.client.get(path)
    if page.status_code == 200 and page.mimetype == "text/html":
        seen = set()
        for form in forms_of(page.get_data(as_text=True), path):
            key = (form["method"], re.sub(r"\d+", "N", form["action"]))
            key += tuple(sorted(form["fields"]))
            if key in seen or not form["typed"]:
                continue  # a lone button (publish, withdraw...) sends nothing to parse
            seen.add(key)
            _hostile_forms(walk, form)
    page.close()


# Pages of one route whose forms differ: every step of a case study (the open attempt is taken
# to the plan step first, by the `planning` fixture; the plan step comes last, as its post may
# move on).
MORE_PAGES = {
    "cases.step": lambda w: [{"step": s} for s in ("patient", "assessment", "candidacy", "plan")]
}


def form_walker(endpoint: str) -> str | None:
    return next((a for a in WALKERS if EXPECTED[endpoint][a] == 200), None)


def _cases():
    # EXPECTED has exactly the routes of the URL map (the access matrix checks it).
    endpoints = sorted(set(EXPECTED) - {"auth.logout"})  # a lone button: nothing to parse
    # Actor by actor: what an admin's walk changes (a deactivated trainee) cannot blind the
    # walks of the others.
    for actor in WALKERS:
        for endpoint in endpoints:
            yield pytest.param(endpoint, actor, id=f"{actor}-{endpoint}")


@pytest.fixture(scope="module")
def planning(app, world):
    """Academy A's open case attempt, taken to the plan step so every step has its form."""
    from quizapp.extensions import db
    from quizapp.models import CaseAttempt
    from quizapp.services.learning import casestudy

    attempt = db.session.get(CaseAttempt, world.a.case_open_id)
    casestudy.finish_reading(attempt)
    casestudy.save_assessment(attempt, {"glabella": {"rest": 0, "moving": 2}})
    casestudy.save_candidacy(attempt, [], "treat")
    row = {"zone": "glabella", "product": "ona", "amount": "20", "side": "", "depth": ""}
    casestudy.save_plan_rows(attempt, [row])  # so the plan has a row and its Remove button
    db.session.commit()


@pytest.fixture(scope="module")
def walkers(app, world, planning):
    clients = {}
    for actor in WALKERS:
        client = signed_in_client(app, world.users.get(actor))
        clients[actor] = (client, token_for(client, actor != "anonymous"))
    return clients


@pytest.fixture()
def walk_settings(app, monkeypatch):
    """No throttling (the walk posts to the login form hundreds of times), and exceptions
    reach the test with their traceback instead of becoming the friendly 500 page."""
    limiter.reset()
    monkeypatch.setattr(limiter, "enabled", False)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", True)
    yield
    limiter.reset()


# ------------------------------------------------------------------------------------------------
# The inputs issue 18 names, one request each (the walk above finds them too)
# ------------------------------------------------------------------------------------------------


def _named_inputs():
    def entry_form(w):
        return {"zone-0": "glabella", "amount-0": "20", "remove": "²"}

    yield (
        "go=q²",
        "trainee",
        lambda w: ("POST", f"/learn/attempts/{w.a.quiz_open_id}/q/1", {"go": "q²"}),
        (302,),
    )
    yield (
        "remove=² (logbook)",
        "trainee",
        lambda w: ("POST", "/portfolio/new", entry_form(w)),
        (200, 422),
    )
    yield (
        "supersedes=²",
        "trainee",
        lambda w: ("GET", "/portfolio/new?supersedes=%C2%B2", None),
        (404,),
    )
    yield (
        "supersedes=2^63",
        "trainee",
        lambda w: ("GET", f"/portfolio/new?supersedes={2**63}", None),
        (404,),
    )
    yield (
        "mentor_user_id=2^63",
        "trainee",
        lambda w: (
            "POST",
            f"/portfolio/entries/{w.a.logbook_entry_id}/submit",
            {"mentor_user_id": str(2**63)},
        ),
        (302,),
    )
    yield (
        "days=² (invitations CSV)",
        "admin",
        lambda w: (
            "POST",
            "/academy/invitations/import",
            {"file": (io.BytesIO("email,days\na@b.example,²\n".encode()), "i.csv")},
        ),
        (422,),
    )
    yield "<int:> 2^31", "admin", lambda w: ("GET", f"/academy/cohorts/{2**31}", None), (404,)
    yield "<int:> 2^63", "admin", lambda w: ("GET", f"/academy/cohorts/{2**63}", None), (404,)
    yield (
        "NUL in a field",
        "anonymous",
        lambda w: ("POST", "/login", {"email": "a\x00@b.example"}),
        (400,),
    )
    yield "NUL in the path", "anonymous", lambda w: ("GET", "/verify/%00", None), (400,)
    yield (
        "?cohort=2^63",
        "educator",
        lambda w: ("GET", f"/academy/reports?cohort={2**63}", None),
        (200,),
    )
    yield pytest.param(
        "grade=² (case study)",
        "trainee",
        lambda w: (
            "POST",
            f"/learn/cases/attempts/{w.a.case_open_id}/assessment",
            {"rest-glabella": "²"},
        ),
        (200, 302, 422),
        id="grade",
    )
    yield pytest.param(
        "remove=² (case plan)",
        "trainee",
        lambda w: (
            "POST",
            f"/learn/cases/attempts/{w.a.case_open_id}/plan",
            {"zone-0": "glabella", "remove": "²"},
        ),
        (200, 302, 422),
        id="plan-remove",
    )


@pytest.mark.usefixtures("walk_settings")
@pytest.mark.parametrize(
    ("what", "actor", "request_of", "statuses"),
    [
        case if hasattr(case, "marks") else pytest.param(*case, id=case[0])
        for case in _named_inputs()
    ],
)
def test_each_named_input_gets_a_clear_answer(
    app, world, walkers, what, actor, request_of, statuses
):
    client, token = walkers[actor]
    method, path, data = request_of(world)
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": token, **data})
    assert response.status_code in statuses, what


@pytest.mark.usefixtures("walk_settings")
@pytest.mark.parametrize(("endpoint", "actor"), list(_cases()))
def test_no_hostile_input_gives_a_500(app, world, walkers, endpoint, actor):
    client, token = walkers[actor]
    walk = walk_endpoint(app, world, client, token, endpoint, actor)
    assert walk.requests > 0
    if os.environ.get("WALK_REPORT"):  # a file to collect every failure of a run in
        with open(os.environ["WALK_REPORT"], "a", encoding="utf-8") as report:
            report.writelines(f"{endpoint}\t{line}\n" for line in walk.problems)
    assert walk.problems == [], "\n".join(walk.problems)
