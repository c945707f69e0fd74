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
import hashlib
import logging
import posixpath
from urllib.parse import quote, unquote

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Min
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from articles.body import blocks_remembered, credit_line, figure_ids, html_to_blocks
from articles.models import Article
from newsroom.editions.models import PrintEdition, SiteInfo
from newsroom.editions.pages import page_images
from newsroom.freshness import content_changed
from newsroom.images.models import Image
from newsroom.models import Issue

logger = logging.getLogger(__name__)

STYLESHEET = "css/print-edition.css"
# A picture in print: the rendition nearest this width (about 300 dpi across a page's
# width), else the stored master.
PRINT_IMAGE_WIDTH = 1600
# No file we print is larger; a bigger one is refused rather than read into memory.
MAX_FETCH_BYTES = 40 * 1024 * 1024
WEEKDAYS = (gettext_lazy("星期一"), gettext_lazy("星期二"), gettext_lazy("星期三"), gettext_lazy("星期四"),
            gettext_lazy("星期五"), gettext_lazy("星期六"), gettext_lazy("星期日"))
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
    return _("%(date)s %(weekday)s") % {"date": chinese_day(day), "weekday": WEEKDAYS[day.weekday()]}


def chinese_day(day: datetime.date) -> str:
    return _("%(year)d年%(month)d月%(day)d日") % {"year": day.year, "month": day.month, "day": day.day}


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
    return {pk for article in articles for pk in figure_ids(article.body)}


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
        (_("主办单位"), site.sponsor),
        (_("编印单位"), site.publisher),
        (_("地址"), site.address),
        (_("邮编"), site.postcode),
        (_("电话"), site.phone),
        (_("电子邮箱"), site.email),
        (_("网址"), site.site_url()),
        (_("发送对象"), site.distribution),
        (_("印刷单位"), site.printer),
        (_("印数"), _("%(count)d份") % {"count": site.print_run} if site.print_run else ""),
        (_("印刷日期"), chinese_day(issue.date)),
    ]
    if site.internal and site.permit_number:
        rows.append((_("准印证号"), site.permit_number))
    return [(label, value) for label, value in rows if value]


def issue_print_html(issue, site, articles=None) -> str:
    """The issue as one HTML document for WeasyPrint. `articles` are those to print (the
    caller's published ones, with their lead images); by default the issue's published ones."""
    if articles is None:
        articles = printed_articles(issue)
    with blocks_remembered():  # each body parsed once, for its figures and for its blocks
        images = Image.objects.in_bulk(figure_image_ids(articles)) if articles else {}
        printed = [print_article(article, images) for article in articles]
    context = {
        "stylesheet": "static:" + STYLESHEET,
        "site": site,
        "issue": issue,
        "date_text": chinese_date(issue.date),
        "articles": printed,
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


# --- the run on the worker


def print_edition_make(issue_id: int, generation: int, *, retire=None) -> str:
    """Make the issue's print edition for request `generation`; returns the status it ends in
    ("ready", "failed", or "superseded" when a newer request took over).

    Renders the published articles of the published issue, draws the pages as pictures,
    stores the PDF and pictures under editions/<number>/<generation>-<sha12>/, and records
    them only if no newer request came meanwhile (else its own files go). A failed run
    leaves the previous edition's files and pages on the row, so the PDF made before stays
    reachable while the desk looks at the problem. The replaced files go through `retire`
    (newsroom.tasks.retire_files: a day later, for pages still cached), else once this commits.
    """
    if not _claim(issue_id, generation):
        return "superseded"
    issue = Issue.objects.published().filter(pk=issue_id).first()
    if issue is None:
        return _fail(issue_id, generation, _("这一期没有发布，不能生成印刷版。"))
    articles = printed_articles(issue)
    if not articles:
        # Every article printed before was withdrawn: the last edition must not stay readable.
        return _fail(issue_id, generation, _("这一期没有已发布的文章，不能生成印刷版。"), withdraw=True, retire=retire)
    site = SiteInfo.current()
    try:
        pdf, layout = render_pdf(issue_print_html(issue, site, articles))
        names, pages = _store(issue, generation, pdf, layout)
    except Exception as error:  # the worker must record any failure, never leave RENDERING
        logger.exception("print edition of issue %s failed", issue.number)
        return _fail(issue_id, generation, _("排版或保存出错：%(error)s") % {"error": f"{type(error).__name__}: {error}"})
    sources = {"articles": {str(article.pk): article.version for article in articles},
               "site_info": site.updated_at.isoformat() if site.updated_at else None}
    return _record(issue_id, generation, pdf_name=names[0], pdf_size=len(pdf), pages=pages, files=names,
                   sources=sources, retire=retire)


def printed_articles(issue) -> list:
    """The issue's published articles in print order, with their lead images: one query."""
    return list(
        Article.objects.published().filter(issue=issue).select_related("lead_image")
        .defer("search_text", "plain_text", "card_html").order_by("position", "id")
    )


def _claim(issue_id: int, generation: int) -> bool:
    """RENDERING, if the row still asks for this generation: one conditional UPDATE."""
    claimed = PrintEdition.objects.filter(issue_id=issue_id, generation=generation).update(
        status=PrintEdition.Status.RENDERING, started_at=timezone.now(),
    )
    return bool(claimed)


def _fail(issue_id: int, generation: int, problem: str, *, withdraw: bool = False, retire=None) -> str:
    """FAILED with the problem, if the row still asks for this generation. The last edition's
    files stay for readers, unless `withdraw`: then they go, and with them the 数字报 and PDF."""
    with transaction.atomic():
        edition = PrintEdition.objects.select_for_update().filter(issue_id=issue_id, generation=generation).first()
        if edition is None:
            return "superseded"
        withdrawn = edition_files(edition) if withdraw else []
        fields = {"status": PrintEdition.Status.FAILED, "problem": problem, "finished_at": timezone.now()}
        if withdrawn:
            fields.update(pdf="", pdf_size=0, page_count=0, pages=[])
        PrintEdition.objects.filter(pk=edition.pk).update(**fields)
        content_changed()  # the 数字报 shows only editions that are ready
        if withdrawn:
            if retire is not None:
                retire(withdrawn)
            else:
                transaction.on_commit(lambda: _delete(withdrawn))
    return "failed"


def next_due(issue_id: int) -> datetime.datetime | None:
    """When the issue's next article scheduled for later becomes readable: the edition,
    printed without it, must then be made again."""
    later = Article.objects.filter(issue_id=issue_id, status=Article.Status.PUBLISHED, publish_at__gt=timezone.now())
    return later.aggregate(due=Min("publish_at"))["due"]


def withdrawn_articles(edition: PrintEdition) -> list[int]:
    """The articles the edition printed that readers can no longer read (withdrawn, archived,
    scheduled for later, deleted): its PDF and page pictures still show them."""
    printed = {int(pk) for pk in (edition.sources or {}).get("articles", {})}
    if not printed:
        return []
    readable = set(Article.objects.published().filter(pk__in=printed).values_list("pk", flat=True))
    return sorted(printed - readable)


def edition_folder(number: int, generation: int, pdf: bytes) -> str:
    return f"editions/{number}/{generation}-{hashlib.sha256(pdf).hexdigest()[:12]}/"


def _store(issue, generation: int, pdf: bytes, layout: list[dict]) -> tuple[list[str], list[dict]]:
    """Save the PDF and the page pictures; (their names, the PDF's first; the pages' records)."""
    folder = edition_folder(issue.number, generation, pdf)
    names, pages = [], []
    try:
        names.append(default_storage.save(f"{folder}issue-{issue.number}.pdf", ContentFile(pdf)))
        for drawn, laid_out in zip(page_images(pdf), layout, strict=True):
            images, sizes = {}, {}
            for width, data in drawn["jpeg"].items():
                name = default_storage.save(f"{folder}page-{drawn['number']}-{width}.jpg", ContentFile(data))
                names.append(name)
                images[str(width)], sizes[str(width)] = name, list(drawn["size"][width])
            regions = laid_out["regions"]
            pages.append({
                "number": drawn["number"], "width": round(drawn["width"], 2), "height": round(drawn["height"], 2),
                "images": images, "image_size": sizes,
                "articles": list(dict.fromkeys(region["article"] for region in regions)), "regions": regions,
            })
    except Exception:
        # No row will ever name the files saved so far (the run fails): they go now.
        _delete(names)
        raise
    return names, pages


def edition_changes(edition: PrintEdition) -> list[str]:
    """What changed since the edition was printed, for 已过期 at the desk ([] when it
    still matches): the issue's published articles, their versions, the site information."""
    printed = (edition.sources or {}).get("articles", {})
    current = {str(pk): version for pk, version in
               Article.objects.published().filter(issue_id=edition.issue_id).values_list("pk", "version")}
    changes = []
    if set(printed) != set(current):
        changes.append(_("本期已发布的文章有增减"))
    if any(printed[pk] != version for pk, version in current.items() if pk in printed):
        changes.append(_("有文章修改过"))
    site = SiteInfo.current()
    if (site.updated_at.isoformat() if site.updated_at else None) != (edition.sources or {}).get("site_info"):
        changes.append(_("出版信息修改过"))
    return changes


def edition_files(edition: PrintEdition) -> list[str]:
    """The names of an edition's stored files: its PDF and every page picture."""
    names = [edition.pdf.name] if edition.pdf else []
    return names + [name for page in edition.pages or [] for name in page.get("images", {}).values()]


def _record(issue_id: int, generation: int, *, pdf_name: str, pdf_size: int, pages: list[dict], files: list[str],
            sources: dict, retire) -> str:
    with transaction.atomic():
        edition = PrintEdition.objects.select_for_update().filter(issue_id=issue_id).first()
        if edition is None or edition.generation != generation:
            transaction.on_commit(lambda: _delete(files))
            return "superseded"
        replaced = edition_files(edition)
        edition.status = PrintEdition.Status.READY
        edition.pdf.name, edition.pdf_size = pdf_name, pdf_size
        edition.page_count, edition.pages, edition.sources = len(pages), pages, sources
        edition.finished_at, edition.problem = timezone.now(), ""
        edition.save(update_fields=["status", "pdf", "pdf_size", "page_count", "pages", "sources", "finished_at", "problem"])
        content_changed()
        if replaced:
            if retire is not None:
                retire(replaced)
            else:
                transaction.on_commit(lambda: _delete(replaced))
    return "ready"


def _delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def delete_files_of_edition(sender, instance, **kwargs):
    """post_delete (its issue deleted): the edition's PDF and page pictures go once the
    deletion commits (a rollback keeps them); no other row names them."""
    names = edition_files(instance)
    if names:
        transaction.on_commit(lambda: _delete(names))
