"""URLs in messages become links (issue #15): http/https only, escaped, opened apart from the page."""

from __future__ import annotations

from chalicelib.web.render import linkify

ATTRS = 'rel="noopener noreferrer" target="_blank"'


def test_an_address_becomes_a_link_and_trailing_punctuation_stays_text() -> None:
    assert linkify("Расписание: https://school.example/a?x=1&y=2.") == (
        f'Расписание: <a href="https://school.example/a?x=1&amp;y=2" {ATTRS}>'
        "https://school.example/a?x=1&amp;y=2</a>."
    )


def test_parentheses_that_belong_to_the_address_are_kept() -> None:
    assert linkify("(см. https://ru.wikipedia.org/wiki/A_(b))") == (
        f'(см. <a href="https://ru.wikipedia.org/wiki/A_(b)" {ATTRS}>https://ru.wikipedia.org/wiki/A_(b)</a>)'
    )


def test_only_http_and_https_are_links_and_markup_stays_text() -> None:
    hostile = "javascript:alert(1) data:text/html,<script>x</script> ftp://x.example <b>жирный</b>"
    assert "<a " not in linkify(hostile)
    assert "&lt;script&gt;" in linkify(hostile) and "<b>" not in linkify(hostile)


def test_quotes_cannot_break_out_of_the_attribute() -> None:
    made = linkify('http://x.example/"onmouseover="alert(1) и http://')
    assert made.count("<a ") == 1
    assert 'href="http://x.example/"' in made and "onmouseover=" not in made.split(">")[0]
    assert made.endswith("и http://")
