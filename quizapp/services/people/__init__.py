"""Accounts, memberships, privacy (export and deletion) and the audit log."""
