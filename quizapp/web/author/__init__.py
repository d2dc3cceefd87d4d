"""The educator's pages: write, preview, publish and version cases and modules; import and export
them; see which mistakes the academy's trainees make.

Screens (named in docs/authoring.md): Authoring (the list), Case, Case editor, YAML editor, Upload
a case, Drill, New drill, History, Case preview, Module, Module settings, Question editor, GIFT
import, Question preview, Insight, Module insight, Case insight, Common mistakes. The blueprint,
the list and what every page needs to find an item live in common.py; each subject has its own
module.
"""

from __future__ import annotations

# Importing each subject's module registers its routes on the blueprint.
from quizapp.web.author import (
    cases,
    drills,
    gift,
    insight,
    modules,
    preview,
    questions,
    versions,
    yaml_editor,
)
from quizapp.web.author.common import bp

__all__ = [
    "bp",
    "cases",
    "drills",
    "gift",
    "insight",
    "modules",
    "preview",
    "questions",
    "versions",
    "yaml_editor",
]
