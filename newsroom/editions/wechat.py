"""The 公众号 edition of an article: its body as WeChat's editor and draft API accept it.

WeChat keeps only inline styles (no <style>, classes or ids), drops scripts, positioning and
transforms, refuses a body of 20,000 characters or 1 MB and more, and lets a body link only
to other WeChat articles. So the article is rendered once from templates/editions/
wechat_article.html, the one stylesheet newsroom/editions/wechat.css is inlined with
css-inline, and wechat_clean() then keeps only the tags, attributes and style properties
WeChat keeps. Other links become numbered footnotes (参考链接), and the public page goes to
the draft's 原文链接 (阅读原文).
"""
import dataclasses
import functools
import html
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import css_inline
import tinycss2
from django.conf import settings
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from articles.body import credit_line, figure_ids, figure_image_id, html_to_blocks, sanitize_html
from newsroom.images.models import Image, Rendition

# What WeChat's draft API and back office enforce (draft/add; 公众号 editor).
TITLE_CHARS = 32
AUTHOR_CHARS = 16
DIGEST_CHARS = 128
# The body must be under both.
HTML_CHARS = 20_000
HTML_BYTES = 1024 * 1024
# media/uploadimg takes a picture "1MB以下": under, not at.
IMAGE_BYTES = 1024 * 1024
IMAGE_FORMATS = {"jpeg", "png"}
# The JPEG rendition nearest this width: the body column is about 677 pixels wide on a phone
# of three device pixels a pixel, and 960 stays far under 1 MB.
IMAGE_WIDTH = 960
WECHAT_HOSTS = {"mp.weixin.qq.com"}
# The longest paragraphs a warning about the body's length names, for the editor to cut.
LONGEST_NAMED = 3

STYLESHEET = Path(__file__).with_name("wechat.css")

# What WeChat's editor keeps; any other element is unwrapped (its text stays).
ALLOWED_TAGS = {"section", "p", "span", "strong", "em", "h2", "h3", "h4", "blockquote", "ul", "ol", "li",
                "img", "br", "sup", "a"}
VOID_TAGS = {"img", "br"}
# Dropped with everything inside them: never text for a reader.
DROPPED_CONTENT_TAGS = {"script", "style", "template", "iframe", "object", "embed", "svg", "math", "noscript",
                        "head", "title", "textarea", "select", "video", "audio", "canvas", "form"}
# The style properties WeChat keeps and we use; position, float, transform and the rest go.
ALLOWED_PROPERTIES = {
    "color", "background-color", "font-family", "font-size", "font-weight", "font-style", "line-height",
    "letter-spacing", "text-align", "text-indent", "text-decoration", "vertical-align", "word-break",
    "overflow-wrap", "display", "width", "max-width", "height", "box-sizing",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-top", "border-right", "border-bottom", "border-left", "border-radius",
}
# Layouts WeChat does not render and values that fetch or run something.
FORBIDDEN_VALUES = re.compile(r"url\(|expression\(|flex|grid|javascript:", re.IGNORECASE)
BLOCK_TAGS = {"section", "p", "h2", "h3", "h4", "blockquote", "ul", "ol", "li"}


@dataclasses.dataclass(frozen=True)
class WechatImage:
    """A picture the edition shows: the file uploaded to WeChat and linked from the body."""

    image_id: int
    title: str
    name: str  # in default_storage: the JPEG rendition used, else the master
    url: str  # absolute
    bytes: int | None  # None: the file is not in storage
    format: str  # lower case: jpeg, png, webp, …


class Footnote(NamedTuple):
    """One link moved to 参考链接."""

    number: int
    text: str
    url: str


@dataclasses.dataclass(frozen=True)
class WechatArticle:
    html: str
    text: str  # the same body as plain text, for editors who paste without formatting
    title: str
    author: str
    digest: str
    source_url: str
    images: list[WechatImage]
    cover: WechatImage | None
    footnotes: list[Footnote]
    warnings: list[str]
    chars: int
    bytes: int
    # The warnings for which WeChat would refuse the draft or a picture of it (all but a
    # figure whose image is gone, which the edition simply leaves out).
    refusals: tuple[str, ...] = ()


def wechat_article(article) -> WechatArticle:
    body = sanitize_html(article.body)  # stored sanitized; run again so that no old row escapes it
    rows, pictures, missing = _pictures(article, body)
    lead_image = rows.get(article.lead_image_id)
    lead = pictures.get(article.lead_image_id)
    converted, footnotes = convert_body(body, pictures)
    page = render_to_string("editions/wechat_article.html", {
        "article": article,
        "lead": lead,
        "lead_image": lead_image,
        "lead_credit": credit_line(lead_image.credit) if lead_image else "",
        "body": mark_safe(converted),  # noqa: S308 -- built by convert_body, its text escaped
        "footnotes": footnotes,
    })
    cleaned = wechat_clean(_inliner().inline_fragment(page, ""))
    images = list(pictures.values())
    figures = [pictures[pk] for pk in figure_ids(body) if pk in pictures]
    result = WechatArticle(
        html=cleaned,
        text=wechat_text(cleaned),
        title=article.headline,
        author="、".join(article.byline_names()),
        digest=" ".join((article.standfirst or article.summary or "").split()),
        source_url=settings.NEWSROOM_SITE_URL.rstrip("/") + article.get_absolute_url(),
        images=images,
        cover=lead or (figures[0] if figures else None),
        footnotes=footnotes,
        warnings=[],
        chars=len(cleaned),
        bytes=len(cleaned.encode()),
    )
    refusals = _refusals(result, body)
    return dataclasses.replace(result, warnings=[*refusals, *_missing_warnings(missing)], refusals=tuple(refusals))


@functools.lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    # The stylesheet's comments are for us, not for every paste.
    css = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(encoding="utf-8"), flags=re.DOTALL)
    return css_inline.CSSInliner(extra_css=css, load_remote_stylesheets=False)


# --- pictures


def _pictures(article, body: str) -> tuple[dict[int, Image], dict[int, WechatImage], list[int]]:
    """The lead image and the body's figures, by image id (lead first): the library's rows and
    the files the edition uses; and the ids of figures whose picture is no longer in the
    library. One query for the pictures, one for the sizes of their JPEG renditions."""
    wanted = ([article.lead_image_id] if article.lead_image_id else []) + figure_ids(body)
    if not wanted:
        return {}, {}, []
    found = Image.objects.in_bulk(wanted)
    names = [name for image in found.values() for _w, _h, name in _jpegs(image)]
    sizes = dict(Rendition.objects.filter(file__in=names).values_list("file", "bytes")) if names else {}
    pictures = {pk: _picture(found[pk], sizes) for pk in dict.fromkeys(wanted) if pk in found}
    return found, pictures, [pk for pk in figure_ids(body) if pk not in found]


def _jpegs(image) -> list:
    return image.renditions_of("original").get("jpeg") or []


def _picture(image, sizes: dict[str, int]) -> WechatImage:
    """The JPEG rendition nearest IMAGE_WIDTH that WeChat takes (under 1 MB) once the worker
    made them, else the master, whose size the library knows."""
    by_width = sorted(_jpegs(image), key=lambda item: abs(item[0] - IMAGE_WIDTH))
    if by_width:
        light = [item for item in by_width if sizes.get(item[2], IMAGE_BYTES) < IMAGE_BYTES]
        name = (light or by_width)[0][2]
        size, fmt = sizes[name] if name in sizes else _stored_size(name), "jpeg"
    else:
        name, size, fmt = image.file.name, image.bytes, (image.format or "").lower()
    return WechatImage(image_id=image.pk, title=image.title, name=name, url=_absolute(default_storage.url(name)),
                       bytes=size, format=fmt)


def _stored_size(name: str) -> int | None:
    try:
        return default_storage.size(name)
    except (OSError, NotImplementedError):
        return None


def _absolute(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    return settings.NEWSROOM_SITE_URL.rstrip("/") + "/" + url.lstrip("/")


# --- the body


def is_wechat_link(url: str) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in {"http", "https"} and (parts.hostname or "") in WECHAT_HOSTS


class _BodyConverter(HTMLParser):
    """The sanitized body in the edition's shape: figures as a section with the picture's
    WeChat file and a caption paragraph, <b> as <strong>, and links other than to WeChat
    articles as their text with a footnote mark. Classes name the stylesheet's rules; they go
    once the styles are inlined."""

    RENAMED = {"b": "strong", "h2": 'h2 class="heading"', "h3": 'h3 class="subheading"'}

    def __init__(self, pictures: dict[int, WechatImage]):
        super().__init__(convert_charrefs=True)
        self.pictures = pictures
        self.out: list[str] = []
        self.footnotes: list[Footnote] = []
        self.link: str | None = None  # the href of the footnoted link being read
        self.link_text: list[str] = []
        self.kept_link = False  # inside a link to a WeChat article, kept as a link
        self.figure: WechatImage | None | bool = False  # False: outside a figure; None: picture gone

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self.figure = self.pictures.get(figure_image_id(attrs.get("data-image")))
            if self.figure is not None:
                self.out.append('<section class="figure">')
        elif self.figure is None:
            return  # the missing picture's caption goes with it
        elif tag == "img" and self.figure:
            self.out.append(f'<img class="figure-img" src="{html.escape(self.figure.url)}" '
                            f'alt="{html.escape(attrs.get("alt") or "")}">')
        elif tag == "figcaption":
            self.out.append('<p class="caption">')
        elif tag == "small":
            self.out.append('<span class="credit">')
        elif tag == "a":
            self._open_link(attrs.get("href") or "")
        elif tag == "br":
            self.out.append("<br>")
        else:
            self.out.append(f"<{self.RENAMED.get(tag, tag)}>")

    def handle_endtag(self, tag):
        if tag == "figure":
            if self.figure:
                self.out.append("</section>")
            self.figure = False
        elif self.figure is None:
            return
        elif tag == "figcaption":
            self.out.append("</p>")
        elif tag == "small":
            self.out.append("</span>")
        elif tag == "a":
            self._close_link()
        elif tag not in {"img", "br"}:
            self.out.append(f"</{self.RENAMED.get(tag, tag).split()[0]}>")

    def handle_data(self, data):
        if self.figure is None:
            return
        if self.link is not None:
            self.link_text.append(data)
        self.out.append(html.escape(data, quote=False))

    def _open_link(self, href: str):
        if is_wechat_link(href):
            self.out.append(f'<a href="{html.escape(href)}">')
            self.kept_link = True
        elif href:
            self.link, self.link_text = href, []

    def _close_link(self):
        if self.kept_link:
            self.out.append("</a>")
            self.kept_link = False
        if self.link is None:
            return
        number = self._footnote(" ".join("".join(self.link_text).split()), self.link)
        self.out.append(f'<sup class="note">[{number}]</sup>')
        self.link = None

    def _footnote(self, text: str, url: str) -> int:
        """The number of the URL's footnote: the same URL twice is one footnote."""
        for note in self.footnotes:
            if note.url == url:
                return note.number
        self.footnotes.append(Footnote(len(self.footnotes) + 1, text or url, url))
        return len(self.footnotes)


def convert_body(body: str, pictures: dict[int, WechatImage]) -> tuple[str, list[Footnote]]:
    converter = _BodyConverter(pictures)
    converter.feed(body)
    converter.close()
    return "".join(converter.out), converter.footnotes


# --- what WeChat keeps


class _Cleaner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []  # the kept elements open now, innermost last
        # The element being dropped with its content, and how deep inside elements of its own
        # name we are (other tags inside it need not be balanced: only its end matters).
        self.dropped_tag: str | None = None
        self.dropping = 0

    def handle_starttag(self, tag, attrs):
        if self.dropping:
            self.dropping += tag == self.dropped_tag
            return
        if tag in DROPPED_CONTENT_TAGS:
            self.dropped_tag, self.dropping = tag, 1
            return
        kept = _kept_attributes(tag, dict(attrs)) if tag in ALLOWED_TAGS else None
        if kept is None:
            return  # unwrapped: its content stays
        attributes = "".join(f' {name}="{attribute_value(value)}"' for name, value in kept)
        self.out.append(f"<{tag}{attributes}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        # <svg/>, <p/>: an element with nothing inside.
        if self.dropping or tag in DROPPED_CONTENT_TAGS:
            return
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self.open and self.open[-1] == tag:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.dropping:
            self.dropping -= tag == self.dropped_tag
            return
        if tag in self.open:
            while self.open:  # closes what was left open inside it, as a browser would
                inner = self.open.pop()
                self.out.append(f"</{inner}>")
                if inner == tag:
                    break

    def handle_data(self, data):
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))

    def close(self):
        super().close()
        self.out.extend(f"</{tag}>" for tag in reversed(self.open))
        self.open = []


def attribute_value(value: str) -> str:
    """A value between double quotes, escaped as HTML serializers write it (only & and "): the
    push finds each picture's src in the HTML by this very text to point it at WeChat's copy."""
    return value.replace("&", "&amp;").replace('"', "&quot;")


def _kept_attributes(tag: str, attrs: dict) -> list[tuple[str, str]] | None:
    """The attributes WeChat keeps of an allowed element; None to unwrap it (a link elsewhere
    than WeChat, a picture without an http(s) source)."""
    kept = []
    if tag == "a":
        if not is_wechat_link(attrs.get("href") or ""):
            return None
        kept.append(("href", attrs["href"]))
    if tag == "img":
        if urlsplit(attrs.get("src") or "").scheme not in {"http", "https"}:
            return None
        kept += [("src", attrs["src"]), ("alt", attrs.get("alt") or "")]
    style = clean_style(attrs.get("style") or "")
    if style:
        kept.append(("style", style))
    return kept


def clean_style(style: str) -> str:
    """The declarations of a style attribute WeChat keeps, in their order."""
    kept = []
    for item in tinycss2.parse_blocks_contents(style, skip_comments=True, skip_whitespace=True):
        if item.type != "declaration" or item.lower_name not in ALLOWED_PROPERTIES:
            continue
        value = tinycss2.serialize(item.value).strip()
        if value and not FORBIDDEN_VALUES.search(value):
            kept.append(f"{item.lower_name}: {value}{' !important' if item.important else ''}")
    return "; ".join(kept) + (";" if kept else "")


def wechat_clean(markup: str) -> str:
    """`markup` with only what WeChat keeps: ALLOWED_TAGS (others unwrapped, scripts and the
    like dropped whole), no class, id, data-* or event attribute, styles of
    ALLOWED_PROPERTIES only, links only to WeChat articles, pictures only over http(s)."""
    cleaner = _Cleaner()
    cleaner.feed(markup)
    cleaner.close()
    return "".join(cleaner.out).strip()


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS or tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def wechat_text(markup: str) -> str:
    """The edition as plain text: one paragraph a line."""
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).split("\n"))
    return "\n".join(line for line in lines if line)


# --- warnings


def field_limits(result: WechatArticle) -> list[tuple[str, str, int]]:
    """(label, value, limit) of the fields pasted beside the body."""
    return [(_("标题"), result.title, TITLE_CHARS), (_("作者"), result.author, AUTHOR_CHARS),
            (_("摘要"), result.digest, DIGEST_CHARS)]


def _refusals(result: WechatArticle, body: str) -> list[str]:
    warnings = [
        _("%(field)s有 %(count)d 个字，公众号最多 %(limit)d 个字，请删去 %(over)d 个字。")
        % {"field": field, "count": len(value), "limit": limit, "over": len(value) - limit}
        for field, value, limit in field_limits(result) if len(value) > limit
    ]
    if result.chars >= HTML_CHARS:
        warnings.append(_("正文 HTML 有 %(count)s 个字符，公众号要求少于 %(limit)s 个字符，请至少删去 %(over)s 个字符。%(longest)s")
                        % {"count": f"{result.chars:,}", "limit": f"{HTML_CHARS:,}",
                           "over": f"{result.chars - HTML_CHARS + 1:,}", "longest": _longest(body)})
    if result.bytes >= HTML_BYTES:
        warnings.append(_("正文 HTML 有 %(size)s，公众号要求小于 1 MB，请至少删去 %(over)s。%(longest)s")
                        % {"size": _size(result.bytes), "over": _size(result.bytes - HTML_BYTES + 1),
                           "longest": _longest(body)})
    for picture in result.images:
        warnings += _image_warnings(picture)
    return warnings


def _missing_warnings(missing: list[int]) -> list[str]:
    return [_("正文里的图片（编号 %(id)s）已不在图库中，公众号版里略去了它。") % {"id": pk} for pk in missing]


def _image_warnings(picture: WechatImage) -> list[str]:
    warnings = []
    if picture.format not in IMAGE_FORMATS:
        warnings.append(_("图片“%(title)s”是 %(format)s 格式，公众号只接受 JPEG 和 PNG，请换成 JPEG 或 PNG 格式的图片。")
                        % {"title": picture.title, "format": picture.format.upper() or _("未知")})
    if picture.bytes is None:
        warnings.append(_("图片“%(title)s”的文件不在存储里，无法上传到公众号。") % {"title": picture.title})
    elif picture.bytes >= IMAGE_BYTES:
        warnings.append(_("图片“%(title)s”有 %(size)s，公众号要求小于 1 MB，请压缩后再用。")
                        % {"title": picture.title, "size": _size(picture.bytes)})
    return warnings


def _longest(body: str) -> str:
    """The longest paragraphs, to say what to cut."""
    paragraphs = [(len(block["text"]), index, block["text"]) for index, block in
                  enumerate((b for b in html_to_blocks(body) if b["type"] == "paragraph"), start=1)]
    named = sorted(paragraphs, key=lambda item: (-item[0], item[1]))[:LONGEST_NAMED]
    if not named:
        return ""
    return _("最长的段落：%(list)s。") % {"list": "；".join(
        _("第 %(n)d 段“%(start)s…”（%(count)d 字）") % {"n": index, "start": text[:12], "count": count}
        for count, index, text in named
    )}


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.2f} MB"
    if count >= 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count} B"
