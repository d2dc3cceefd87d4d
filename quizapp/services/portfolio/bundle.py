"""The audit-ready portfolio export: ONE zip, built in memory, holding summary.pdf and CSV files
of the logbook, its sign-offs and reflections, the CPD ledger and the certificates.

A person exports their whole portfolio; an academy admin exports a member's records of that
academy (logbook entries and certificates of the academy, CPD activities logged in it or outside
any academy). Every CSV goes through services/infra/csvout.py, so no cell can start a formula.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import or_, select

from quizapp.domain import cpd as rules
from quizapp.extensions import db
from quizapp.models import Academy, Certificate, Membership, User
from quizapp.models.portfolio import CpdActivity, LogbookEntry, MentorProfile
from quizapp.services.academy import certification
from quizapp.services.infra import pdfcert
from quizapp.services.infra.csvout import csv_text
from quizapp.services.portfolio import cpd

CPD_HEADER: Final = (
    "date",
    "topic",
    "method",
    "hours",
    "participatory_hours",
    "verifiable",
    "evidence",
    "source",
    "module",
    "recorded_at",
)


def safe_name(text: str) -> str:
    """A file name of plain letters, digits, dots, hyphens and underscores."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:80] or "export"


def buffer(body: bytes) -> io.BytesIO:
    return io.BytesIO(body)


def _value(value: Any) -> Any:
    """Enum members as their value, everything else unchanged."""
    return getattr(value, "value", value)


def _hours(value: Any) -> str:
    return rules.format_hours(Decimal(value))


# --------------------------------------------------------------------------------------------
# Who may be exported
# --------------------------------------------------------------------------------------------


def academy_people(academy_id: int) -> list[Membership]:
    """The academy's members, by name, with their users, in one query."""
    return list(
        db.session.scalars(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.academy_id == academy_id)
            .order_by(User.display_name, User.id)
        )
    )


def member_of(academy_id: int, user_id: int) -> User | None:
    """The user if they are (or were) a member of this academy; None otherwise (a 404)."""
    membership = db.session.scalar(
        select(Membership).where(Membership.academy_id == academy_id, Membership.user_id == user_id)
    )
    return membership.user if membership else None


# --------------------------------------------------------------------------------------------
# Tables (each a header and rows, for csvout)
# --------------------------------------------------------------------------------------------


def cpd_table(activities: Iterable[CpdActivity]) -> tuple[Sequence[str], list[list[Any]]]:
    rows = [
        [
            a.done_on,
            a.topic,
            a.method,
            _hours(a.hours),
            _hours(a.participatory_hours),
            a.verifiable,
            a.evidence,
            a.source,
            a.module_slug,
            a.created_at,
        ]
        for a in activities
    ]
    return CPD_HEADER, rows


def _zones_text(zones: Any) -> str:
    parts = []
    for zone in zones or []:
        if not isinstance(zone, dict):
            continue
        words = [
            str(zone.get(key))
            for key in ("zone", "product", "amount", "unit", "technique")
            if zone.get(key) not in (None, "")
        ]
        if zone.get("grade") is not None:
            words.insert(1, f"grade {zone['grade']}")
        parts.append(" ".join(words))
    return "; ".join(parts)


def _names(user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {row.id: row.display_name for row in rows}


LOGBOOK_HEADER: Final = (
    "entry",
    "treated_on",
    "modality",
    "role",
    "age_band",
    "sex",
    "fitzpatrick",
    "consultation_done",
    "consent_form_version",
    "contraindications_screened",
    "zones",
    "review_outcome",
    "complications",
    "status",
    "mentor",
    "signed_by",
    "signed_at",
    "score_band",
    "score",
    "supersedes_entry",
    "created_at",
)


def logbook_table(entries: Sequence[LogbookEntry], names: dict[int, str]):
    rows = [
        [
            e.id,
            e.treated_on,
            e.modality,
            e.role,
            e.age_band,
            e.sex,
            e.fitzpatrick,
            e.consultation_done,
            e.consent_form_version,
            e.contraindications_screened,
            _zones_text(e.zones),
            e.review_outcome,
            e.complications,
            _value(e.status),
            names.get(e.mentor_user_id) if e.mentor_user_id else None,
            names.get(e.signed_by_user_id) if e.signed_by_user_id else None,
            e.signed_at,
            e.score_band,
            e.score,
            e.supersedes_id,
            e.created_at,
        ]
        for e in entries
    ]
    return LOGBOOK_HEADER, rows


SIGNOFF_HEADER: Final = (
    "entry",
    "treated_on",
    "modality",
    "role",
    "signed_by",
    "registration_body",
    "registration_number",
    "signed_at",
    "mentor_comment",
)


def signoffs_table(
    entries: Sequence[LogbookEntry], names: dict[int, str], profiles: dict[tuple[int, int], Any]
):
    rows = []
    for e in entries:
        if e.signed_by_user_id is None or e.signed_at is None:
            continue
        profile = profiles.get((e.academy_id, e.signed_by_user_id))
        rows.append(
            [
                e.id,
                e.treated_on,
                e.modality,
                e.role,
                names.get(e.signed_by_user_id),
                profile.registration_body if profile else None,
                profile.registration_number if profile else None,
                e.signed_at,
                e.mentor_comment,
            ]
        )
    return SIGNOFF_HEADER, rows


REFLECTION_HEADER: Final = (
    "entry",
    "treated_on",
    "modality",
    "role",
    "status",
    "what_went_well",
    "what_to_change",
)


def reflections_table(entries: Sequence[LogbookEntry]):
    rows = [
        [
            e.id,
            e.treated_on,
            e.modality,
            e.role,
            _value(e.status),
            e.reflection_went_well,
            e.reflection_change,
        ]
        for e in entries
        if (e.reflection_went_well or e.reflection_change)
    ]
    return REFLECTION_HEADER, rows


CERTIFICATE_HEADER: Final = (
    "code",
    "programme",
    "academy",
    "cycle",
    "issued_at",
    "expires_at",
    "revoked_at",
    "revoke_reason",
)


def certificates_table(certificates: Sequence[Certificate]):
    rows = [
        [
            c.code,
            c.programme_name,
            c.academy_name,
            c.cycle,
            c.issued_at,
            c.expires_at,
            c.revoked_at,
            c.revoke_reason,
        ]
        for c in certificates
    ]
    return CERTIFICATE_HEADER, rows


# --------------------------------------------------------------------------------------------
# Loading one person's records
# --------------------------------------------------------------------------------------------


def _records(user: User, academy_id: int | None):
    entries_query = select(LogbookEntry).where(LogbookEntry.trainee_user_id == user.id)
    certificates_query = select(Certificate).where(Certificate.user_id == user.id)
    cpd_query = select(CpdActivity).where(CpdActivity.user_id == user.id)
    if academy_id is not None:
        entries_query = entries_query.where(LogbookEntry.academy_id == academy_id)
        certificates_query = certificates_query.where(Certificate.academy_id == academy_id)
        cpd_query = cpd_query.where(
            or_(CpdActivity.academy_id == academy_id, CpdActivity.academy_id.is_(None))
        )
    entries = list(
        db.session.scalars(entries_query.order_by(LogbookEntry.treated_on, LogbookEntry.id))
    )
    certificates = list(db.session.scalars(certificates_query.order_by(Certificate.issued_at)))
    activities = list(db.session.scalars(cpd_query.order_by(CpdActivity.done_on, CpdActivity.id)))
    return entries, certificates, activities


def _academies(user: User, academy_id: int | None) -> list[Academy]:
    if academy_id is not None:
        academy = db.session.get(Academy, academy_id)
        return [academy] if academy else []
    return [m.academy for m in sorted(user.memberships, key=lambda m: m.id) if m.active]


# --------------------------------------------------------------------------------------------
# summary.pdf
# --------------------------------------------------------------------------------------------


def signed_counts(entries: Iterable[LogbookEntry]) -> dict[tuple[str, str], int]:
    """Signed entries per (modality, role)."""
    return dict(
        Counter(
            (str(e.modality), str(e.role))
            for e in entries
            if e.signed_at is not None and _value(e.status) == "signed"
        )
    )


def summary_pdf(
    user: User,
    academies: Sequence[Academy],
    standings: Sequence[tuple[str, Any]],
    counts: dict[tuple[str, str], int],
    cpd_summaries: Sequence[rules.Summary],
    certificates: Sequence[Certificate],
    now: datetime,
) -> bytes:
    pdf = pdfcert.new_document("portrait")
    pdf.set_title(f"Portfolio summary: {pdfcert.latin1(user.display_name)}")
    pdf.set_creator("quizapp")
    pdf.set_creation_date(now)
    pdf.add_page()
    clean = pdfcert.latin1
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font("helvetica", "B", 13)
        pdf.set_text_color(*pdfcert.ACCENT)
        pdf.multi_cell(width, 7, clean(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*pdfcert.INK)

    def text(value: str, *, bold: bool = False, size: float = 10) -> None:
        pdf.set_font("helvetica", "B" if bold else "", size)
        pdf.multi_cell(width, 5.5, clean(value), new_x="LMARGIN", new_y="NEXT")

    pdf.set_font("helvetica", "B", 18)
    pdf.set_text_color(*pdfcert.INK)
    pdf.multi_cell(width, 9, clean("Portfolio summary"), new_x="LMARGIN", new_y="NEXT")
    text(f"{user.display_name} <{user.email}>", bold=True, size=12)
    names = ", ".join(a.name for a in academies) or "No academy"
    text(f"Academy: {names}")
    text(f"Exported on {rules.format_day(now.date())} at {now:%H:%M} UTC")

    heading("Programmes and standing")
    if standings:
        for name, status in standings:
            text(f"{name}: {status}")
    else:
        text("No certification programme applies.")
    if certificates:
        text(f"Certificates held: {len(certificates)} (listed in certificates.csv).")

    heading("Signed logbook entries")
    if counts:
        for (modality, role), count in sorted(counts.items()):
            text(f"{modality}, {role.replace('_', ' ')}: {count}")
    else:
        text("No signed logbook entries.")

    heading("CPD by regulator")
    text(
        "For a cycle ending on the export date; your own renewal date may differ "
        "(the CPD summary page takes it).",
        size=9,
    )
    for summary in cpd_summaries:
        text(summary.scheme.title, bold=True)
        period = (
            f"{rules.format_day(summary.start)} to {rules.format_day(summary.end)}"
            if summary.start
            else f"up to {rules.format_day(summary.end)}"
        )
        text(
            f"{period}: {_hours(summary.hours)} hours, {_hours(summary.participatory_hours)} "
            f"participatory, {_hours(summary.verifiable_hours)} verifiable."
        )
        for line in rules.in_words(summary):
            text("- " + line, size=9)
        if summary.scheme.sources:
            text("Source: " + ", ".join(summary.scheme.sources), size=8)
    pdf.ln(4)
    pdf.set_font("helvetica", "", 8)
    pdf.set_text_color(*pdfcert.MUTED)
    pdf.multi_cell(
        width,
        4,
        clean(
            "Compiled from the records in quizapp. CPD summaries count your own records against "
            "the rules as their sources state them (R1 NMC, R2 GDC); they are not a regulator's "
            "decision. The GMC has no figure in our sources."
        ),
    )
    return bytes(pdf.output())


# --------------------------------------------------------------------------------------------
# The zip
# --------------------------------------------------------------------------------------------


def build(user: User, academy_id: int | None, now: datetime) -> tuple[str, bytes]:
    """(file name, zip bytes) of the person's portfolio, limited to `academy_id` if given."""
    entries, certificates, activities = _records(user, academy_id)
    academies = _academies(user, academy_id)
    names = _names([e.mentor_user_id for e in entries] + [e.signed_by_user_id for e in entries])
    profiles = {}
    signer_ids = {e.signed_by_user_id for e in entries if e.signed_by_user_id}
    if signer_ids:
        for profile in db.session.scalars(
            select(MentorProfile).where(MentorProfile.user_id.in_(signer_ids))
        ):
            profiles[(profile.academy_id, profile.user_id)] = profile
    standings = []
    for academy in academies:
        for standing in certification.standings(user.id, academy.id, now):
            reason = standing.decision.reason
            status = {
                "holds": "certified",
                "revoked": "certificate revoked",
            }.get(reason, "requirements met" if standing.check.met else "in progress")
            label = standing.programme.name
            if len(academies) > 1:
                label += f" ({academy.name})"
            standings.append((label, status))
    files = {
        "summary.pdf": summary_pdf(
            user,
            academies,
            standings,
            signed_counts(entries),
            cpd.summaries(activities, now.date()),
            certificates,
            now,
        ),
        "logbook.csv": csv_text(*logbook_table(entries, names)),
        "signoffs.csv": csv_text(*signoffs_table(entries, names, profiles)),
        "reflections.csv": csv_text(*reflections_table(entries)),
        "cpd.csv": csv_text(*cpd_table(activities)),
        "certificates.csv": csv_text(*certificates_table(certificates)),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, body in files.items():
            info = zipfile.ZipInfo(name, date_time=now.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, body)
    return safe_name(f"portfolio-{user.display_name}-{now:%Y-%m-%d}") + ".zip", out.getvalue()
