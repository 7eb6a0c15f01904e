"""The hosted page's one rendering helper: everything is escaped unless it is a rendered fragment."""

from __future__ import annotations

import pytest

from chalicelib.web.pages import STATIC_DIR
from chalicelib.web.render import (
    Markup,
    concat,
    content_security_policy,
    escape,
    fill,
    origin_of,
    static_response,
)

HOSTILE = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>&amp;"


def test_values_are_escaped_in_text_and_in_attributes() -> None:
    page = fill('<p title="$value">$value</p>', value=HOSTILE)
    assert "<script>" not in page and "<img" not in page
    assert page.count("&lt;script&gt;") == 2
    assert "&quot;&gt;&lt;img" in page and "&#x27;x&#x27;" in page
    assert "&amp;amp;" in page  # an entity in user text is shown, not interpreted


def test_rendered_fragments_are_inserted_as_they_are_and_only_they() -> None:
    inner = fill("<b>$name</b>", name="<i>")
    assert fill("<p>$inner</p>", inner=inner) == "<p><b>&lt;i&gt;</b></p>"
    assert fill("<p>$inner</p>", inner=str(inner)) == "<p>&lt;b&gt;&amp;lt;i&amp;gt;&lt;/b&gt;</p>"
    assert concat([inner, escape("<")]) == "<b>&lt;i&gt;</b>&lt;"
    assert isinstance(concat([]), Markup)


def test_adding_text_to_markup_escapes_the_text() -> None:
    bold = fill("<b>$x</b>", x="1")
    assert bold + "<i>" == "<b>1</b>&lt;i&gt;" and isinstance(bold + "<i>", Markup)
    assert "<i>" + bold == "&lt;i&gt;<b>1</b>" and isinstance("<i>" + bold, Markup)
    assert bold + bold == "<b>1</b><b>1</b>"


def test_none_is_empty_and_a_missing_value_is_an_error() -> None:
    assert fill("[$a]", a=None) == "[]"
    with pytest.raises(KeyError):
        fill("[$a $b]", a="x")


def test_the_csp_allows_this_origin_only_and_no_inline_code() -> None:
    policy = content_security_policy()
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "*" not in policy
    assert "frame-ancestors 'none'" in policy and "data:" not in policy
    assert "img-src 'self' data:" in content_security_policy(data_images=True)


def test_origin_of_a_url() -> None:
    assert origin_of("HTTPS://Example.org:8443/api/m?x=1") == "https://example.org:8443"
    assert origin_of("http://127.0.0.1:8000") == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    "name", ["../qr.py", "..", ".hidden.js", "app.py", "templates/layout.html", "nope.js"]
)
def test_static_files_are_only_the_pages_css_and_js(name: str) -> None:
    assert static_response(STATIC_DIR, name) is None


def test_static_files_have_their_content_types() -> None:
    css, js = static_response(STATIC_DIR, "app.css"), static_response(STATIC_DIR, "app.js")
    assert css is not None and css.headers["Content-Type"] == "text/css; charset=utf-8"
    assert js is not None and js.headers["Content-Type"] == "text/javascript; charset=utf-8"
