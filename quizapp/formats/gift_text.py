"""GIFT text: its escapes (`\\~ \\= \\# \\{ \\} \\:` and `\\n`), finding unescaped marks, and
turning a piece of GIFT text into the Markdown every quizapp text field holds.

GIFT text carries its format in a leading marker, as Moodle writes it:
- no marker or `[moodle]`: Moodle's auto-format: plain text in which HTML tags are allowed and
  line breaks are kept. Markdown's own marks (`#`, `*`, `_`, backquotes, brackets) are escaped
  so they show as typed (`#1` stays `#1`); HTML tags go through the sanitiser.
- `[plain]`: plain text; everything shows as typed, `<` included.
- `[markdown]`: Markdown already: kept as it is.
- `[html]`: HTML: passed through the sanitiser, then kept as HTML inside the Markdown (which
  Markdown shows as HTML).
Whatever the format, the app sanitises again when it renders (quizapp/markup.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Final

SPECIAL: Final = "~=#{}:"
FORMAT_PREFIX: Final = re.compile(r"^\s*\[(moodle|html|plain|markdown)\]", re.IGNORECASE)
SLUG_CHARS: Final = re.compile(r"[^a-z0-9]+")
_MARKDOWN_MARKS: Final = re.compile(r"([\\`*_\[\]#|!])")
_TAG: Final = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")

Sanitiser = Callable[[str], str]


def escape(text: str) -> str:
    """Text as GIFT writes it: specials and backslashes escaped, newlines as \\n."""
    out = text.replace("\\", "\\\\")
    for char in SPECIAL:
        out = out.replace(char, "\\" + char)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


def unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def find(text: str, target: str, start: int = 0) -> int:
    """Index of the first unescaped `target` at or after `start`, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


def split_unescaped(text: str, separator: str) -> list[str]:
    parts, start = [], 0
    while True:
        index = find(text, separator, start)
        if index < 0:
            parts.append(text[start:])
            return parts
        parts.append(text[start:index])
        start = index + len(separator)


def slugify(text: str) -> str:
    return SLUG_CHARS.sub("-", text.lower()).strip("-")


def text_format(text: str, default: str = "moodle") -> str:
    """The GIFT format marker at the start of `text` (lower case), or `default`."""
    match = FORMAT_PREFIX.match(text)
    return match.group(1).lower() if match else default


def escape_markdown(text: str) -> str:
    """Plain text as Markdown that shows exactly that text."""
    return _MARKDOWN_MARKS.sub(r"\\\1", text)


def _moodle_to_markdown(text: str, sanitise: Sanitiser) -> str:
    """Moodle auto-format: HTML tags kept (sanitised), the rest shown as typed, lines kept."""
    out: list[str] = []
    at = 0
    for match in _TAG.finditer(text):
        out.append(escape_markdown(text[at : match.start()]))
        out.append(match.group(0))
        at = match.end()
    out.append(escape_markdown(text[at:]))
    joined = "".join(out)
    if _TAG.search(text):
        joined = sanitise(joined)
    return "  \n".join(joined.split("\n"))


def to_markdown(raw: str, sanitise: Sanitiser, default: str = "moodle") -> tuple[str, str]:
    """(Markdown text, the GIFT format it was in) for one piece of raw GIFT text (escapes still
    in it). Outer spaces and each line's spaces go; a line break stays a line break."""
    kind = text_format(raw, default)
    body = FORMAT_PREFIX.sub("", raw, count=1)
    if kind == "markdown":  # spaces mean something in Markdown (two before a line break)
        return unescape(body).strip(), kind
    lines = [line.strip() for line in unescape(body).split("\n")]
    text = "\n".join(lines).strip()
    if kind == "html":
        return sanitise(text).strip(), kind
    if kind == "plain":
        plain = escape_markdown(text).replace("<", "&lt;")
        return "  \n".join(plain.split("\n")), kind
    return _moodle_to_markdown(text, sanitise), kind


def escape_html_only(text: str) -> str:
    """The default sanitiser of the pure parser: no tag survives (shown as text). The app passes
    quizapp.markup.sanitise, which keeps the allow-listed tags."""
    return html.escape(text, quote=False)


__all__ = [
    "FORMAT_PREFIX",
    "SPECIAL",
    "Sanitiser",
    "escape",
    "escape_html_only",
    "escape_markdown",
    "find",
    "slugify",
    "split_unescaped",
    "text_format",
    "to_markdown",
    "unescape",
]
