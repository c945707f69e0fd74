"""The print edition: an issue as a newspaper PDF (WeasyPrint), and the pages of the 数字报.

The worker runs print_edition_make(); nothing here runs in a request. The PDF is made from
templates/print/issue.html and one stylesheet, static/css/print-edition.css. WeasyPrint
reads only our own files: the stylesheet and the pictures, by private `static:` and `media:`
URLs that OwnFilesFetcher serves from the static files and the media storage; every other
URL (the web, file:, data:) is refused, so an article cannot make the renderer read a file
of the server or call another host.

Each article's blocks sit inside one block-level link to its public page. WeasyPrint records
a rectangle for every box of that link on every page; those are merged into one region per
article per page (the article's band across the columns), which the 数字报 makes clickable.
"""
import datetime
import posixpath
from urllib.parse import quote, unquote

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from articles.body import credit_line, html_to_blocks
from articles.models import Article
from newsroom.images.models import Image

STYLESHEET = "css/print-edition.css"
# A picture in print: the rendition nearest this width (about 300 dpi across a page's
# width), else the stored master.
PRINT_IMAGE_WIDTH = 1600
# No file we print is larger; a bigger one is refused rather than read into memory.
MAX_FETCH_BYTES = 40 * 1024 * 1024
WEEKDAYS = "一二三四五六日"
MIME_TYPES = {
    ".css": "text/css", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
    ".webp": "image/webp", ".gif": "image/gif", ".avif": "image/avif", ".svg": "image/svg+xml",
}


class FetchRefused(ValueError):
    """A URL the renderer may not read; WeasyPrint skips the resource and goes on."""


class OwnFilesFetcher(URLFetcher):
    """Serves `static:<path>` from the static files and `media:<name>` from the media
    storage (local or S3 alike); refuses everything else."""

    def fetch(self, url, headers=None):
        scheme, _colon, rest = url.partition(":")
        name = unquote(rest)
        if scheme not in {"static", "media"} or not _safe_name(name):
            raise FetchRefused(f"not one of our files: {url[:200]}")
        data = _static_bytes(name) if scheme == "static" else _media_bytes(name)
        mime = MIME_TYPES.get(posixpath.splitext(name)[1].lower(), "application/octet-stream")
        return URLFetcherResponse(url, data, {"Content-Type": mime})


def _safe_name(name: str) -> bool:
    """A relative path inside its root: no "..", no absolute path, no backslash or NUL."""
    if not name or name.startswith("/") or "\\" in name or "\x00" in name:
        return False
    return posixpath.normpath(name) == name and not name.startswith("..")


def _static_bytes(name: str) -> bytes:
    # The finders know the source files (a development or test checkout); a deployment has
    # them collected in STATIC_ROOT instead.
    path = finders.find(name)
    if path:
        with open(path, "rb") as handle:
            return _bounded(handle)
    with staticfiles_storage.open(name) as handle:
        return _bounded(handle)


def _media_bytes(name: str) -> bytes:
    with default_storage.open(name) as handle:
        return _bounded(handle)


def _bounded(handle) -> bytes:
    data = handle.read(MAX_FETCH_BYTES + 1)
    if len(data) > MAX_FETCH_BYTES:
        raise FetchRefused("file too large to print")
    return data


def media_url(name: str) -> str:
    return "media:" + quote(name)


# --- the HTML


def chinese_date(day: datetime.date) -> str:
    """2026年11月29日 星期日, as a masthead prints the date."""
    return f"{day.year}年{day.month}月{day.day}日 星期{WEEKDAYS[day.weekday()]}"


def article_url(article) -> str:
    return settings.NEWSROOM_SITE_URL.rstrip("/") + article.get_absolute_url()


def print_image(image: Image | None, *, caption: str = "", credit: str = "") -> dict | None:
    """A picture as print shows it: its 1600-wide original-shape JPEG once made, else the master."""
    if image is None:
        return None
    jpeg = image.renditions_of("original").get("jpeg")
    if jpeg:
        width, height, name = min(jpeg, key=lambda item: abs(item[0] - PRINT_IMAGE_WIDTH))
    else:
        width, height, name = image.width, image.height, image.file.name
    return {"src": media_url(name), "alt": image.alt, "width": width, "height": height,
            "caption": caption, "credit": credit}


def print_blocks(body: str, images: dict[int, Image]) -> list[dict]:
    """The body as print blocks: paragraphs, section heads with their subtitles, figures.

    Print takes the body's text, never its HTML: no markup or URL of a body reaches the
    renderer. A figure's picture comes from the library by its id; one whose image is gone
    keeps its caption."""
    blocks = []
    for block in html_to_blocks(body):
        if block["type"] == "figure":
            image = images.get(block["image"])
            credit = credit_line(block.get("credit", ""))
            figure = print_image(image, caption=block.get("caption", ""), credit=credit)
            block = {"type": "figure", "figure": figure or {"caption": block.get("caption", ""), "credit": credit}}
        blocks.append(block)
    return blocks


def figure_image_ids(articles) -> set[int]:
    return {block["image"] for article in articles for block in html_to_blocks(article.body)
            if block["type"] == "figure"}


def print_article(article, images: dict[int, Image]) -> dict:
    lead = article.lead_image
    return {
        "id": article.pk,
        "url": article_url(article),
        "kicker": article.kicker,
        "headline": article.headline,
        "subheadline": article.subheadline,
        "credits": [f"{credit.role_label} {credit.name}" if credit.shows_role else credit.name
                    for credit in article.credits],
        "dateline": article.dateline,
        "standfirst": article.standfirst,
        "lead": print_image(lead, caption=lead.caption, credit=credit_line(lead.credit)) if lead else None,
        "blocks": print_blocks(article.body, images),
    }


def colophon_rows(site, issue) -> list[tuple[str, str]]:
    """The 报尾: who prints the paper, for whom, where, how many; only the filled lines.
    An internal publication's rules ask for the 编印单位, 发送对象, 印刷单位, 印刷日期, 印数 and
    the 准印证号 again; a public paper prints its 主办单位, address and contact."""
    rows = [
        ("主办单位", site.sponsor),
        ("编印单位", site.publisher),
        ("地址", site.address),
        ("邮编", site.postcode),
        ("电话", site.phone),
        ("电子邮箱", site.email),
        ("网址", site.website or settings.NEWSROOM_SITE_URL),
        ("发送对象", site.distribution),
        ("印刷单位", site.printer),
        ("印数", f"{site.print_run}份" if site.print_run else ""),
        ("印刷日期", f"{issue.date.year}年{issue.date.month}月{issue.date.day}日"),
    ]
    if site.internal and site.permit_number:
        rows.append(("准印证号", site.permit_number))
    return [(label, value) for label, value in rows if value]


def issue_print_html(issue, site, articles=None) -> str:
    """The issue as one HTML document for WeasyPrint. `articles` are those to print (the
    caller's published ones, with their lead images); by default the issue's published ones."""
    if articles is None:
        articles = list(Article.objects.published().filter(issue=issue).select_related("lead_image")
                        .order_by("position", "id"))
    images = Image.objects.in_bulk(figure_image_ids(articles)) if articles else {}
    date_text = chinese_date(issue.date)
    context = {
        "stylesheet": "static:" + STYLESHEET,
        "site": site,
        "issue": issue,
        "date_text": date_text,
        "articles": [print_article(article, images) for article in articles],
        "colophon": colophon_rows(site, issue),
    }
    return render_to_string("print/issue.html", context)


# --- the PDF


def render_pdf(html: str) -> tuple[bytes, list[dict]]:
    """(the PDF, one entry per page: its size in points and the regions of its articles).

    A region is {"article": id, "x", "y", "w", "h"} in fractions of the page, origin top
    left; an article's ids come from the data-article of its link."""
    document = HTML(string=html, base_url="static:", url_fetcher=OwnFilesFetcher()).render()
    pages = [page_regions(page) for page in document.pages]
    return document.write_pdf(), pages


def page_regions(page) -> dict:
    rects_by_url: dict[str, list[tuple]] = {}
    ids: dict[str, int] = {}
    for kind, target, rect, box in page.links:
        if kind != "external":
            continue
        rects_by_url.setdefault(target, []).append(rect)
        article_id = getattr(box, "element", None) is not None and box.element.get("data-article")
        if article_id and article_id.isdigit():
            ids[target] = int(article_id)
    regions = []
    for target, rects in rects_by_url.items():
        if target not in ids:
            continue  # a link that is not an article's
        for x0, y0, x1, y1 in merge_rects(rects):
            regions.append({
                "article": ids[target],
                "x": round(x0 / page.width, 5), "y": round(y0 / page.height, 5),
                "w": round((x1 - x0) / page.width, 5), "h": round((y1 - y0) / page.height, 5),
            })
    return {"width": page.width * 0.75, "height": page.height * 0.75, "regions": regions}


# Rectangles of one article this close (in CSS px) vertically, in the same column, are one.
MERGE_GAP = 2


def merge_rects(rects: list[tuple]) -> list[tuple]:
    """The rectangles of one link on one page as few as cover them: those inside another
    go, and those stacked in the same column (the lines of an inline link) join."""
    rects = sorted({tuple(rect) for rect in rects}, key=lambda r: (r[0], r[1], -(r[2] - r[0]), -(r[3] - r[1])))
    outer = [r for r in rects if not any(o != r and _contains(o, r) for o in rects)]
    merged: list[list] = []
    for x0, y0, x1, y1 in sorted(outer, key=lambda r: (r[0], r[2], r[1])):
        last = merged[-1] if merged else None
        if last and last[0] == x0 and last[2] == x1 and y0 <= last[3] + MERGE_GAP:
            last[3] = max(last[3], y1)
        else:
            merged.append([x0, y0, x1, y1])
    return [tuple(rect) for rect in merged]


def _contains(outer: tuple, inner: tuple) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2] and outer[3] >= inner[3]
