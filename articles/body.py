"""The article body: the one sanitizer, figures, and conversion between blocks and HTML.

The body is stored as sanitized HTML because editors change it in a rich-text editor.
A section heading is an <h2>; its subtitle (as in “新”潮涌动 / 增强创新发展新动能) is
the <h3> right after it. A picture is a figure of one image from the library:

    <figure data-image="42"><img src="/media/…" alt="替代文字" width="1600" height="1067">
    <figcaption>说明文字<small>摄影 张三</small></figcaption></figure>
"""
import html
import re
from contextlib import contextmanager
from contextvars import ContextVar
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

ALLOWED_TAGS = {
    "p", "h2", "h3", "strong", "b", "a", "blockquote", "ul", "ol", "li", "br",
    "figure", "img", "figcaption", "small",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "figure": {"data-image"}, "img": {"src", "alt", "width", "height"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Script and style content is dropped whole rather than left behind as visible text.
DROPPED_CONTENT_TAGS = {"script", "style", "template", "iframe", "object", "svg", "math", "noscript"}
# The tags that exist only as parts of a figure (see _FigureFilter).
FIGURE_PARTS = {"img", "figcaption", "small"}
# A credit typed with its label already ("摄影：张三") is not labelled twice.
CREDIT_PREFIX = re.compile(r"^摄影\s*[:：]?\s*")
# An image id is a positive integer that fits a bigint column.
MAX_IMAGE_ID_DIGITS = 18


def sanitize_html(value: str) -> str:
    """The one sanitizer, run on every write of an article body.

    nh3 decides which tags and attributes may appear at all; it cannot say where, so a
    second pass over its (well-formed) output keeps figures only in their one shape.
    """
    cleaned = nh3.clean(
        value or "",
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_CONTENT_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return _filter_figures(cleaned).strip()


def figure_html(*, image_id: int, src: str, alt: str, width: int | None = None, height: int | None = None,
                caption: str = "", credit: str = "") -> str:
    """A figure in the one shape the sanitizer keeps; `credit` is the whole line ("摄影 张三")."""
    img = [f'src="{html.escape(src)}"', f'alt="{html.escape(alt)}"']
    img += [f'{name}="{value}"' for name, value in (("width", width), ("height", height)) if value]
    caption, credit = caption.strip(), credit.strip()
    small = f"<small>{html.escape(credit, quote=False)}</small>" if credit else ""
    figcaption = f"<figcaption>{html.escape(caption, quote=False)}{small}</figcaption>" if caption or small else ""
    return f'<figure data-image="{image_id}"><img {" ".join(img)}>{figcaption}</figure>'


def credit_line(credit: str) -> str:
    """The credit under a picture ("摄影 张三") for a library image's credit ("张三")."""
    name = CREDIT_PREFIX.sub("", " ".join((credit or "").split()))
    return f"摄影 {name}" if name else ""


def figure_ids(body_html: str) -> list[int]:
    """The image ids of the body's figures, each once, in the order they appear."""
    collector = _FigureIdCollector()
    collector.feed(body_html or "")
    collector.close()
    return list(dict.fromkeys(collector.ids))


def figure_image_id(value: str | None) -> int | None:
    """A figure's data-image value as an image id, or None for anything that is not one."""
    if value and value.isascii() and value.isdigit() and len(value) <= MAX_IMAGE_ID_DIGITS and int(value) > 0:
        return int(value)
    return None


def _dimension(value: str | None) -> int | None:
    if value and value.isascii() and value.isdigit() and len(value) <= 5 and int(value) > 0:
        return int(value)
    return None


def _image_src(value: str | None) -> str | None:
    """An http(s) URL or a path on this site; nothing else is shown as a picture."""
    # Browsers read a backslash as a slash: /\evil.example/x.jpg is //evil.example/x.jpg, another site.
    if not value or "\\" in value or any(c.isspace() or ord(c) < 32 for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme in {"http", "https"} and parts.netloc:
        return value
    if not parts.scheme and not parts.netloc and parts.path and not value.startswith("//"):
        return value
    return None


class _Figure:
    """What one figure holds while the filter reads it."""

    def __init__(self, image_id: int | None):
        self.image_id = image_id
        self.img: dict | None = None
        self.caption: list[str] = []
        self.credit: list[str] = []
        self.nested = 0  # depth inside figures within this one, whose content is dropped
        self.in_caption = 0
        self.in_small = 0

    def html(self) -> str:
        src = _image_src(self.img.get("src")) if self.img is not None else None
        if self.image_id is None or src is None:
            return ""  # not a figure of an image from the library: nothing of it is kept
        return figure_html(
            image_id=self.image_id, src=src, alt=self.img.get("alt") or "",
            width=_dimension(self.img.get("width")), height=_dimension(self.img.get("height")),
            caption=html.unescape("".join(self.caption)), credit=html.unescape("".join(self.credit)),
        )


class _FigureFilter(HTMLParser):
    """Copies nh3's output as it is, except figures, which it writes again in the one shape:
    <figure data-image="N"> around one <img> and at most one <figcaption> of text and a
    <small> credit. An img, figcaption or small anywhere else is dropped (the last two keep
    their text); so is a figure without a numeric data-image or an image, or inside another."""

    def __init__(self):
        super().__init__(convert_charrefs=False)  # text is copied as nh3 escaped it
        self.out: list[str] = []
        self.figure: _Figure | None = None

    def handle_starttag(self, tag, attrs):
        figure = self.figure
        if figure is None:
            if tag == "figure":
                self.figure = _Figure(figure_image_id(dict(attrs).get("data-image")))
            elif tag not in FIGURE_PARTS:
                self.out.append(self.get_starttag_text())
        elif tag == "figure" or figure.nested:
            figure.nested += tag == "figure"
        elif tag == "img" and figure.img is None and not figure.in_caption:
            figure.img = dict(attrs)
        elif tag == "figcaption":
            figure.in_caption += 1
        elif tag == "small" and figure.in_caption:
            figure.in_small += 1

    def handle_endtag(self, tag):
        figure = self.figure
        if figure is None:
            if tag not in FIGURE_PARTS and tag != "figure":
                self.out.append(f"</{tag}>")
        elif figure.nested:
            figure.nested -= tag == "figure"
        elif tag == "figure":
            self.out.append(figure.html())
            self.figure = None
        elif tag == "figcaption" and figure.in_caption:
            figure.in_caption -= 1
        elif tag == "small" and figure.in_small:
            figure.in_small -= 1

    def handle_data(self, data):
        figure = self.figure
        if figure is None:
            self.out.append(data)
        elif not figure.nested and figure.in_caption:
            (figure.credit if figure.in_small else figure.caption).append(data)

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")


def _filter_figures(cleaned: str) -> str:
    if "<figure" not in cleaned and not any(f"<{tag}" in cleaned for tag in FIGURE_PARTS):
        return cleaned  # the common body: nothing to rewrite
    parser = _FigureFilter()
    parser.feed(cleaned)
    parser.close()
    if parser.figure is not None:  # nh3 closes every element; this is only a safeguard
        parser.out.append(parser.figure.html())
    return "".join(parser.out)


class _FigureIdCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[int] = []

    def handle_starttag(self, tag, attrs):
        if tag == "figure" and (image_id := figure_image_id(dict(attrs).get("data-image"))) is not None:
            self.ids.append(image_id)


def blocks_to_html(blocks: list[dict]) -> str:
    """Blocks as body HTML. A figure block names its image (`image`, the id, with its
    `src`, `alt`, `width` and `height`) beside its `caption` and `credit` (the name)."""
    parts = []
    for block in blocks:
        if block["type"] == "figure":
            parts.append(figure_block_html(block))
            continue
        text = html.escape(block["text"], quote=False)
        if block["type"] == "heading":
            parts.append(f"<h2>{text}</h2>")
            if block.get("subtitle"):
                parts.append(f"<h3>{html.escape(block['subtitle'], quote=False)}</h3>")
        else:
            parts.append(f"<p>{text}</p>")
    return "\n".join(parts)


def figure_block_html(block: dict) -> str:
    return figure_html(
        image_id=block["image"], src=block["src"], alt=block["alt"], width=block["width"], height=block["height"],
        caption=block.get("caption", ""), credit=credit_line(block.get("credit", "")),
    )


class _BlockCollector(HTMLParser):
    """Flattens body HTML into paragraph, heading and figure blocks, keeping the text only.

    A figure is read back as what it says: its image id, caption and credit (the name,
    without 摄影), not where its file is stored, which can change with the storage. It is
    a picture, not text: blocks_text() leaves its caption out, so that it never becomes
    the summary, nor a paragraph of the search text or of the proofreading.
    """

    BLOCK_TAGS = {"p", "h2", "h3", "li"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[dict] = []
        self._tag: str | None = None
        self._text: list[str] = []
        self._after_h2 = False
        self._figure: dict | None = None  # the figure being read
        self._figure_part: str | None = None  # where its text goes: "caption", "credit" or nowhere
        self._nested = 0  # figures inside the figure, which the sanitizer never keeps

    def handle_starttag(self, tag, attrs):
        if self._figure is not None:
            self._nested += tag == "figure"
            if tag in {"figcaption", "small"} and not self._nested:
                self._figure_part = "credit" if tag == "small" else "caption"
        elif tag == "figure":
            self._flush()
            self._figure = {"type": "figure", "image": figure_image_id(dict(attrs).get("data-image")), "caption": "", "credit": ""}
        elif tag in self.BLOCK_TAGS:
            self._flush()
            self._tag = tag
        elif tag == "br" and self._tag:
            self._text.append("\n")

    def handle_endtag(self, tag):
        if self._figure is None:
            if tag in self.BLOCK_TAGS and tag == self._tag:
                self._flush()
        elif self._nested:
            self._nested -= tag == "figure"
        elif tag == "figure":
            self._close_figure()
        elif tag in {"figcaption", "small"}:
            self._figure_part = "caption" if tag == "small" else None

    def handle_data(self, data):
        if self._figure is not None:
            if self._figure_part and not self._nested:
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
        figure, self._figure, self._figure_part, self._nested = self._figure, None, None, 0
        figure["caption"] = figure["caption"].strip()
        figure["credit"] = CREDIT_PREFIX.sub("", " ".join(figure["credit"].split()))
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
        if block["type"] == "figure":
            continue  # a picture, not text
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
