"""The front page: the start of the newest issue and the latest articles; and the site's feed."""
from django.shortcuts import render
from django.urls import path
from django.utils.html import format_html_join

from articles.models import Article
from newsroom.models import Issue
from newsroom.site.counts import cached
from newsroom.site.feeds import LatestFeed
from newsroom.site.pagination import paginate
from zones.models import Zone

HOME_LATEST = 10
# The front page shows the start of the newest issue; the issue page has the rest.
HOME_ISSUE_ARTICLES = 12


def _zones_of(issue, request) -> tuple[list[Zone], str]:
    """The zones that the issue's published articles name, by slug, and their links as the
    page lists them.

    Kept under the content version like the counts (newsroom.site.counts): it reads every
    mention of a whole issue, which grows with the issue, and any publication, mention or
    zone rename moves the version on. The links are kept rendered with them: a big issue
    names 60 zones and more, a reverse() and a template loop iteration each.
    """

    def compute():
        articles = Article.objects.cards().filter(issue=issue).values("pk")
        zones = list(Zone.objects.filter(mentions__article__in=articles).distinct().order_by("slug"))
        links = format_html_join("", '<li><a href="{}">{}</a></li>', ((z.get_absolute_url(), z.name) for z in zones))
        return zones, links

    return cached(f"issue-zones:{issue.pk}", compute, request=request)


def home(request):
    issue = Issue.objects.published().first()
    # One row more than shown tells whether to link to the rest, without counting them.
    issue_articles = list(Article.objects.issue_cards(issue)[: HOME_ISSUE_ARTICLES + 1]) if issue else []
    zones, zone_links = _zones_of(issue, request) if issue_articles else ([], "")
    context = {
        "issue": issue,
        "issue_articles": issue_articles[:HOME_ISSUE_ARTICLES],
        "issue_has_more": len(issue_articles) > HOME_ISSUE_ARTICLES,
        "issue_zones": zones,
        "issue_zone_links": zone_links,
        "page_obj": paginate(request, Article.objects.latest_cards(), per_page=HOME_LATEST, count_key="published"),
    }
    return render(request, "newsroom/home.html", context)


urlpatterns = [
    path("", home, name="home"),
    path("feed/", LatestFeed(), name="feed"),
]
