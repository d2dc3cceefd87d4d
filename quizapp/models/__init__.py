"""SQLAlchemy 2.0 typed models, grouped by subject."""

from quizapp.models.content import CaseRecord, CaseVersion, ModuleRecord, ModuleVersion
from quizapp.models.people import Academy, Invitation, Membership, Role, User

__all__ = [
    "Academy",
    "CaseRecord",
    "CaseVersion",
    "Invitation",
    "Membership",
    "ModuleRecord",
    "ModuleVersion",
    "Role",
    "User",
]
