"""Public pages owned by the newsroom app: home, the issue archive, reporters, and ops."""
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from articles.public import article_cards, latest_article_cards, paginate, published_count
from newsroom.models import Issue, Reporter
from zones.models import Zone

ISSUES_PER_PAGE = 24
HOME_LATEST = 10
# The front page shows the start of the newest issue; the issue page has the rest.
HOME_ISSUE_ARTICLES = 12
ISSUE_ARTICLES_PER_PAGE = 100


def _issue_contents(issue):
    return article_cards().filter(issue=issue).order_by("position", "id")


def _zones_of(issue) -> list[Zone]:
    """Zones that the issue's published articles name, however many articles it has."""
    articles = article_cards().filter(issue=issue).values("pk")
    return list(Zone.objects.filter(mentions__article__in=articles).distinct().order_by("slug"))


def home(request):
    issue = Issue.objects.published().first()
    # One row more than shown tells whether to link to the rest, without counting them.
    issue_articles = list(_issue_contents(issue)[: HOME_ISSUE_ARTICLES + 1]) if issue else []
    context = {
        "issue": issue,
        "issue_articles": issue_articles[:HOME_ISSUE_ARTICLES],
        "issue_has_more": len(issue_articles) > HOME_ISSUE_ARTICLES,
        "issue_zones": _zones_of(issue) if issue_articles else [],
        "page_obj": paginate(request, latest_article_cards(), per_page=HOME_LATEST),
    }
    return render(request, "newsroom/home.html", context)


def issue_archive(request):
    issues = Issue.objects.published().annotate(article_count=published_count("issue"))
    context = {"page_obj": paginate(request, issues.order_by("-number"), per_page=ISSUES_PER_PAGE)}
    return render(request, "newsroom/issue_archive.html", context)


def issue_detail(request, number):
    issue = get_object_or_404(Issue.objects.published(), number=number)
    page_obj = paginate(request, _issue_contents(issue), per_page=ISSUE_ARTICLES_PER_PAGE)
    context = {"issue": issue, "articles": page_obj.object_list, "page_obj": page_obj}
    return render(request, "newsroom/issue_detail.html", context)


def reporter_detail(request, slug):
    reporter = get_object_or_404(Reporter, slug=slug)
    articles = latest_article_cards().filter(bylines__reporter=reporter)
    page_obj = paginate(request, articles)
    # A reporter known only from drafts must not be revealed by their page.
    if not page_obj.paginator.count:
        raise Http404
    return render(request, "newsroom/reporter_detail.html", {"reporter": reporter, "page_obj": page_obj})


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_GET
def healthz(request):
    """200 "ok" when the database answers a query, else 503, for load balancers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
