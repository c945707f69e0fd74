"""The sitemap: published articles and issues, and the pages that list them; and robots.txt."""
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.http import HttpResponse
from django.urls import path, reverse
from django.views.decorators.http import require_GET
from taggit.models import Tag

from articles.models import Article
from articles.topics import tag_url
from newsroom.models import Issue, Reporter
from zones.models import Zone


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        # Only what a <url> entry needs: the link and the date.
        return Article.objects.published().only("pk", "slug", "updated_at").order_by("-publish_at", "-id")

    def lastmod(self, item):
        return item.updated_at


class IssueSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return Issue.objects.published().order_by("-number")

    def lastmod(self, item):
        return item.updated_at


def _with_published_articles(queryset, lookup: str):
    """Rows that at least one published article points at (no empty, draft-only pages)."""
    published = Article.objects.published().values(lookup)
    return queryset.filter(pk__in=published).order_by("pk")


class ZoneSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return _with_published_articles(Zone.objects.all(), "zones")


class ReporterSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        return _with_published_articles(Reporter.objects.all(), "bylines__reporter")


class TagSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        # A topic whose slug no URL can carry is left out rather than failing the sitemap.
        return [tag for tag in _with_published_articles(Tag.objects.all(), "tags") if tag_url(tag)]

    def location(self, item):
        return tag_url(item)


class SectionSitemap(Sitemap):
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
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
]
