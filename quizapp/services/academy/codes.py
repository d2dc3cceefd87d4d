"""Certificate verification codes that survive being read aloud, typed or printed.

New codes use Crockford's base-32 alphabet (digits and capitals without I, L, O and U), in five
groups of five: 125 random bits, e.g. `7KQ4M-2XDPA-...`. Typing is forgiven: lower case, spaces,
missing hyphens, and O, I or L for 0, 1, 1. Codes issued before (`secrets.token_urlsafe`, which
mixes I and l) are still looked up exactly as they were printed.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS, GROUP_SIZE = 5, 5
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh random code in the unambiguous alphabet, grouped with hyphens."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_SIZE))
    return "-".join(chars[i : i + GROUP_SIZE] for i in range(0, len(chars), GROUP_SIZE))


def normalised(typed: str) -> str | None:
    """The canonical form of a code as someone typed it, or None if it cannot be a new code."""
    chars = "".join(typed.split()).replace("-", "").upper().translate(_READ_AS)
    if len(chars) != GROUPS * GROUP_SIZE or any(c not in ALPHABET for c in chars):
        return None
    return "-".join(chars[i : i + GROUP_SIZE] for i in range(0, len(chars), GROUP_SIZE))


def candidates(typed: str) -> list[str]:
    """The stored codes `typed` may stand for: itself (old codes are case-sensitive) and, when
    it reads as a new code, that code's canonical form."""
    typed = typed.strip()
    found = [typed]
    canonical = normalised(typed)
    if canonical is not None and canonical != typed:
        found.append(canonical)
    return found
