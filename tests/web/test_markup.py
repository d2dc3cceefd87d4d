"""Markdown in educators' text: rendered, and sanitised with an allow-list so nothing an author
writes can run in a trainee's browser."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string
from markupsafe import Markup

from quizapp.markup import register_markup, render_inline, render_markdown, sanitise


def test_markdown_is_rendered():
    assert render_markdown("**Bold** and *emphasis*") == (
        "<p><strong>Bold</strong> and <em>emphasis</em></p>"
    )
    assert "<ul>" in render_markdown("- one\n- two") and "<li>two</li>" in render_markdown(
        "- one\n- two"
    )
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<table>" in html and "<td>2</td>" in html
    assert render_inline("Up to *two*") == "Up to <em>two</em>"


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        '<p onclick="alert(1)">click</p>',
        '<a href="#" onmouseover="alert(1)">hover</a>',
        "<body onload=alert(1)>",
        "<iframe src=javascript:alert(1)></iframe>",
        "<object data=javascript:alert(1)></object>",
        "<style>body{background:url(javascript:alert(1))}</style>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "<form action=javascript:alert(1)><button>go</button></form>",
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    ],
)
def test_scripts_and_event_handlers_are_removed(text):
    html = render_markdown(text)
    lowered = html.lower()
    for bad in (
        "<script",
        "onerror",
        "onclick",
        "onmouseover",
        "onload",
        "<iframe",
        "<object",
        "<style",
        "style=",
        "<form",
        "<meta",
        "javascript:",
        "<img",
        "<body",
    ):
        assert bad not in lowered, (text, html)


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        '<a href="java&#x09;script:alert(1)">tab</a>',
        '<a href="&#106;avascript:alert(1)">entity</a>',
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<javascript:alert(1)>",
    ],
)
def test_javascript_and_data_urls_lose_their_href(text):
    html = render_markdown(text).lower()
    assert "javascript" not in html and "vbscript" not in html and "data:" not in html


@pytest.mark.parametrize(
    "text",
    [
        "<svg onload=alert(1)><circle r=10 /></svg>",
        '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">x</text></a></svg>',
        "<svg><script>alert(1)</script></svg>",
        '<svg><animate onbegin="alert(1)" attributeName="x" dur="1s"/></svg>',
        '<svg><use href="data:image/svg+xml;base64,PHN2Zy8+#x"/></svg>',
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    ],
)
def test_svg_and_mathml_tricks_are_removed(text):
    html = render_markdown(text).lower()
    for bad in (
        "<svg",
        "<math",
        "<script",
        "onload",
        "onbegin",
        "onerror",
        "javascript:",
        "xlink",
        "<use",
        "<img",
        "<iframe",
        "foreignobject",
    ):
        assert bad not in html, (text, html)


def test_safe_links_keep_their_address_and_get_rel():
    html = render_markdown("[label](https://example.org/page)")
    assert (
        'href="https://example.org/page"' in html and 'rel="noopener noreferrer nofollow"' in html
    )
    assert 'href="mailto:a@b.example"' in render_markdown("[m](mailto:a@b.example)")


def test_code_is_shown_not_run():
    assert render_markdown("`<script>`") == "<p><code>&lt;script&gt;</code></p>"


def test_sanitise_keeps_only_the_allow_list():
    assert sanitise('<h1>Title</h1><h3 class="x" id="y">Sub</h3>') == "Title<h3>Sub</h3>"


def test_filters_are_registered_and_return_markup():
    app = Flask(__name__)
    register_markup(app)
    register_markup(app)  # twice is harmless
    with app.app_context():
        out = render_template_string(
            "{{ text|markdown }}|{{ text|markdown_inline }}", text="*hi* <script>x</script>"
        )
    assert out == "<p><em>hi</em> </p>|<em>hi</em> "
    assert isinstance(app.jinja_env.filters["markdown"]("x"), Markup)
    assert app.jinja_env.filters["markdown"](None) == ""
