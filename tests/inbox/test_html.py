"""Sanitizing email HTML, rendering it as text, and turning text into HTML."""

from __future__ import annotations

import re
import time

import pytest

from inbox.mail.html import html_to_text, sanitize_html, text_to_html

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "<IMG SRC=x OnErRoR=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JAVASCRIPT:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<svg onload="alert(1)"><circle></circle></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<body onload="alert(1)">',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<div style="width: expression(alert(1))">x</div>',
    '<form action="https://evil.example"><input type="password"></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<style>@import 'https://evil.example/x.css';</style>",
    '<details open ontoggle="alert(1)">',
    '<a href="#" onclick="alert(1)">x</a>',
    "<!--<script>alert(1)</script>-->",
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_sanitized_html_has_no_script_handler_or_script_url(attack):
    cleaned = sanitize_html(f"<p>before</p>{attack}<p>after</p>").lower()
    assert "<script" not in cleaned
    assert "javascript:" not in cleaned and "vbscript:" not in cleaned and "data:text" not in cleaned
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", cleaned)
    for tag in (
        "<iframe",
        "<object",
        "<embed",
        "<svg",
        "<math",
        "<form",
        "<input",
        "<meta",
        "<base",
        "<link",
        "<style",
    ):
        assert tag not in cleaned
    assert "expression(" not in cleaned and "url(" not in cleaned
    assert "before" in cleaned and "after" in cleaned


def test_formatting_tables_images_and_links_survive():
    html = (
        '<table width="100%" cellpadding="4"><tr><td bgcolor="#eee">'
        "<b>Bold</b> <i>it</i> <u>u</u></td></tr></table>"
        '<img src="https://img.example/a.png" alt="A" width="10"><img src="cid:logo@x">'
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
        '<a href="https://example.com/x" target="_self" rel="opener">link</a>'
        '<a href="mailto:a@example.com">mail</a>'
        '<font color="red" face="Arial">font</font><span style="color: blue; position: absolute">blue</span>'
    )
    cleaned = sanitize_html(html)
    assert '<table width="100%" cellpadding="4">' in cleaned
    assert '<td bgcolor="#eee"><b>Bold</b> <i>it</i> <u>u</u></td>' in cleaned
    assert 'src="https://img.example/a.png"' in cleaned and 'src="cid:logo@x"' in cleaned
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in cleaned
    assert (
        '<a href="https://example.com/x" target="_blank" rel="noopener noreferrer nofollow">link</a>'
        in cleaned
    )
    assert 'href="mailto:a@example.com"' in cleaned
    assert '<font color="red" face="Arial">font</font>' in cleaned
    assert '<span style="color:blue">blue</span>' in cleaned


def test_style_and_head_contents_are_dropped_not_shown_as_text():
    cleaned = sanitize_html(
        "<html><head><title>T</title><style>p{color:red}</style></head><body>Body</body></html>"
    )
    assert cleaned == "Body"


def test_relative_links_are_removed_and_ids_prefixed_and_foreign_classes_dropped():
    cleaned = sanitize_html('<a href="/admin/delete">x</a><div id="main" class="button gmail_quote">q</div>')
    assert "/admin" not in cleaned
    assert '<div id="mail-main" class="gmail_quote">q</div>' in cleaned


def test_sanitizing_twice_changes_nothing_more():
    once = sanitize_html('<p class="MsoNormal" style="margin:0">x<a href="https://e.example">y</a></p>')
    assert sanitize_html(once).replace("mail-mail-", "mail-") == once


def test_html_to_text_renders_paragraphs_breaks_lists_links_and_quotes():
    html = (
        "<h1>Title</h1><p>First<br>line two</p><ul><li>one</li><li>two</li></ul>"
        '<ol start="3"><li>three</li><li>four</li></ol>'
        '<p>See <a href="https://example.com/page">the page</a> or https://x.example '
        '<a href="https://x.example">https://x.example</a> '
        '<a href="mailto:a@example.com">a@example.com</a>.</p>'
        '<blockquote type="cite"><p>quoted</p><blockquote>deeper</blockquote></blockquote>'
        "<table><tr><td>A</td><td>B</td></tr></table><pre>  keep\n    spacing</pre>"
        "<p>a&amp;b &lt;tag&gt; &nbsp;x</p><script>hidden()</script>"
    )
    assert html_to_text(html) == (
        "Title\n\nFirst\nline two\n\n- one\n- two\n\n3. three\n4. four\n\n"
        "See the page (https://example.com/page) or https://x.example https://x.example a@example.com.\n\n"
        "> quoted\n>\n> > deeper\n\nA  B\n\n  keep\n    spacing\n\na&b <tag>  x"
    )


def test_html_to_text_survives_broken_markup():
    assert html_to_text("<p>unclosed <b>bold <i>both</p><div>next") == "unclosed bold both\n\nnext"
    assert html_to_text("") == ""


def test_text_to_html_escapes_and_links_and_keeps_line_breaks():
    html = text_to_html(
        'Hi <b>you</b> & "them"\nSee https://example.com/a_(b), www.shop.example. Mail a.b@example.com'
    )
    assert html.startswith('Hi &lt;b&gt;you&lt;/b&gt; &amp; "them"<br>\n')
    assert '<a href="https://example.com/a_(b)" rel="noopener noreferrer nofollow" target="_blank">' in html
    assert "https://example.com/a_(b)</a>," in html
    assert '<a href="https://www.shop.example" ' in html and "www.shop.example</a>." in html
    assert '<a href="mailto:a.b@example.com"' in html


def test_text_to_html_output_survives_sanitizing_unchanged_in_substance():
    html = text_to_html("x https://example.com/?a=1&b=2 y")
    assert 'href="https://example.com/?a=1&amp;b=2"' in html
    assert 'href="https://example.com/?a=1&amp;b=2"' in sanitize_html(html)


def test_huge_html_is_rendered_quickly_and_completely():
    html = "<style>p{}</style>" + "<p>Paragraph <b>number</b> &amp; more</p>" * 20000 + "<div>The end</div>"
    started = time.monotonic()
    text = html_to_text(html)
    assert time.monotonic() - started < 3
    assert text.count("Paragraph number & more") == 20000
    assert text.endswith("The end") and "p{}" not in text
