"""Each logbook entry stores its share of the practice tendency when its facts are written
(services/portfolio/practice.py `_scored`); the dashboard sums the stored figures. The oracle is
the old computation, kept here: every performed entry scored again by the engine."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, update

from quizapp import MIGRATIONS_DIR, create_app
from quizapp.domain import logbook as domain_logbook
from quizapp.domain.tendency import Tendency, deviation
from quizapp.extensions import db as session_db
from quizapp.models import EntryStatus, LogbookEntry, Role
from quizapp.models.summaries import NANO
from quizapp.services.portfolio import practice
from tests.data import academykit as kit
from tests.web.test_migrations import empty_database_url  # noqa: F401 (a fixture)
from tests.web.test_portfolio_logbook import (
    TODAY,
    people,  # noqa: F401 (a fixture)
    raw_entry,
)

GLABELLA = "glabella"  # catalogue range for grade 3, female, ona: 20-20 U
CROWS_FEET = "crows_feet"  # grade 2, female, ona: 6-9 U per side


def _zones(*rows: tuple[str, str, str, str]) -> list[dict[str, str]]:
    return [{"zone": z, "grade": g, "product": p, "amount": a} for z, g, p, a in rows]


NATURAL = _zones((GLABELLA, "3", "ona", "20"))
OVER = _zones((GLABELLA, "3", "ona", "40"))  # (40 - 20) / 20 = +1
UNDER = _zones((GLABELLA, "3", "ona", "10"))  # (10 - 20) / 20 = -0.5
MIXED = _zones((GLABELLA, "3", "ona", "30"), (CROWS_FEET, "2", "ona", "4"))  # +0.5 and -1/3
UNSAFE = _zones((GLABELLA, "3", "ha_soft", "2"))  # a filler in the glabella


# --------------------------------------------------------------------------------------------
# The oracle: the computation practice_tendency made before the figures were stored
# --------------------------------------------------------------------------------------------


def _old_deviations(entry: LogbookEntry) -> list[float] | None:
    """The entry's zone deviations as the old practice_tendency found them; None if unscored."""
    result = practice.entry_score(entry)
    if result is None or result.plan is None:
        return None
    out = []
    for verdict in result.plan.zones:
        planned = max((amount for _, amount in verdict.amounts), default=0.0)
        low = verdict.range.min if verdict.range else None
        high = verdict.range.max if verdict.range else None
        out.append(deviation(planned, low, high))
    return out


def old_practice_tendency(user_id: int) -> Tendency:
    """practice_tendency as it was: every performed entry through the scoring engine."""
    deviations: list[float] = []
    attempts = overdone = unsafe = 0
    for entry in practice.trainee_logbook(user_id).performed():
        result = practice.entry_score(entry)
        if result is None or result.plan is None:
            continue
        attempts += 1
        band = result.plan.band.value
        overdone += band in ("overdone", "overfilled")
        unsafe += band == "unsafe"
        deviations.extend(_old_deviations(entry) or [])
    judged = len(deviations)
    return Tendency(
        attempts=attempts,
        zones_judged=judged,
        mean_deviation=sum(deviations) / judged if judged else 0.0,
        above_share=sum(1 for d in deviations if d > 0) / judged if judged else 0.0,
        below_share=sum(1 for d in deviations if d < 0) / judged if judged else 0.0,
        overdone_or_overfilled=overdone,
        unsafe=unsafe,
    )


def fresh_figures(entry: LogbookEntry) -> tuple:
    """(band, score, judged, deviation in billionths, above, below) scored now by the engine."""
    result = practice.entry_score(entry)
    deviations = _old_deviations(entry)
    if deviations is None:
        return (None, None, 0, 0, 0, 0)
    return (
        result.band,
        result.score,
        len(deviations),
        sum(round(d * NANO) for d in deviations),
        sum(1 for d in deviations if d > 0),
        sum(1 for d in deviations if d < 0),
    )


def stored_figures(entry_id: int) -> tuple:
    """The figures as the database holds them (not the session's copy of the entry)."""
    table = LogbookEntry.__table__
    columns = [table.c[name] for name in practice.SCORED_COLUMNS]
    return tuple(session_db.session.execute(select(*columns).where(table.c.id == entry_id)).one())


def assert_stored_equals_fresh(entry: LogbookEntry) -> None:
    session_db.session.flush()
    session_db.session.refresh(entry)
    assert stored_figures(entry.id) == fresh_figures(entry)


def assert_same_tendency(new: Tendency, old: Tendency) -> None:
    """Equal, but for the deviations' rounding to billionths (at most half of one per zone)."""
    assert (new.attempts, new.zones_judged) == (old.attempts, old.zones_judged)
    assert (new.above_share, new.below_share) == (old.above_share, old.below_share)
    assert (new.overdone_or_overfilled, new.unsafe) == (old.overdone_or_overfilled, old.unsafe)
    assert new.mean_deviation == pytest.approx(old.mean_deviation, abs=1e-9)


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture()
def mentored(people):  # noqa: F811 (test_portfolio_logbook's fixture)
    """test_portfolio_logbook's academy as (academy, mentor, trainee), the mentor assigned."""
    return people["academy"], people["mentor"], people["trainee"]


def _create(academy, trainee, zones, **overrides) -> LogbookEntry:
    return practice.create_entry(academy.id, trainee.id, raw_entry(zones=zones, **overrides), TODAY)


# --------------------------------------------------------------------------------------------
# The stored figures
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zones", "role", "expected"),
    [
        (NATURAL, "performed", ("natural", 1, 0, 0, 0)),
        (OVER, "performed", ("overfilled", 1, NANO, 1, 0)),
        (UNDER, "performed", ("conservative", 1, -NANO // 2, 0, 1)),
        # +500_000_000 and round(-1/3 * NANO) = -333_333_333
        (MIXED, "performed", ("overdone", 2, 166_666_667, 1, 1)),
        (NATURAL, "observed", (None, 0, 0, 0, 0)),  # observed entries are not scored
    ],
)
def test_an_entry_stores_its_band_and_zone_figures_when_created(mentored, zones, role, expected):
    academy, _, trainee = mentored
    entry = _create(academy, trainee, zones, role=role)
    band, score, *figures = stored_figures(entry.id)
    assert (band, *figures) == expected
    assert (score is None) == (band is None)
    assert_stored_equals_fresh(entry)


def test_the_figures_follow_every_write_of_the_entry(mentored, db):
    academy, mentor, trainee = mentored
    entry = _create(academy, trainee, NATURAL)
    assert_stored_equals_fresh(entry)

    practice.update_entry(entry, raw_entry(zones=MIXED), TODAY)
    assert stored_figures(entry.id)[0] == "overdone"
    assert_stored_equals_fresh(entry)

    practice.submit_entry(entry, mentor.id, trainee.id)
    assert_stored_equals_fresh(entry)
    practice.request_changes(entry, mentor.id, "Less in the glabella.")
    assert_stored_equals_fresh(entry)

    practice.update_entry(entry, raw_entry(zones=UNDER), TODAY)
    assert stored_figures(entry.id)[2:] == (1, -NANO // 2, 0, 1)
    assert_stored_equals_fresh(entry)

    practice.submit_entry(entry, mentor.id, trainee.id)
    practice.sign_entry(entry, mentor.id, kit.NOW)
    assert_stored_equals_fresh(entry)

    correction = practice.create_entry(
        academy.id, trainee.id, raw_entry(zones=OVER), TODAY, supersedes=entry
    )
    assert stored_figures(correction.id)[2:] == (1, NANO, 1, 0)
    assert_stored_equals_fresh(correction)
    assert_stored_equals_fresh(entry)  # the signed entry it corrects keeps its own figures
    assert stored_figures(entry.id)[2:] == (1, -NANO // 2, 0, 1)


def test_a_refused_update_leaves_the_figures_as_they_were(mentored, db):
    academy, mentor, trainee = mentored
    entry = _create(academy, trainee, NATURAL)
    practice.submit_entry(entry, mentor.id, trainee.id)
    before = stored_figures(entry.id)
    with pytest.raises(practice.PortfolioError):
        practice.update_entry(entry, raw_entry(zones=OVER), TODAY)
    assert stored_figures(entry.id) == before == ("natural", 100, 1, 0, 0, 0)


# --------------------------------------------------------------------------------------------
# The tendency: sums of the stored figures, equal to the old computation
# --------------------------------------------------------------------------------------------


def _moved(entry, status, days_ago=1):
    entry.status = status
    if status is EntryStatus.SIGNED:
        entry.signed_at = kit.NOW - timedelta(days=days_ago)
    session_db.session.flush()
    return entry


def test_the_tendency_equals_the_old_computation(mentored, factory, db):
    academy, _, trainee = mentored
    signed, submitted = EntryStatus.SIGNED, EntryStatus.SUBMITTED
    superseded = _moved(_create(academy, trainee, OVER), signed, 9)
    _moved(
        practice.create_entry(
            academy.id, trainee.id, raw_entry(zones=MIXED), TODAY, supersedes=superseded
        ),
        signed,
        8,
    )  # counts: +0.5, -1/3; the entry it supersedes does not
    _moved(_create(academy, trainee, UNDER), submitted)  # counts: -0.5
    _moved(_create(academy, trainee, OVER), submitted)  # counts: +1, overfilled
    unsafe = _moved(_create(academy, trainee, UNSAFE, modality="filler"), signed)  # counts
    _moved(_create(academy, trainee, NATURAL, role="observed"), signed)  # not scored
    _create(academy, trainee, OVER)  # a draft: not counted
    _moved(_create(academy, trainee, OVER), EntryStatus.CHANGES_REQUESTED)  # not counted
    other = factory.user(Role.TRAINEE, academy)
    _moved(_create(academy, other, OVER), signed)  # someone else's
    db.session.commit()

    new = practice.practice_tendency(trainee.id)
    old = old_practice_tendency(trainee.id)
    assert_same_tendency(new, old)
    unsafe_deviations = _old_deviations(unsafe)
    assert unsafe_deviations  # the glabella has no filler range: judged all the same
    judged = 4 + len(unsafe_deviations)
    assert (new.attempts, new.zones_judged) == (4, judged)
    assert (new.overdone_or_overfilled, new.unsafe) == (2, 1)
    expected_mean = (0.5 - 1 / 3 - 0.5 + 1.0 + sum(unsafe_deviations)) / judged
    assert new.mean_deviation == pytest.approx(expected_mean, abs=1e-9)
    # The dashboard's path: the logbook read once, the same figure.
    assert practice.practice_tendency(trainee.id, practice.trainee_logbook(trainee.id)) == new
    assert practice.practice_tendency(other.id).zones_judged == 1


def test_no_entry_no_tendency(mentored):
    _, _, trainee = mentored
    assert practice.practice_tendency(trainee.id) == Tendency(0, 0, 0.0, 0.0, 0.0, 0, 0)
    assert practice.practice_tendency(trainee.id) == old_practice_tendency(trainee.id)


# --------------------------------------------------------------------------------------------
# A change of the engine or the catalogue: the rebuild scores the entries again
# --------------------------------------------------------------------------------------------


def _as_an_older_engine_scored(entry_ids) -> None:
    """Stored figures that the engine today would not give (what a scoring change leaves)."""
    session_db.session.execute(
        update(LogbookEntry)
        .where(LogbookEntry.id.in_(entry_ids))
        .values(score_band="natural", score=100, zones_judged=5, deviation_nano=7, zones_above=0)
    )


def test_rescore_entries_repairs_figures_an_older_engine_wrote(mentored, factory, db):
    academy, _, trainee = mentored
    mine = [
        _moved(_create(academy, trainee, zones), EntryStatus.SUBMITTED) for zones in (OVER, MIXED)
    ]
    elsewhere = factory.academy("Southgate", "southgate")
    theirs = _moved(_create(elsewhere, trainee, UNDER), EntryStatus.SUBMITTED)
    db.session.commit()
    truth = practice.practice_tendency(trainee.id)
    _as_an_older_engine_scored([e.id for e in (*mine, theirs)])
    assert practice.practice_tendency(trainee.id) != truth

    assert practice.rescore_entries(academy.id) == 2  # only this academy's
    assert stored_figures(theirs.id)[:3] == ("natural", 100, 5)
    assert practice.rescore_entries() == 1
    assert practice.rescore_entries() == 0  # nothing left to change
    for entry in (*mine, theirs):
        assert_stored_equals_fresh(entry)
    assert practice.practice_tendency(trainee.id) == truth


def test_flask_summaries_rebuild_rescores_the_logbook(app, mentored, db):
    academy, _, trainee = mentored
    entry = _moved(_create(academy, trainee, OVER), EntryStatus.SIGNED)
    db.session.commit()
    _as_an_older_engine_scored([entry.id])
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["summaries", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "logbook_entries rescored: 1" in result.output
    db.session.expire_all()
    assert stored_figures(entry.id) == ("overfilled", 28, 1, NANO, 1, 0)


# --------------------------------------------------------------------------------------------
# The migration fills the figures of entries written before it
# --------------------------------------------------------------------------------------------

BEFORE = "196588972600"
ENTRIES = sa.table(
    "logbook_entries",
    *(sa.column(name) for name in ("id", "academy_id", "trainee_user_id", "status")),
    *(sa.column(name) for name in ("mentor_comment", "created_at", "updated_at")),
    *(sa.column(name) for name in domain_logbook.ENTRY_FIELDS if name != "zones"),
    sa.column("zones", sa.JSON()),
)


def _stored_row(entry_id: int, zones, role="performed") -> dict:
    facts = domain_logbook.validate_entry(raw_entry(zones=zones, role=role), TODAY).facts
    assert facts is not None
    values = {name: getattr(facts, name) for name in domain_logbook.ENTRY_FIELDS}
    return {
        **values,
        "zones": facts.zones_json(),
        "id": entry_id,
        "academy_id": 1,
        "trainee_user_id": 1,
        "status": "signed",
        "mentor_comment": "",
        "created_at": kit.NOW,
        "updated_at": kit.NOW,
    }


def test_the_migration_scores_existing_entries_and_downgrades(empty_database_url):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision=BEFORE)
        with session_db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, email, display_name, password_hash, active,"
                    " is_site_admin, session_version, created_at) VALUES (1, 'a@b.example',"
                    " 'A', 'x', true, false, 1, CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO academies (id, name, slug, created_at)"
                    " VALUES (1, 'A', 'a', CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                sa.insert(ENTRIES),
                [_stored_row(1, MIXED), _stored_row(2, OVER), _stored_row(3, NATURAL, "observed")],
            )
        upgrade(directory=MIGRATIONS_DIR)
        with session_db.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT id, score_band, zones_judged, deviation_nano, zones_above,"
                    " zones_below FROM logbook_entries ORDER BY id"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            (1, "overdone", 2, 166_666_667, 1, 1),
            (2, "overfilled", 1, NANO, 1, 0),
            (3, None, 0, 0, 0, 0),
        ]
        downgrade(directory=MIGRATIONS_DIR, revision=BEFORE)
        columns = {c["name"] for c in sa.inspect(session_db.engine).get_columns("logbook_entries")}
        assert not columns & {"zones_judged", "deviation_nano", "zones_above", "zones_below"}
        assert "score_band" in columns
        session_db.engine.dispose()
