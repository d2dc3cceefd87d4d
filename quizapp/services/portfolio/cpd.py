"""The CPD ledger: a person's own activities, automatic entries for passed modules, summaries
against a regulator's rules (quizapp.domain.cpd) and a CPD certificate per completed module.

Manual activities can be added, edited and deleted by their owner; entries written for a passed
module are read-only. Services flush; the request commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from quizapp.domain import cpd as rules
from quizapp.domain import quiz
from quizapp.extensions import db
from quizapp.models import Academy, QuizAttempt, User
from quizapp.models.portfolio import CpdActivity
from quizapp.services.infra import pdfcert

ZERO: Final = Decimal("0")
MAX_HOURS: Final = Decimal("24")
TOPIC_MAX: Final = 200
EVIDENCE_MAX: Final = 4000
MANUAL: Final = "manual"
MODULE: Final = "module"
MODULE_METHOD: Final = "e-learning"


class CpdError(Exception):
    """An activity that cannot be saved; `errors` maps field names to messages safe to show."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class ActivityInput:
    """What a person types for one activity, before it is checked."""

    done_on: date | None
    topic: str
    method: str
    hours: Any
    participatory_hours: Any = Decimal("0")
    verifiable: bool = True
    evidence: str = ""


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return rules.as_hours(value)
    except (InvalidOperation, ValueError, TypeError):
        return None


def checked(data: ActivityInput, today: date) -> dict[str, Any]:
    """The activity's column values, or CpdError naming every field that is wrong."""
    errors: dict[str, str] = {}
    topic = (data.topic or "").strip()
    if not topic:
        errors["topic"] = "Give the topic of the activity."
    elif len(topic) > TOPIC_MAX:
        errors["topic"] = f"Keep the topic to {TOPIC_MAX} characters."
    if data.method not in rules.METHODS:
        errors["method"] = "Choose how the activity was done."
    if data.done_on is None:
        errors["done_on"] = "Give the date of the activity."
    elif data.done_on > today:
        errors["done_on"] = "The date cannot be in the future: log activities once done."
    hours = _decimal(data.hours)
    if hours is None:
        errors["hours"] = "Give the hours as a number, such as 1.5."
    elif not ZERO < hours <= MAX_HOURS:
        errors["hours"] = f"Hours must be more than 0 and at most {MAX_HOURS} for one activity."
    participatory = _decimal(data.participatory_hours)
    if data.participatory_hours in (None, ""):
        participatory = ZERO
    if participatory is None or participatory < ZERO:
        errors["participatory_hours"] = "Give the participatory hours as a number, 0 or more."
    elif hours is not None and participatory > hours:
        errors["participatory_hours"] = "Participatory hours cannot exceed the activity's hours."
    evidence = (data.evidence or "").strip()
    if len(evidence) > EVIDENCE_MAX:
        errors["evidence"] = f"Keep the evidence description to {EVIDENCE_MAX} characters."
    if errors:
        raise CpdError(errors)
    return {
        "done_on": data.done_on,
        "topic": topic,
        "method": data.method,
        "hours": hours,
        "participatory_hours": participatory,
        "verifiable": bool(data.verifiable),
        "evidence": evidence,
    }


# --------------------------------------------------------------------------------------------
# The ledger
# --------------------------------------------------------------------------------------------


def ledger(user_id: int) -> list[CpdActivity]:
    """Every activity of this person, newest first, in one query."""
    return list(
        db.session.scalars(
            select(CpdActivity)
            .where(CpdActivity.user_id == user_id)
            .order_by(CpdActivity.done_on.desc(), CpdActivity.id.desc())
        )
    )


def activity_for(user_id: int, activity_id: int) -> CpdActivity | None:
    """The activity if it is this person's (another person's activities do not exist for them)."""
    activity = db.session.get(CpdActivity, activity_id)
    if activity is None or activity.user_id != user_id:
        return None
    return activity


def add_activity(
    user_id: int, academy_id: int | None, data: ActivityInput, today: date
) -> CpdActivity:
    activity = CpdActivity(
        user_id=user_id, academy_id=academy_id, source=MANUAL, **checked(data, today)
    )
    db.session.add(activity)
    db.session.flush()
    return activity


def _manual(activity: CpdActivity) -> None:
    if activity.source != MANUAL:
        raise CpdError(
            {"": "Entries for completed modules are kept as recorded and cannot change."}
        )


def update_activity(activity: CpdActivity, data: ActivityInput, today: date) -> CpdActivity:
    _manual(activity)
    for name, value in checked(data, today).items():
        setattr(activity, name, value)
    db.session.flush()
    return activity


def delete_activity(activity: CpdActivity) -> None:
    _manual(activity)
    db.session.delete(activity)
    db.session.flush()


@dataclass(frozen=True)
class Totals:
    hours: Decimal
    participatory_hours: Decimal
    verifiable_hours: Decimal
    count: int


def totals(activities: Iterable[CpdActivity]) -> Totals:
    items = list(activities)
    return Totals(
        sum((Decimal(a.hours) for a in items), ZERO),
        sum((Decimal(a.participatory_hours) for a in items), ZERO),
        sum((Decimal(a.hours) for a in items if a.verifiable), ZERO),
        len(items),
    )


def as_activities(rows: Iterable[CpdActivity]) -> list[rules.Activity]:
    return [
        rules.Activity(a.done_on, Decimal(a.hours), Decimal(a.participatory_hours), a.verifiable)
        for a in rows
    ]


def summary(user_id: int, scheme_key: str, cycle_end: date, today: date) -> rules.Summary:
    """The person's ledger against one scheme for the cycle ending on `cycle_end`."""
    scheme = rules.SCHEMES[scheme_key]
    return rules.summarise(scheme, as_activities(ledger(user_id)), cycle_end, today)


def summaries(activities: Iterable[CpdActivity], today: date) -> list[rules.Summary]:
    """Every scheme for a cycle ending today (the export's overview; people's own renewal dates
    differ, so the summary page asks for theirs)."""
    items = as_activities(activities)
    return [rules.summarise(s, items, today, today) for s in rules.SCHEMES.values()]


# --------------------------------------------------------------------------------------------
# Automatic entries for passed modules
# --------------------------------------------------------------------------------------------


def record_module_completion(
    attempt: QuizAttempt, module: quiz.Module, now: datetime
) -> CpdActivity | None:
    """One CPD entry for a passed module, once per (person, module version), however often it
    is passed or posted. Modules without `cpd_hours` add nothing."""
    if module.cpd_hours is None:
        return None
    exists = db.session.scalar(
        select(CpdActivity.id).where(
            CpdActivity.user_id == attempt.user_id,
            CpdActivity.module_version_id == attempt.module_version_id,
        )
    )
    if exists is not None:
        return None
    version = attempt.module_version
    activity = CpdActivity(
        user_id=attempt.user_id,
        academy_id=attempt.academy_id,
        done_on=now.date(),
        topic=module.title[:TOPIC_MAX],
        method=MODULE_METHOD,
        hours=rules.as_hours(module.cpd_hours),
        participatory_hours=ZERO,
        verifiable=True,
        evidence=(
            f'Passed the module "{module.title}" (version {version.number}) with '
            f"{attempt.score_percent:.1f}% on {now:%Y-%m-%d}. The hours are the module "
            "authors' estimate of study time. CPD certificate in the CPD ledger."
        ),
        source=MODULE,
        module_slug=version.module.slug,
        module_version_id=attempt.module_version_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(activity)
    except IntegrityError:
        return None  # another request recorded it at the same moment
    return activity


# --------------------------------------------------------------------------------------------
# The CPD certificate of a completed module
# --------------------------------------------------------------------------------------------


def certificate_pdf(activity: CpdActivity, holder: User, academy: Academy | None) -> bytes:
    """A one-page PDF recording a completed module for the person's CPD portfolio."""
    pdf = pdfcert.new_document("landscape")
    pdf.set_title(f"CPD certificate: {pdfcert.latin1(activity.topic)}")
    pdf.set_author(pdfcert.latin1(academy.name) if academy else "quizapp")
    pdf.set_creator("quizapp")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    font_path = pdfcert._font_path()
    if font_path:
        pdf.add_font("cert", "", font_path)
        pdf.add_font("cert", "B", font_path)
        family, clean = "cert", str
    else:
        family, clean = "helvetica", pdfcert.latin1
    width = pdf.w
    pdf.set_draw_color(*pdfcert.ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, width - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, width - 26, pdf.h - 26)

    def line(text: str, size: float, *, style: str = "", color=pdfcert.INK, gap: float = 4):
        pdf.set_font(family, style, size)
        pdf.set_text_color(*color)
        pdf.set_x(25)
        pdf.multi_cell(width - 50, size * 0.5, clean(text), align="C")
        pdf.ln(gap)

    pdf.set_y(28)
    line(academy.name if academy else "quizapp", 16, style="B", color=pdfcert.ACCENT, gap=6)
    line("CPD certificate", 30, style="B", gap=8)
    line("This records that", 13, color=pdfcert.MUTED, gap=3)
    line(holder.display_name, 26, style="B", gap=5)
    line("completed and passed the e-learning module", 13, color=pdfcert.MUTED, gap=3)
    line(activity.topic, 20, style="B", gap=8)
    hours = rules.format_hours(Decimal(activity.hours))
    facts = [
        ("Completed on", rules.format_day(activity.done_on)),
        ("CPD hours", f"{hours} (the module authors' estimate of study time)"),
        ("Method", rules.METHODS.get(activity.method, activity.method)),
        ("Academy", academy.name if academy else "None"),
    ]
    for label, value in facts:
        pdf.set_x(50)
        pdf.set_font(family, "", 11)
        pdf.set_text_color(*pdfcert.MUTED)
        pdf.cell(45, 7, clean(label))
        pdf.set_font(family, "B", 11)
        pdf.set_text_color(*pdfcert.INK)
        pdf.cell(150, 7, clean(value), new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(25, pdf.h - 32)
    pdf.set_font(family, "", 8)
    pdf.set_text_color(*pdfcert.MUTED)
    pdf.multi_cell(
        width - 50,
        4,
        clean(
            "A record of learning for your CPD portfolio. Whether an activity counts towards a "
            "regulator's requirements (and as verifiable CPD) is for you and your regulator to "
            "judge. It is not a licence to practise and does not replace supervised clinical "
            "training."
        ),
        align="C",
    )
    return bytes(pdf.output())
