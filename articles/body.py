"""The article body: the one sanitizer, and conversion between blocks and HTML.

The body is stored as sanitized HTML because editors change it in a rich-text editor.
A section heading is an <h2>; its subtitle (as in “新”潮涌动 / 增强创新发展新动能) is
the <h3> right after it. A figure is `<figure data-image=…>` with its <img> and an
optional <figcaption> whose <small> is the credit (摄影).
"""
import html
from contextlib import contextmanager
from contextvars import ContextVar
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


CREDIT_LABEL = "摄影"


def blocks_to_html(blocks: list[dict]) -> str:
    """Blocks as body HTML. A figure block names its image: `image` (id), `src`, `alt`,
    `width` and `height`, with `text` (the caption) and `credit`."""
    parts = []
    for block in blocks:
        text = html.escape(block["text"], quote=False)
        if block["type"] == "figure":
            parts.append(figure_html(block))
        elif block["type"] == "heading":
            parts.append(f"<h2>{text}</h2>")
            if block.get("subtitle"):
                parts.append(f"<h3>{html.escape(block['subtitle'], quote=False)}</h3>")
        else:
            parts.append(f"<p>{text}</p>")
    return "\n".join(parts)


def figure_html(block: dict) -> str:
    """The one figure markup the sanitizer lets into a body (figcaption only with a caption or credit)."""
    img = '<img src="{}" alt="{}" width="{}" height="{}">'.format(
        *(html.escape(str(block[key]), quote=True) for key in ("src", "alt", "width", "height"))
    )
    caption = html.escape(block.get("text", ""), quote=False)
    if block.get("credit"):
        credit = html.escape(f"{CREDIT_LABEL} {block['credit']}", quote=False)
        caption += f"<small>{credit}</small>"
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure data-image="{int(block["image"])}">{img}{figcaption}</figure>'


class _BlockCollector(HTMLParser):
    """Flattens body HTML into paragraph, heading and figure blocks, keeping the text only.

    A figure is read back as its image id, caption and credit: what it says, not where
    its file is stored (the URL can change with the storage, the image cannot).
    """

    BLOCK_TAGS = {"p", "h2", "h3", "li"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[dict] = []
        self._tag: str | None = None
        self._text: list[str] = []
        self._after_h2 = False
        self._figure: dict | None = None  # the figure being read, and where its text goes
        self._figure_part: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "figure":
            self._flush()
            self._figure, self._figure_part = {"type": "figure", "image": figure_id(attrs), "text": "", "credit": ""}, None
        elif self._figure is not None:
            if tag in {"figcaption", "small"}:
                self._figure_part = "credit" if tag == "small" else "text"
        elif tag in self.BLOCK_TAGS:
            self._flush()
            self._tag = tag
        elif tag == "br" and self._tag:
            self._text.append("\n")

    def handle_endtag(self, tag):
        if self._figure is not None:
            if tag == "figure":
                self._close_figure()
            elif tag == "small":
                self._figure_part = "text"
            elif tag == "figcaption":
                self._figure_part = None
        elif tag in self.BLOCK_TAGS and tag == self._tag:
            self._flush()

    def handle_data(self, data):
        if self._figure is not None:
            if self._figure_part:
                self._figure[self._figure_part] += data
            return
        if self._tag is None and data.strip():
            self._tag = "p"  # loose text outside any block still counts as a paragraph
        if self._tag:
            self._text.append(data)

    def close(self):
        super().close()
        if self._figure is not None:
            self._close_figure()
        self._flush()

    def _close_figure(self):
        figure, self._figure, self._figure_part = self._figure, None, None
        figure["text"] = figure["text"].strip()
        figure["credit"] = figure["credit"].strip().removeprefix(CREDIT_LABEL).strip()
        self._after_h2 = False
        self.blocks.append(figure)

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


def figure_id(attrs: list[tuple[str, str | None]]) -> int | None:
    value = dict(attrs).get("data-image") or ""
    return int(value) if value.isascii() and value.isdigit() else None


def figure_ids(blocks: list[dict]) -> list[int]:
    """The images a body's figures show, each once, in body order."""
    return list(dict.fromkeys(b["image"] for b in blocks if b["type"] == "figure" and b["image"] is not None))


# The bodies parsed inside a blocks_remembered() block, by their HTML; None outside one.
_remembered: ContextVar[dict | None] = ContextVar("remembered_blocks", default=None)


@contextmanager
def blocks_remembered():
    """Within this block html_to_blocks() parses each distinct body once: an import reads
    the same body for its fingerprint, its summary, its search text and the publication
    checks. Scoped to the block, so that nothing is kept after it."""
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def html_to_blocks(value: str) -> list[dict]:
    value, remembered = value or "", _remembered.get()
    if remembered is None:
        return _parse_blocks(value)
    if value not in remembered:
        remembered[value] = _parse_blocks(value)
    return [dict(block) for block in remembered[value]]  # copies: callers may change them


def _parse_blocks(value: str) -> list[dict]:
    collector = _BlockCollector()
    collector.feed(value)
    collector.close()
    return collector.blocks


def body_text(value: str) -> str:
    """The body as plain text, one block a line, for search and zone detection."""
    return blocks_text(html_to_blocks(value))


def blocks_text(blocks: list[dict]) -> str:
    lines = []
    for block in blocks:
        if block["text"]:  # a figure may have no caption
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
