"""An academy's complication drills: checked as `flask cases validate` checks a drill file,
created and saved from YAML, previewed and published with the lifecycle cases and modules share."""

from __future__ import annotations

from typing import Any, Final

from quizapp.domain.drills import Drill
from quizapp.extensions import db
from quizapp.formats.drills import DrillFileError, load_drill_text
from quizapp.formats.yamlsafe import Issue
from quizapp.models import DrillRecord, DrillVersion, User
from quizapp.models.base import now_utc
from quizapp.services.authoring.records import (
    ContentInvalid,
    audit,
    fixed_id_issues,
    id_line,
    save_version,
    slugs_in_use,
)

#: The text a new drill starts from: a small, valid drill to adapt (docs/drills.md).
NEW_DRILL: Final = """\
id: new-drill
title: A new complication drill
summary: |
  What happens to the patient, in two or three sentences.
patient: Woman, 40, Fitzpatrick II; what was done and when
references: [F38]
stages:
  - text: |
      What the trainee sees first.
  - after: stop
    text: |
      What the trainee sees once they have stopped injecting.
actions:
  - id: stop
    label: Stop injecting
  - id: hyaluronidase
    label: Give hyaluronidase into the ischaemic area
  - id: massage-only
    label: Massage the area and wait
reference:
  required:
    - action: stop
      reason: Stopping at once limits the filler that reaches the vessel.
      sources: [F38]
      within_seconds: 60
    - action: hyaluronidase
      after: [stop]
      reason: Hyaluronidase dissolves the HA that blocks the vessel.
      sources: [F38]
  harmful:
    - action: massage-only
      reason: Waiting loses the time in which the tissue can be saved.
      sources: [F38]
"""


def check_drill_text(text: str, source: str, *, slug: str | None = None) -> Drill:
    """The drill, checked exactly as `flask cases validate` checks a drill file, and, for a saved
    item, that its id is unchanged. ContentInvalid lists every problem with its line."""
    try:
        drill = load_drill_text(text, source)
    except DrillFileError as error:
        raise ContentInvalid(error.issues) from None
    issues = fixed_id_issues("drill", drill.id, slug, text, source)
    if issues:
        raise ContentInvalid(issues)
    return drill


def drill_version_summary(drill: Drill) -> dict[str, Any]:
    return {"title": drill.title, "patient": drill.patient, "actions": len(drill.actions)}


def create_drill(academy_id: int, actor: User, text: str, source: str = "drill") -> DrillRecord:
    """A new drill of the academy from valid YAML text: version 1, a draft."""
    drill = check_drill_text(text, source)
    if drill.id in slugs_in_use("drill", academy_id):
        raise ContentInvalid(
            [
                Issue(
                    source,
                    id_line(text),
                    "id",
                    f'"{drill.id}" is already used by a drill of the bank or of your academy; '
                    "choose another id",
                )
            ]
        )
    record = DrillRecord(
        slug=drill.id, academy_id=academy_id, title=drill.title, created_at=now_utc()
    )
    db.session.add(record)
    db.session.flush()
    version, _ = save_version(record, actor, text, drill_version_summary(drill), drill.title)
    audit(record, actor, "create", version=version.number)
    return record


def save_drill(record: DrillRecord, actor: User, text: str, source: str = "drill"):
    """Save new text for an academy's drill: the draft changes, or a new draft starts."""
    drill = check_drill_text(text, source, slug=record.slug)
    version, changed = save_version(record, actor, text, drill_version_summary(drill), drill.title)
    if changed:
        audit(record, actor, "edit", version=version.number)
    return version, changed


def drill_of(version: DrillVersion) -> Drill:
    """The drill a version holds (drafts included; the text was valid when saved), parsed once
    per text through the player's cache, as `cases.case_of` does for cases."""
    from quizapp.services.learning.drills import drill_content

    return drill_content(version)
