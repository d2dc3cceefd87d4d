"""Markdown for educators' text, rendered to HTML that is safe to show to trainees.

Case vignettes, learning points, question stems and explanations may use Markdown (emphasis,
lists, links, tables). The HTML Markdown produces is passed through nh3 with an allow-list: only
the tags below survive, links keep only http(s), mailto and relative addresses, and everything
else (script, style, iframes, SVG, images, event handlers, `javascript:` URLs) is removed, so an
author's text can never run code in a trainee's browser. Raw HTML typed into the text is treated
the same way: it goes through the same allow-list.

Templates use the filters `markdown` (blocks: paragraphs, lists) and `markdown_inline` (one line,
no wrapping paragraph: option texts, titles). `register_markup(app)` installs them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

import markdown as _markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS: Final = frozenset(
    {
        "p",
        "br",
        "hr",
        "strong",
        "em",
        "b",
        "i",
        "sub",
        "sup",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES: Final = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES: Final = frozenset({"http", "https", "mailto"})
# Removed together with everything inside them (the others keep their text).
DROP_WITH_CONTENT: Final = frozenset(
    {"script", "style", "iframe", "object", "embed", "svg", "math", "template", "noscript"}
)
MAX_CHARS: Final = 20_000  # longer text is cut: no field of the formats allows as much

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    clean_content_tags=set(DROP_WITH_CONTENT),
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def sanitise(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes of an HTML fragment."""
    return _cleaner.clean(html)


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """Markdown text -> sanitised HTML (a string; templates get Markup from the filters)."""
    if not text:
        return ""
    html = _markdown.markdown(
        text[:MAX_CHARS], extensions=["sane_lists", "tables"], output_format="html"
    )
    return sanitise(html)


@lru_cache(maxsize=4096)
def render_inline(text: str) -> str:
    """Like render_markdown, for one line shown inside other markup: no wrapping <p>."""
    html = render_markdown(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def markdown_filter(text: object) -> Markup:
    return Markup(render_markdown("" if text is None else str(text)))  # noqa: S704 - sanitised


def markdown_inline_filter(text: object) -> Markup:
    return Markup(render_inline("" if text is None else str(text)))  # noqa: S704 - sanitised


def register_markup(app) -> None:
    """Install the `markdown` and `markdown_inline` Jinja filters (safe to call twice)."""
    app.jinja_env.filters["markdown"] = markdown_filter
    app.jinja_env.filters["markdown_inline"] = markdown_inline_filter
