"""The rich text of a notice body (headings, lists, tables), sanitized with nh3 — the
Python binding of the Rust `ammonia` crate, maintained, fast, and allow-list based (bleach
is deprecated by its maintainers since 2023; see docs/notices.md). Whatever the editor or
the API sends, only these tags and attributes are kept; scripts, styles, event handlers
and `javascript:` links are dropped."""

import nh3

TAGS = {
    "h1", "h2", "h3", "h4", "p", "br", "hr", "strong", "b", "em", "i", "u", "s", "sub",
    "sup", "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tfoot", "tr", "th",
    "td", "caption", "a", "span", "div",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def sanitize(html: str) -> str:
    return nh3.clean(
        html or "",
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    ).strip()


def plain_to_html(text: str) -> str:
    """Text typed without markup: one paragraph per line."""
    from django.utils.html import escape

    if "<" in (text or ""):
        return sanitize(text)
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return "".join(f"<p>{escape(line)}</p>" for line in lines)
