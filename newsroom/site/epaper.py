"""数字报: an issue's printed pages as images with clickable articles, its PDF, and the calendar of back issues.

The print edition (newsroom.editions.printing) stores each page's images and the rectangles
its articles cover; these views only read that row. PrintEdition.objects.ready() is the
edition's visibility rule (ready, and its issue published); the articles behind the regions
go through Article.objects.published() as well, so an article withdrawn after printing keeps
its place in the image but is neither clickable nor listed.
"""
import calendar
import datetime
from urllib.parse import quote

from django.core.files.storage import default_storage
from django.db.models import Max, Min, Q
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.models import Article
from newsroom.editions.models import PrintEdition, SiteInfo
from newsroom.links import link

app_name = "epaper"

IMAGE_WIDTHS = ("800", "1600")
WEEKDAYS = (gettext_lazy("周一"), gettext_lazy("周二"), gettext_lazy("周三"), gettext_lazy("周四"), gettext_lazy("周五"),
            gettext_lazy("周六"), gettext_lazy("周日"))


def ready_edition(number: int) -> PrintEdition:
    """The ready edition of published issue `number`, or a 404. The page list is needed, the
    run's bookkeeping is not."""
    edition = (
        PrintEdition.objects.ready().select_related("issue").defer("sources", "problem", "issue__source_text")
        .filter(issue__number=number).first()
    )
    if edition is None:
        raise Http404(_("这一期没有数字报。"))
    return edition


def neighbours(edition: PrintEdition) -> tuple[int | None, int | None]:
    """The numbers of the previous and the next issue that have a ready edition, in one query."""
    number = edition.issue.number
    found = PrintEdition.objects.ready().aggregate(
        previous=Max("issue__number", filter=Q(issue__number__lt=number)),
        next=Min("issue__number", filter=Q(issue__number__gt=number)),
    )
    return found["previous"], found["next"]


def readable_articles(edition: PrintEdition) -> dict[int, Article]:
    """The edition's articles a reader may open, by id: one query for every page."""
    ids = {article for page in edition.pages for article in page.get("articles", [])}
    ids |= {region["article"] for page in edition.pages for region in page.get("regions", [])}
    rows = Article.objects.published().filter(pk__in=ids).only("id", "slug", "headline")
    return {article.pk: article for article in rows}


def page_image(page: dict) -> dict:
    """The page's picture: URLs and pixel sizes of both widths, for src, srcset and 放大."""
    images, sizes = page.get("images", {}), page.get("image_size", {})
    urls = {width: default_storage.url(images[width]) for width in IMAGE_WIDTHS if width in images}
    small = IMAGE_WIDTHS[0] if IMAGE_WIDTHS[0] in urls else IMAGE_WIDTHS[-1]
    return {
        "src": urls.get(small, ""),
        "full": urls.get(IMAGE_WIDTHS[-1], urls.get(small, "")),
        "srcset": ", ".join(f"{url} {width}w" for width, url in urls.items()),
        "width": sizes.get(small, [0, 0])[0],
        "height": sizes.get(small, [0, 0])[1],
    }


def page_regions(page: dict, articles: dict[int, Article]) -> list[dict]:
    """Each region of a readable article as percentages of the page, origin top-left.

    An article running across columns has a region a column; only its first is a tab stop,
    so the keyboard meets each article once (the mouse and a finger still find every part)."""
    regions, seen = [], set()
    for region in page.get("regions", []):
        if region.get("article") not in articles:
            continue
        box = {key: round(region[key] * 100, 3) for key in ("x", "y", "w", "h")}
        regions.append({"article": articles[region["article"]], "first": region["article"] not in seen, **box})
        seen.add(region["article"])
    return regions


def page_link(number: int, page: int) -> str:
    if page == 1:
        return link("epaper:page", number=number)
    return link("epaper:page_n", number=number, page=page)


def page_view(request, number, page=1):
    edition = ready_edition(number)
    pages = edition.pages or []
    if not 1 <= page <= len(pages):
        raise Http404(_("这一期没有这一版。"))
    articles = readable_articles(edition)
    current = pages[page - 1]
    previous_issue, next_issue = neighbours(edition)
    context = {
        "edition": edition,
        "issue": edition.issue,
        "page_number": page,
        # Page 1 has two addresses; the short one is the page's own.
        "canonical_path": page_link(number, page),
        "page_count": len(pages),
        "image": page_image(current),
        "regions": page_regions(current, articles),
        "page_articles": [articles[pk] for pk in dict.fromkeys(current.get("articles", [])) if pk in articles],
        "page_list": [
            {"number": n, "url": page_link(number, n), "image": page_image(p)} for n, p in enumerate(pages, start=1)
        ],
        "previous_page_url": page_link(number, page - 1) if page > 1 else None,
        "next_page_url": page_link(number, page + 1) if page < len(pages) else None,
        "previous_issue": previous_issue,
        "next_issue": next_issue,
    }
    return render(request, "epaper/page.html", context)


def archive_year(request, years: list[int]) -> int | None:
    """The year asked for in ?year= if an edition falls in it; otherwise the newest such year."""
    asked = request.GET.get("year", "")
    if asked.isascii() and asked.isdigit() and int(asked) in years:
        return int(asked)
    return years[0] if years else None


def month_grids(year: int, editions: dict[datetime.date, int]) -> list[dict]:
    """Twelve months, Monday first, each a list of weeks of (day, issue number or None); days of
    the neighbouring months are None."""
    weeks_of = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar
    return [
        {
            "month": month,
            "weeks": [
                [(day, editions.get(day)) if day.month == month else None for day in week]
                for week in weeks_of(year, month)
            ],
        }
        for month in range(1, 13)
    ]


def archive(request):
    ready = PrintEdition.objects.ready()
    years = [day.year for day in ready.dates("issue__date", "year", order="DESC")]
    year = archive_year(request, years)
    newest = ready.select_related("issue").only("issue__number", "issue__date", "issue__title", "page_count", "pages")
    newest = newest.order_by("-issue__number").first()
    editions = {}
    if year is not None:
        rows = ready.filter(issue__date__year=year).order_by("issue__number").values_list("issue__date", "issue__number")
        # Two issues on one day (rare): the day links to the first.
        for day, number in rows:
            editions.setdefault(day, number)
    context = {
        "canonical_path": link("epaper:archive") + (f"?year={year}" if year is not None and year != years[0] else ""),
        "year": year,
        "years": years,
        "newest": newest,
        "newest_front": page_image(newest.pages[0]) if newest and newest.pages else None,
        "months": month_grids(year, editions) if year is not None else [],
        "weekdays": WEEKDAYS,
    }
    return render(request, "epaper/archive.html", context)


def pdf_filename(edition: PrintEdition) -> str:
    return f"{SiteInfo.current().name}-{edition.issue}.pdf"


def pdf(request, number):
    edition = ready_edition(number)
    if not edition.pdf:
        raise Http404(_("这一期没有PDF。"))
    try:
        stream = default_storage.open(edition.pdf.name, "rb")
    except OSError as exc:
        raise Http404(_("这一期没有PDF。")) from exc
    response = FileResponse(stream, content_type="application/pdf")
    # RFC 6266/5987: the name is Chinese, so only the extended parameter can carry it.
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(pdf_filename(edition))}"
    return response


def edition_links(issue) -> dict | None:
    """The 数字报 and PDF links of an issue whose edition is ready, for the issue page; the edition
    must have come with the issue (select_related), so this costs no query."""
    try:
        edition = issue.print_edition
    except PrintEdition.DoesNotExist:
        return None
    if not edition.readable:
        return None
    return {
        "epaper": link("epaper:page", number=issue.number),
        "pdf": link("epaper:pdf", number=issue.number),
        "pdf_size": edition.pdf_size,
    }


urlpatterns = [
    path("", archive, name="archive"),
    path("<int:number>/", page_view, name="page"),
    path("<int:number>/<int:page>/", page_view, name="page_n"),
    path("<int:number>/pdf/", pdf, name="pdf"),
]
