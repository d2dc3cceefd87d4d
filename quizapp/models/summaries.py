"""Summaries written with the attempt: counters and sums that the submission updates in its own
transaction, so reports, common mistakes and the dashboard read a few narrow rows instead of
aggregating every attempt (issue 21).

Each table is keyed by what its readers group by. Counters only grow (`INSERT .. ON CONFLICT DO
UPDATE`, services/learning/summaries.py), so two submissions at once both count. Fractional
sums (scores, deviations) are kept in billionths, as integers, so that they add up exactly to a
recompute. Pass marks are not stored: "passed" is decided when read, from the best and last
scores and the module's current pass mark, so a new content version changes nothing here.
`flask summaries rebuild` recomputes every row from the attempts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, cast, func
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.extensions import db
from quizapp.models.base import UTCDateTime

#: Sums of fractional values are kept in billionths, as exact integers.
NANO: Final = 1_000_000_000


def nano_sql(column):
    """`column` in billionths, rounded, as an integer (what the sums here add)."""
    return cast(func.round(column * NANO), BigInteger)


#: One letter per band in LearnerCases.recent.
BAND_CODES: Final = {
    "under_treated": "u",
    "conservative": "c",
    "natural": "n",
    "overdone": "d",
    "overfilled": "f",
    "unsafe": "x",
}
RECENT_CASES: Final = 10  # how many of a learner's latest case studies LearnerCases.recent keeps


class LearnerModuleSummary(db.Model):
    """One learner at one module of one academy: their quiz attempts in short."""

    __tablename__ = "learner_module_summaries"

    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), primary_key=True)
    submitted: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)  # submitted with passed = False
    best_score: Mapped[float | None] = mapped_column(Float)
    last_number: Mapped[int | None] = mapped_column(Integer)  # the highest submitted number
    last_score: Mapped[float | None] = mapped_column(Float)  # that attempt's score
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # latest start or submission


class LearnerCaseSummary(db.Model):
    """One learner at one case of one academy: submitted attempts per band, last activity."""

    __tablename__ = "learner_case_summaries"

    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    submitted: Mapped[int] = mapped_column(Integer, default=0)
    under_treated: Mapped[int] = mapped_column(Integer, default=0)
    conservative: Mapped[int] = mapped_column(Integer, default=0)
    natural: Mapped[int] = mapped_column(Integer, default=0)
    overdone: Mapped[int] = mapped_column(Integer, default=0)
    overfilled: Mapped[int] = mapped_column(Integer, default=0)
    unsafe: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # latest updated_at


class LearnerCases(db.Model):
    """A learner's case studies in one academy in short: submitted attempts per band, distinct
    cases planned well, last activity, and the latest bands, newest first, one letter each
    (BAND_CODES above), at most RECENT_CASES of them. What the
    academy report reads: one row per learner."""

    __tablename__ = "learner_cases"

    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    submitted: Mapped[int] = mapped_column(Integer, default=0)
    under_treated: Mapped[int] = mapped_column(Integer, default=0)
    conservative: Mapped[int] = mapped_column(Integer, default=0)
    natural: Mapped[int] = mapped_column(Integer, default=0)
    overdone: Mapped[int] = mapped_column(Integer, default=0)
    overfilled: Mapped[int] = mapped_column(Integer, default=0)
    unsafe: Mapped[int] = mapped_column(Integer, default=0)
    good_cases: Mapped[int] = mapped_column(Integer, default=0)  # distinct, conservative or natural
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # latest updated_at
    recent: Mapped[str] = mapped_column(String(40), default="")


class LearnerStanding(db.Model):
    """One member of one academy as the report counts, orders and flags them: whether the academy
    report counts them, the sort name and what the at-risk rules compare
    (services/learning/standings.py, refreshed in the transaction of every write that changes
    them). The clock is not stored: `idle_since` is compared with "now minus N days" in SQL."""

    __tablename__ = "learner_standings"
    __table_args__ = (
        # The report's counts and pages: a range read of the counted learners in name order
        # that also holds what the at-risk filter reads (an index-only scan).
        Index(
            "ix_learner_standings_order",
            "academy_id",
            "counted",
            "sort_name",
            "user_id",
            "deleted",
            "idle_since",
            "failing",
            "recent_bad",
        ),
    )

    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # A trainee with an active membership, or whose account was deleted (their anonymised
    # history stays in the figures): reports.scope.learner_ids for the whole academy.
    counted: Mapped[bool] = mapped_column(Boolean)
    deleted: Mapped[bool] = mapped_column(Boolean)  # an anonymised account: never at risk
    sort_name: Mapped[str] = mapped_column(String(120))  # the user's display name
    # Last activity at a published module or a case, else the day they joined.
    idle_since: Mapped[datetime] = mapped_column(UTCDateTime())
    failing: Mapped[int] = mapped_column(Integer, default=0)  # most failed tries, module not passed
    recent_bad: Mapped[int] = mapped_column(Integer, default=0)  # unsafe/overfilled, last cases


class ModuleFunnel(db.Model):
    """Per academy and published module, over the learners the academy report counts
    (LearnerStanding.counted): how many started, submitted and passed it (by its current pass
    mark and grading) and the sum of their best scores in billionths. The report's funnel for
    the whole academy (services/learning/standings.py keeps it with each write)."""

    __tablename__ = "module_funnels"

    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), primary_key=True)
    started: Mapped[int] = mapped_column(Integer, default=0)
    submitted: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    best_nano: Mapped[int] = mapped_column(BigInteger, default=0)


class AcademyBands(db.Model):
    """Per academy, over the learners the academy report counts (LearnerStanding.counted): their
    submitted case attempts per band. The report's band chart for the whole academy, one row
    read instead of a SUM over every learner's case row (services/learning/standings.py keeps it
    with each case submission and each change to who is counted)."""

    __tablename__ = "academy_bands"

    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), primary_key=True)
    under_treated: Mapped[int] = mapped_column(Integer, default=0)
    conservative: Mapped[int] = mapped_column(Integer, default=0)
    natural: Mapped[int] = mapped_column(Integer, default=0)
    overdone: Mapped[int] = mapped_column(Integer, default=0)
    overfilled: Mapped[int] = mapped_column(Integer, default=0)
    unsafe: Mapped[int] = mapped_column(Integer, default=0)


class LearnerTendency(db.Model):
    """The sums behind a trainee's treatment tendency over all their submitted case attempts."""

    __tablename__ = "learner_tendencies"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    overdone_or_overfilled: Mapped[int] = mapped_column(Integer, default=0)
    unsafe: Mapped[int] = mapped_column(Integer, default=0)
    judged: Mapped[int] = mapped_column(Integer, default=0)
    above: Mapped[int] = mapped_column(Integer, default=0)
    below: Mapped[int] = mapped_column(Integer, default=0)
    deviation_nano: Mapped[int] = mapped_column(BigInteger, default=0)


class AnswerSummary(db.Model):
    """Per academy, module, question and topic: answers and the sum of their scores."""

    __tablename__ = "answer_summaries"

    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    topic: Mapped[str] = mapped_column(String(80), primary_key=True)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    score_nano: Mapped[int] = mapped_column(BigInteger, default=0)


class CaseBandSummary(db.Model):
    """Per academy and case: submitted attempts per band and the sum of their scores."""

    __tablename__ = "case_band_summaries"

    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    under_treated: Mapped[int] = mapped_column(Integer, default=0)
    conservative: Mapped[int] = mapped_column(Integer, default=0)
    natural: Mapped[int] = mapped_column(Integer, default=0)
    overdone: Mapped[int] = mapped_column(Integer, default=0)
    overfilled: Mapped[int] = mapped_column(Integer, default=0)
    unsafe: Mapped[int] = mapped_column(Integer, default=0)
    score_nano: Mapped[int] = mapped_column(BigInteger, default=0)


class CaseZoneSummary(db.Model):
    """Per academy, case and zone: verdict counts and the sum of deviations."""

    __tablename__ = "case_zone_summaries"

    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    zone: Mapped[str] = mapped_column(String(40), primary_key=True)
    judged: Mapped[int] = mapped_column(Integer, default=0)
    over: Mapped[int] = mapped_column(Integer, default=0)
    missed: Mapped[int] = mapped_column(Integer, default=0)
    under: Mapped[int] = mapped_column(Integer, default=0)
    unsafe: Mapped[int] = mapped_column(Integer, default=0)
    deviation_nano: Mapped[int] = mapped_column(BigInteger, default=0)


class CaseFlagSummary(db.Model):
    """Per academy, case and red flag: attempts it was present in and how often it was missed."""

    __tablename__ = "case_flag_summaries"

    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    flag: Mapped[str] = mapped_column(String(60), primary_key=True)
    present: Mapped[int] = mapped_column(Integer, default=0)
    missed: Mapped[int] = mapped_column(Integer, default=0)


SUMMARY_MODELS = (
    LearnerModuleSummary,
    LearnerCaseSummary,
    LearnerCases,
    LearnerStanding,
    ModuleFunnel,
    AcademyBands,
    LearnerTendency,
    AnswerSummary,
    CaseBandSummary,
    CaseZoneSummary,
    CaseFlagSummary,
)
