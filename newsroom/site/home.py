"""The front page: the start of the newest issue and the latest articles; and the site's feed."""
from django.shortcuts import render
from django.urls import path

from articles.models import Article
from newsroom.models import Issue
from newsroom.site.counts import cached
from newsroom.site.feeds import LatestFeed
from newsroom.site.pagination import paginate
from zones.models import Zone

HOME_LATEST = 10
# The front page shows the start of the newest issue; the issue page has the rest.
HOME_ISSUE_ARTICLES = 12


def _zones_of(issue, request) -> list[Zone]:
    """The zones that the issue's published articles name, by slug, each with its `url`.

    Kept under the content version like the counts (newsroom.site.counts): it reads every
    mention of a whole issue, which grows with the issue, and any publication, mention or
    zone rename moves the version on. The URLs are kept with them, so that a front page
    reverses none of them.
    """

    def compute():
        articles = Article.objects.cards().filter(issue=issue).values("pk")
        zones = list(Zone.objects.filter(mentions__article__in=articles).distinct().order_by("slug"))
        for zone in zones:
            zone.url = zone.get_absolute_url()
        return zones

    return cached(f"issue-zones:{issue.pk}", compute, request=request)


def home(request):
    issue = Issue.objects.published().first()
    # One row more than shown tells whether to link to the rest, without counting them.
    issue_articles = list(Article.objects.issue_cards(issue)[: HOME_ISSUE_ARTICLES + 1]) if issue else []
    context = {
        "issue": issue,
        "issue_articles": issue_articles[:HOME_ISSUE_ARTICLES],
        "issue_has_more": len(issue_articles) > HOME_ISSUE_ARTICLES,
        "issue_zones": _zones_of(issue, request) if issue_articles else [],
        "page_obj": paginate(request, Article.objects.latest_cards(), per_page=HOME_LATEST, count_key="published"),
    }
    return render(request, "newsroom/home.html", context)


urlpatterns = [
    path("", home, name="home"),
    path("feed/", LatestFeed(), name="feed"),
]
