"""The academy's pages: members and invitations, cohorts, programmes, certificates, the audit log,
reports; one file per subject, the blueprint and shared helpers in common.py.

Admins manage (Action.MANAGE_ACADEMY); educators may read the reports (Action.AUTHOR). Everything
is looked up inside the admin's current academy: another academy's members, cohorts, programmes
and certificates answer 404.
"""

from __future__ import annotations

# Importing each subject's module registers its routes on the blueprint.
from quizapp.web.academy import audit, certificates, cohorts, members, programmes, reports
from quizapp.web.academy.common import bp

__all__ = ["audit", "bp", "certificates", "cohorts", "members", "programmes", "reports"]
