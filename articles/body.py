"""The article body: the one sanitizer, and conversion between blocks and HTML.

The body is stored as sanitized HTML because editors change it in a rich-text editor.
A section heading is an <h2>; its subtitle (as in “新”潮涌动 / 增强创新发展新动能) is
the <h3> right after it.
"""
import html
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {"p", "h2", "h3", "strong", "b", "a", "blockquote", "ul", "ol", "li", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Script and style content is dropped whole rather than left behind as visible text.
DROPPED_CONTENT_TAGS = {"script", "style", "template", "iframe", "object", "svg", "math", "noscript"}


def sanitize_html(value: str) -> str:
    """The one sanitizer, run on every write of an article body."""
    return nh3.clean(
        value or "",
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_CONTENT_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def blocks_to_html(blocks: list[dict]) -> str:
    parts = []
    for block in blocks:
        text = html.escape(block["text"], quote=False)
        if block["type"] == "heading":
            parts.append(f"<h2>{text}</h2>")
            if block.get("subtitle"):
                parts.append(f"<h3>{html.escape(block['subtitle'], quote=False)}</h3>")
        else:
            parts.append(f"<p>{text}</p>")
    return "\n".join(parts)


class _BlockCollector(HTMLParser):
    """Flattens body HTML into paragraph and heading blocks, keeping the text only."""

    BLOCK_TAGS = {"p", "h2", "h3", "li"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[dict] = []
        self._tag: str | None = None
        self._text: list[str] = []
        self._after_h2 = False

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCK_TAGS:
            self._flush()
            self._tag = tag
        elif tag == "br" and self._tag:
            self._text.append("\n")

    def handle_endtag(self, tag):
        if tag in self.BLOCK_TAGS and tag == self._tag:
            self._flush()

    def handle_data(self, data):
        if self._tag is None and data.strip():
            self._tag = "p"  # loose text outside any block still counts as a paragraph
        if self._tag:
            self._text.append(data)

    def close(self):
        super().close()
        self._flush()

    def _flush(self):
        tag, text = self._tag, "".join(self._text).strip()
        self._tag, self._text = None, []
        if not tag or not text:
            return
        if tag == "h3" and self._after_h2:
            self.blocks[-1]["subtitle"] = text
            self._after_h2 = False
            return
        self._after_h2 = tag == "h2"
        if tag in {"h2", "h3"}:
            self.blocks.append({"type": "heading", "text": text, "subtitle": ""})
        else:
            self.blocks.append({"type": "paragraph", "text": text})


def html_to_blocks(value: str) -> list[dict]:
    collector = _BlockCollector()
    collector.feed(value or "")
    collector.close()
    return collector.blocks


def body_text(value: str) -> str:
    """The body as plain text, one block a line, for search and zone detection."""
    return blocks_text(html_to_blocks(value))


def blocks_text(blocks: list[dict]) -> str:
    lines = []
    for block in blocks:
        lines.append(block["text"])
        if block.get("subtitle"):
            lines.append(block["subtitle"])
    return "\n".join(lines)


def plain_text(*, standfirst: str, body: str) -> str:
    """The standfirst and the body as one line of plain text: what search snippets are cut from."""
    return " ".join(t for t in (standfirst, body_text(body).replace("\n", " ")) if t)


def summary_text(*, standfirst: str, body: str) -> str:
    """What an excerpt is cut from: the standfirst, or else the first paragraph of the body."""
    if standfirst:
        return standfirst
    for block in html_to_blocks(body):
        if block["type"] == "paragraph":
            return block["text"]
    return ""
