"""Learner standings (models.LearnerStanding): for each member of an academy, the sort name and
what the report's at-risk rules compare, refreshed in the transaction of every write that changes
them, so that the academy report's pages and counts are range reads in name order instead of a
GROUP BY over every learner's module summaries (issue 21, B3).

A standing derives from rows that are themselves kept with each write, and is refreshed by:
- the learner's module summaries over the academy's published modules, each judged by its current
  pass mark and grading (failed tries, last activity): a quiz started or submitted
  (summaries.quiz_started / quiz_submitted);
- their LearnerCases row (last activity, latest bands): a case started, moved on or submitted;
- the membership's join date: a membership added or changed (session hook below);
- the membership's role and active flag: a membership added or changed, through the ORM or
  an UPDATE statement (models.base.move_row) (session hooks);
- the user's name, email and active flag: a rename or an account deleted (session hook);
- which modules are published, their pass marks and grading: any content change (session hook,
  once before the transaction commits).
The clock is never stored: idle times are compared with "now minus N days" when read.

Each refresh is one INSERT .. SELECT .. ON CONFLICT DO UPDATE computed from the rows above.

The academy's totals over its counted learners are kept the same way, as differences: the
funnel per module (ModuleFunnel: each write of a learner adds their share after minus before) and
the bands (AcademyBands: a case submission adds its band when the learner is counted; a change to
who is counted adds the learner's bands after minus before). The bands row exists for every
academy with a member (written, zeros included, when a membership is flushed), as the recompute
makes it.

A writer first reads the content token FOR SHARE, then locks the learner's membership row
(PostgreSQL; SQLite runs one writer at a time), so two submissions of one learner at once refresh
one after the other, the second seeing the first, and a publish and a learner's write never
overlap: the publish recomputes every standing after the learners' writes in progress, and a
learner's write that began before the publish committed is judged by the new version
(`_lock_members`; tests/services/test_summaries.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    bindparam,
    delete,
    false,
    func,
    inspect,
    literal,
    select,
)
from sqlalchemy import case as sql_case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session

from quizapp.extensions import db
from quizapp.models import (
    ContentGeneration,
    LearnerCases,
    LearnerModuleSummary,
    LearnerStanding,
    Membership,
    ModuleFunnel,
    ModuleRecord,
    ModuleVersion,
    Role,
    User,
)
from quizapp.models.base import UTCDateTime
from quizapp.models.content import CONTENT_CHANGED
from quizapp.models.people import DELETED_DOMAIN
from quizapp.models.summaries import BAND_CODES, AcademyBands, nano_sql
from quizapp.services.infra.sqltext import compiled_once
from quizapp.services.learning.catalogue import (
    published_modules,
    published_modules_select,
    remember_content_token,
)
from quizapp.services.people.privacy import deleted_user_ids

#: session.info key set by summaries.deferred(): bulk writers rebuild everything at the end.
DEFERRED: Final = "summaries_deferred"
#: At-risk rules (docs/certificates.md lists them for admins).
FAILING_REPEATEDLY: Final = 2  # failed attempts at a module not passed yet
REPEATED_BAD_PLANS: Final = 2  # unsafe or overfilled plans among the latest RECENT_CASES
COLUMNS: Final = ("counted", "deleted", "sort_name", "idle_since", "failing", "recent_bad")
BANDS: Final = tuple(BAND_CODES)  # AcademyBands' columns, in axis order, unsafe last


@dataclass(frozen=True)
class ModuleRule:
    """A published module as the pass decision needs it (catalogue.Listed has the same two)."""

    id: int
    summary: dict[str, Any]


# --------------------------------------------------------------------------------------------
# The expressions the report and the standings share
# --------------------------------------------------------------------------------------------


def passed_expression(modules: Sequence[Any]) -> ColumnElement[bool]:
    """Whether a learner_module_summaries row is a pass, decided in SQL from the best or last
    score and each module's newest published pass mark and grading (so a new version applies
    at once). NULL (no submitted attempt) counts as not passed."""
    s = LearnerModuleSummary
    if not modules:
        return false()
    by_last = [m.id for m in modules if m.summary.get("grading") == "last"]
    graded = (
        sql_case((s.module_id.in_(by_last), s.last_score), else_=s.best_score)
        if by_last
        else s.best_score
    )
    pass_mark = sql_case(
        {m.id: float(m.summary.get("pass_mark", 100)) for m in modules}, value=s.module_id
    )
    return graded >= pass_mark


def counted_membership() -> ColumnElement[bool]:
    """Members a report counts: active ones, and those who deleted their account (their
    anonymised history stays in the academy's figures, services/people/privacy.py)."""
    return Membership.active.is_(True) | Membership.user_id.in_(deleted_user_ids())


def later_of(first: Any, second: Any) -> ColumnElement[Any]:
    """The later of two nullable times, in SQL (NULL when both are)."""
    return sql_case(
        (first.is_(None), second),
        (second.is_(None), first),
        (first >= second, first),
        else_=second,
    )


def recent_bad_count(recent: Any) -> ColumnElement[int]:
    """Unsafe or overfilled plans among a LearnerCases.recent string (0 without one)."""
    good_only = func.replace(
        func.replace(recent, BAND_CODES["unsafe"], ""), BAND_CODES["overfilled"], ""
    )
    return func.coalesce(func.length(recent) - func.length(good_only), 0)


def module_totals(academy_id: int, modules: Sequence[Any], only: Iterable[int] | None = None):
    """Per learner, over the published modules: the latest activity, modules passed, and the
    most failed attempts at one module not passed yet (a GROUP BY over their summaries)."""
    s = LearnerModuleSummary
    passed = passed_expression(modules)
    where = [s.academy_id == academy_id, s.module_id.in_([m.id for m in modules])]
    if only is not None:
        where.append(s.user_id.in_(list(only)))
    return (
        select(
            s.user_id,
            func.max(s.last_at).label("last_at"),
            func.coalesce(func.sum(sql_case((passed, 1), else_=0)), 0).label("passed"),
            func.coalesce(func.max(sql_case((passed, 0), else_=s.failed)), 0).label("failing"),
        )
        .where(*where)
        .group_by(s.user_id)
        .subquery("module_totals")
    )


def at_risk_condition(now: datetime, inactive_days: int) -> ColumnElement[bool]:
    """The at-risk rules on a standing: idle for `inactive_days` (compared with the stored time,
    so the clock is never stored), or failing or planning badly repeatedly. Deleted accounts are
    left out by the caller."""
    st = LearnerStanding
    cutoff = literal(now - timedelta(days=inactive_days), UTCDateTime())
    return (
        (st.idle_since <= cutoff)
        | (st.failing >= FAILING_REPEATEDLY)
        | (st.recent_bad >= REPEATED_BAD_PLANS)
    )


# --------------------------------------------------------------------------------------------
# Computing and refreshing
# --------------------------------------------------------------------------------------------


def published_rules(executor: Any, academy_id: int) -> list[ModuleRule]:
    """The academy's published modules (the bank's and its own) with their newest published
    version's summary, read through `executor` (a migration's connection sees its own rows)."""
    rows = executor.execute(
        published_modules_select(academy_id, ModuleRecord.id, ModuleVersion.summary)
    ).all()
    return [ModuleRule(module_id, summary or {}) for module_id, summary in rows]


def _standing_select(academy_id: int, modules: Sequence[Any], only: Iterable[int] | None):
    """Every member of the academy (those of `only`, when given) as their standing row."""
    m = Membership
    totals = module_totals(academy_id, modules, only)
    c = LearnerCases
    where = [m.academy_id == academy_id]
    if only is not None:
        where.append(m.user_id.in_(list(only)))
    return (
        select(
            m.academy_id,
            m.user_id,
            (m.role == Role.TRAINEE) & counted_membership(),
            User.email.like(f"deleted-%@{DELETED_DOMAIN}"),
            User.display_name,
            func.coalesce(later_of(totals.c.last_at, c.last_at), m.created_at),
            func.coalesce(totals.c.failing, 0),
            recent_bad_count(c.recent),
        )
        .select_from(m)
        .join(User, User.id == m.user_id)
        .outerjoin(totals, totals.c.user_id == m.user_id)
        .outerjoin(c, (c.academy_id == m.academy_id) & (c.user_id == m.user_id))
        .where(*where)
    )


def _academies(executor: Any) -> list[int]:
    return list(executor.scalars(select(Membership.academy_id).distinct()))


def compute(executor: Any, academy_id: int | None) -> list[tuple[Any, ...]]:
    """Every standing (of one academy, when given) as the module and case summaries and the
    memberships make it now, as rows of (academy, user, *COLUMNS) (summaries.recompute and
    rebuild, which rebuild those summaries first)."""
    rows = []
    for academy in [academy_id] if academy_id is not None else _academies(executor):
        statement = _standing_select(academy, published_rules(executor, academy), None)
        rows.extend(tuple(row) for row in executor.execute(statement))
    return rows


Contributions = dict[int, tuple[int, int, int, int]]  # module: started, submitted, passed, nano


def _contributions(academy_id: int, modules: Sequence[Any], only: Iterable[int] | None):
    """Per published module, what the counted learners (those of `only`) add to the funnel,
    in ModuleFunnel's columns: a GROUP BY over their module summaries and standings."""
    s, st = LearnerModuleSummary, LearnerStanding
    where = [
        s.academy_id == academy_id,
        s.module_id.in_([m.id for m in modules]),
        st.counted.is_(True),
    ]
    if only is not None:
        where.append(s.user_id.in_(list(only)))
    return (
        select(
            s.academy_id,
            s.module_id,
            func.count(),
            func.count(s.best_score),
            func.coalesce(func.sum(sql_case((passed_expression(modules), 1), else_=0)), 0),
            func.coalesce(func.sum(nano_sql(s.best_score)), 0),
        )
        .join(st, (st.academy_id == s.academy_id) & (st.user_id == s.user_id))
        .where(*where)
        .group_by(s.academy_id, s.module_id)
    )


def _read_contributions(executor: Any, academy_id: int, modules, only) -> Contributions:
    return {
        row[1]: tuple(int(v) for v in row[2:])
        for row in executor.execute(_contributions(academy_id, modules, only))
    }


def _band_sums(academy_id: int, only: Iterable[int] | None, *leading: Any):
    """What the counted learners (those of `only`) add to the academy's bands, after the
    `leading` columns: one row, a SUM over their one-row-per-learner case summaries."""
    c, st = LearnerCases, LearnerStanding
    sums = [func.coalesce(func.sum(c.__table__.c[band]), 0) for band in BANDS]
    where = [c.academy_id == academy_id, st.counted.is_(True)]
    if only is not None:
        where.append(c.user_id.in_(list(only)))
    return (
        select(*leading, *sums)
        .select_from(c)
        .join(st, (st.academy_id == c.academy_id) & (st.user_id == c.user_id))
        .where(*where)
    )


def band_rows(executor: Any, academy_id: int | None) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Every AcademyBands row (of one academy, when given) as the standings and case summaries
    make it now: one per academy with a member, zeros included (summaries.recompute and
    rebuild, after the standings)."""
    academies = [academy_id] if academy_id is not None else _academies(executor)
    return {
        (academy,): tuple(int(n) for n in executor.execute(_band_sums(academy, None)).one())
        for academy in academies
    }


@dataclass(frozen=True)
class Share:
    """Some learners' part in their academy's kept totals: per published module, the funnel's
    columns; and the bands, when read (a change to who is counted), else None (a quiz or case
    write leaves who is counted alone, and a case submission adds its band itself)."""

    funnel: Contributions = field(default_factory=dict)
    bands: tuple[int, ...] | None = None


def _read_share(executor: Any, academy_id: int, modules, only, bands: bool) -> Share:
    return Share(
        _read_contributions(executor, academy_id, modules, only),
        tuple(int(n) for n in executor.execute(_band_sums(academy_id, only)).one())
        if bands
        else None,
    )


def _add_to_bands(executor: Any, academy_id: int, difference: Sequence[int]) -> None:
    """Add `difference` (one count per band) to the academy's bands row, creating it (a zero
    difference too: the row exists once the academy has a member)."""
    row = {"academy_id": academy_id, **dict(zip(BANDS, difference, strict=True))}
    statement = _insert(executor)(AcademyBands).values(row)
    executor.execute(
        statement.on_conflict_do_update(
            index_elements=["academy_id"],
            set_={b: AcademyBands.__table__.c[b] + statement.excluded[b] for b in BANDS},
        )
    )


def case_banded(academy_id: int, user_id: int, band: str | None) -> None:
    """A case attempt of the learner was submitted in `band`: one more in the academy's bands
    when the report counts them (one INSERT .. SELECT of their standing; the caller holds their
    membership's lock, so who is counted cannot change meanwhile)."""
    if band not in BANDS:
        return

    def build():
        st = LearnerStanding
        counted = select(st.academy_id, *(literal(int(b == band)) for b in BANDS)).where(
            st.academy_id == bindparam("academy_id", value=0),
            st.user_id == bindparam("user_id", value=0),
            st.counted.is_(True),
        )
        statement = _insert(db.session)(AcademyBands).from_select(["academy_id", *BANDS], counted)
        return statement.on_conflict_do_update(
            index_elements=["academy_id"],
            set_={b: AcademyBands.__table__.c[b] + statement.excluded[b] for b in BANDS},
        )

    # Compiled once a worker per band (INSERT .. ON CONFLICT has no cache key).
    statement = compiled_once(
        _dialect(db.session),
        ("case_banded", band),
        build,
        {"academy_id": Integer(), "user_id": Integer()},
    )
    db.session.execute(statement, {"academy_id": academy_id, "user_id": user_id})


def funnel_rows(executor: Any, academy_id: int | None) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Every ModuleFunnel row (of one academy, when given) as the standings and module summaries
    make it now (summaries.recompute and rebuild, after the standings)."""
    out = {}
    for academy in [academy_id] if academy_id is not None else _academies(executor):
        for module_id, values in _read_contributions(
            executor, academy, published_rules(executor, academy), None
        ).items():
            out[(academy, module_id)] = values
    return out


def _dialect(executor: Any):
    """The dialect of a session or of a connection (a migration's)."""
    bind = executor.get_bind() if hasattr(executor, "get_bind") else executor
    return bind.dialect


def _insert(executor: Any):
    return postgresql.insert if _dialect(executor).name == "postgresql" else sqlite.insert


def _add_to_funnel(
    executor: Any, academy_id: int, before: Contributions, after: Contributions
) -> None:
    """Add after - before to the academy's funnel rows (in key order, as counters add)."""
    names = ("started", "submitted", "passed", "best_nano")
    rows = []
    for module_id in sorted({*before, *after}):
        old, new = before.get(module_id, (0, 0, 0, 0)), after.get(module_id, (0, 0, 0, 0))
        if old != new:
            delta = dict(zip(names, (n - o for o, n in zip(old, new, strict=True)), strict=True))
            rows.append({"academy_id": academy_id, "module_id": module_id, **delta})
    if not rows:
        return
    columns = ("academy_id", "module_id", *names)

    def build():
        statement = _insert(executor)(ModuleFunnel).values(
            {name: bindparam(name, value=0) for name in columns}
        )
        return statement.on_conflict_do_update(
            index_elements=["academy_id", "module_id"],
            set_={n: ModuleFunnel.__table__.c[n] + statement.excluded[n] for n in names},
        )

    statement = compiled_once(
        _dialect(executor), "funnel", build, {name: BigInteger() for name in columns}
    )
    executor.execute(statement, rows if len(rows) > 1 else rows[0])


def _lock_members(executor: Any, academy_id: int, only: Iterable[int]) -> int | None:
    """Before a learner's standing is refreshed: wait for a content change in progress, and
    lock the learners' memberships, so that their standing and funnel share are read and written
    by one transaction at a time (SQLite's writers are serial anyway). Returns the content token
    now committed.

    The content token row is read FOR SHARE (PostgreSQL): a content change updates that row
    first, so a learner's write waits for a publish in progress and then reads its rules, and a
    publish waits for learners' writes in progress before it recomputes every standing. The
    request's earlier read of the token (the user loader's) may predate a publish committed
    since, so the caller judges by the token returned here. On SQLite this runs inside the
    write transaction (every caller has written by now), so no publish can commit until it ends.
    """
    token_statement = select(ContentGeneration.token).where(ContentGeneration.id == 1)
    if _dialect(executor).name != "postgresql":
        return executor.scalar(token_statement)
    token = executor.scalar(token_statement.with_for_update(read=True))
    executor.execute(
        select(Membership.id)
        .where(Membership.academy_id == academy_id, Membership.user_id.in_(list(only)))
        .order_by(Membership.id)
        .with_for_update(key_share=True)
    )
    return token


def _rules_key(modules: Sequence[Any]) -> tuple[Any, ...]:
    """What the standing's SQL reads of the modules (passed_expression)."""
    return tuple((m.id, m.summary.get("grading"), m.summary.get("pass_mark", 100)) for m in modules)


def _standing_upsert(executor: Any, academy_id: int, modules: Sequence[Any], only: Any):
    keys = ["academy_id", "user_id"]
    statement = _insert(executor)(LearnerStanding).from_select(
        [*keys, *COLUMNS], _standing_select(academy_id, modules, only)
    )
    return statement.on_conflict_do_update(
        index_elements=keys, set_={name: statement.excluded[name] for name in COLUMNS}
    )


def refresh(
    executor: Any,
    academy_id: int,
    only: Iterable[int] | None = None,
    modules: Sequence[Any] | None = None,
    before: Share | None = None,
) -> None:
    """Write the standings of the academy's members (those of `only`) from their summaries, in
    the caller's transaction (one INSERT .. SELECT .. ON CONFLICT DO UPDATE), and the funnel
    and bands: for `only`, their share before (`before`, else read now, bands included) and
    after is added as a difference (the bands only when `before` has them); for the whole
    academy they are recomputed."""
    if modules is None:
        modules = published_rules(executor, academy_id)
    if only is not None:
        only = sorted(set(only))
        if before is None:
            _lock_members(executor, academy_id, only)
            before = _read_share(executor, academy_id, modules, only, bands=True)
    if only is not None and len(only) == 1:
        # One learner's write (every start, step and submission): the upsert compiled once
        # per academy and module rules, with the learner as its one parameter.
        statement = compiled_once(
            _dialect(executor),
            ("standing", academy_id, _rules_key(modules)),
            lambda: _standing_upsert(
                executor, academy_id, modules, [bindparam("learner_id", value=0)]
            ),
            {"learner_id": Integer()},
        )
        executor.execute(statement, {"learner_id": only[0]})
    else:
        executor.execute(_standing_upsert(executor, academy_id, modules, only))
    if only is not None:
        assert before is not None
        after = _read_share(executor, academy_id, modules, only, before.bands is not None)
        _add_to_funnel(executor, academy_id, before.funnel, after.funnel)
        if before.bands is not None and after.bands is not None:
            difference = [n - o for o, n in zip(before.bands, after.bands, strict=True)]
            _add_to_bands(executor, academy_id, difference)
        return
    executor.execute(delete(AcademyBands).where(AcademyBands.academy_id == academy_id))
    executor.execute(
        _insert(executor)(AcademyBands).from_select(
            ["academy_id", *BANDS],
            _band_sums(academy_id, None, literal(academy_id)),
        )
    )
    executor.execute(delete(ModuleFunnel).where(ModuleFunnel.academy_id == academy_id))
    executor.execute(
        _insert(executor)(ModuleFunnel).from_select(
            ["academy_id", "module_id", "started", "submitted", "passed", "best_nano"],
            _contributions(academy_id, modules, None),
        )
    )


def refresh_all(executor: Any) -> None:
    """Every academy's standings and funnel from the summaries (a content change; the
    migration)."""
    for academy_id in _academies(executor):
        refresh(executor, academy_id)


def learner_wrote(academy_id: int, user_id: int) -> Share:
    """Before the learner's summaries change: lock their membership (PostgreSQL: a second writer
    of the same learner waits, then sees the first's rows) and read their share of the
    funnel."""
    remember_content_token(_lock_members(db.session, academy_id, [user_id]))
    return _read_share(db.session, academy_id, published_modules(academy_id), [user_id], False)


def learner_written(academy_id: int, user_id: int, before: Share) -> None:
    """The learner's summaries changed in this transaction: refresh their standing and their
    share of the funnel."""
    refresh(db.session, academy_id, [user_id], published_modules(academy_id), before)


# --------------------------------------------------------------------------------------------
# Session hooks: memberships, names and content written through the ORM
# --------------------------------------------------------------------------------------------


_USER_FIELDS: Final = ("display_name", "email", "active")


def _after_flush(session: Session, _context) -> None:
    if session.info.get(DEFERRED):
        return
    # A membership added or changed (its join date is the idle time of a learner who never
    # started anything); cheap, and memberships change rarely.
    joined = {
        (o.academy_id, o.user_id)
        for o in (*session.new, *session.dirty)
        if isinstance(o, Membership) and (o in session.new or session.is_modified(o))
    }
    renamed = {  # renamed, deleted (anonymised) or reactivated
        o.id
        for o in session.dirty
        if isinstance(o, User)
        and any(inspect(o).attrs[name].history.has_changes() for name in _USER_FIELDS)
    }
    if not joined and not renamed:
        return
    connection = session.connection()
    for user_id in renamed:
        for academy_id in connection.scalars(
            select(Membership.academy_id).where(Membership.user_id == user_id)
        ):
            joined.add((academy_id, user_id))
    for academy_id, user_id in sorted(joined):
        refresh(connection, academy_id, [user_id])


def _bulk_update(state: ORMExecuteState) -> Any:
    """An UPDATE statement on memberships or users (models.base.move_row: activation, roles)
    bypasses the flush: refresh the standings of the rows it matches, read before it runs."""
    if not state.is_update or state.session.info.get(DEFERRED):
        return None
    target = state.bind_mapper.class_ if state.bind_mapper is not None else None
    if target is not Membership and target is not User:
        return None
    where = state.statement.whereclause
    matched = select(Membership.academy_id, Membership.user_id)
    if target is Membership:
        matched = matched.where(where) if where is not None else matched
    else:
        users = select(User.id) if where is None else select(User.id).where(where)
        matched = matched.where(Membership.user_id.in_(users))
    connection = state.session.connection()
    pairs = sorted(map(tuple, connection.execute(matched)))
    result = state.invoke_statement()
    for academy_id, user_id in pairs:
        refresh(connection, academy_id, [user_id])
    return result


def _before_commit(session: Session) -> None:
    """New content may publish or retire modules or change pass marks: every standing is
    refreshed once, after the transaction's last flush."""
    if session.info.get(DEFERRED):
        return
    session.flush()  # the content hook marks the session when the change is flushed
    if session.info.get(CONTENT_CHANGED):
        refresh_all(session.connection())


db.event.listen(Session, "after_flush", _after_flush)
db.event.listen(Session, "before_commit", _before_commit)
db.event.listen(Session, "do_orm_execute", _bulk_update)
