"""SQLAlchemy 2.0 typed models, grouped by subject."""

from quizapp.models.base import InvalidTransition
from quizapp.models.certification import (
    AuditEntry,
    Certificate,
    Cohort,
    CohortMember,
    Programme,
    cohort_programmes,
)
from quizapp.models.content import (
    CaseRecord,
    CaseVersion,
    ContentGeneration,
    ModuleRecord,
    ModuleVersion,
)
from quizapp.models.people import Academy, Invitation, Membership, Role, User
from quizapp.models.portfolio import (
    CpdActivity,
    EntryStatus,
    LogbookEntry,
    MentorAssignment,
    MentorProfile,
)
from quizapp.models.progress import (
    AttemptStatus,
    CaseAttempt,
    CaseFlagResult,
    CaseStep,
    CaseZoneResult,
    QuestionResult,
    QuizAttempt,
)

__all__ = [
    "Academy",
    "AuditEntry",
    "Certificate",
    "Cohort",
    "CohortMember",
    "ContentGeneration",
    "Programme",
    "cohort_programmes",
    "AttemptStatus",
    "CaseAttempt",
    "CaseStep",
    "CaseFlagResult",
    "CaseZoneResult",
    "QuestionResult",
    "QuizAttempt",
    "CaseRecord",
    "CaseVersion",
    "Invitation",
    "Membership",
    "ModuleRecord",
    "ModuleVersion",
    "Role",
    "CpdActivity",
    "EntryStatus",
    "InvalidTransition",
    "LogbookEntry",
    "MentorAssignment",
    "MentorProfile",
    "User",
]
