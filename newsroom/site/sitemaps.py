"""The sitemap: an index of paged sections (published articles, issues, and the pages that
list them); and robots.txt."""
from django.contrib.sitemaps import Sitemap, views
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.urls import path, reverse
from django.views.decorators.http import require_GET
from taggit.models import Tag

from articles.models import Article
from articles.topics import tag_url
from newsroom.models import Issue, Reporter
from newsroom.site.counts import cached
from zones.models import Zone

# URLs a sitemap page lists. The protocol allows 50,000, but a page's cost is its rows (on
# SQLite each URL's slug and date are read from a row, past the body): a thousand keeps a page
# about as cheap as any other page of the site.
PAGE_SIZE = 1000


class ArchiveSitemap(Sitemap):
    """One section of the sitemap, in pages of at most PAGE_SIZE URLs, counted once per version.

    Made per request (sitemap_index and sitemap_section), so that its count reads the
    content version the request already has.
    """

    limit = PAGE_SIZE

    def __init__(self, request=None):
        self.request = request

    @property
    def paginator(self):
        items = self._items()
        paginator = Paginator(items, self.limit)
        key = f"sitemap:{type(self).__name__}"
        paginator.count = cached(key, lambda: Paginator(items, self.limit).count, request=self.request)
        return paginator

    def get_latest_lastmod(self):
        # The index lists sections without a date: the latest over a section reads every row
        # of it, and each section page gives every URL's own date.
        return None


def _tally(request, key: str, lookup: str) -> dict:
    """{row id: published articles} for zones, reporters or topics; the zone directory shares it."""
    return cached(key, lambda: Article.objects.published_tally(lookup), request=request)


class ArticleSitemap(ArchiveSitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        # Only what a <url> entry needs: the link and the date. Oldest first, in the visibility
        # index's order: a new article joins the last page, and earlier pages stay as they were.
        return Article.objects.published().only("pk", "slug", "updated_at").order_by("publish_at", "id")

    def lastmod(self, item):
        return item.updated_at


class IssueSitemap(ArchiveSitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return Issue.objects.published().order_by("-number")

    def lastmod(self, item):
        return item.updated_at


class ZoneSitemap(ArchiveSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        # Only rows a published article points at: no empty or draft-only pages.
        return Zone.objects.filter(pk__in=list(_tally(self.request, "zones", "zones"))).order_by("pk")


class ReporterSitemap(ArchiveSitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        ids = list(_tally(self.request, "reporters", "bylines__reporter"))
        return Reporter.objects.filter(pk__in=ids).order_by("pk")


class TagSitemap(ArchiveSitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        # A topic whose slug no URL can carry is left out rather than failing the sitemap.
        tags = Tag.objects.filter(pk__in=list(_tally(self.request, "tags", "tags"))).order_by("pk")
        return [tag for tag in tags if tag_url(tag)]

    def location(self, item):
        return tag_url(item)


class SectionSitemap(ArchiveSitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["home", "issues:archive", "zones:index"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "sections": SectionSitemap,
    "articles": ArticleSitemap,
    "issues": IssueSitemap,
    "zones": ZoneSitemap,
    "reporters": ReporterSitemap,
    "tags": TagSitemap,
}


def _sitemaps(request) -> dict:
    return {name: sitemap(request) for name, sitemap in SITEMAPS.items()}


def sitemap_index(request):
    """/sitemap.xml: the index of the sections' pages (the protocol caps a file at 50,000 URLs)."""
    return views.index(request, _sitemaps(request), sitemap_url_name="sitemap-section")


def sitemap_section(request, section):
    """/sitemap-<section>.xml?p=<page>; a section or page that does not exist is a 404."""
    return views.sitemap(request, _sitemaps(request), section=section)


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("sitemap.xml", sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemap_section, name="sitemap-section"),
    path("robots.txt", robots_txt, name="robots"),
]
