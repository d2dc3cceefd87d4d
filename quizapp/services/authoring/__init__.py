"""Educators' content: drafts and versions, the bank import, insight into trainees' mistakes."""
