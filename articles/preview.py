"""Preview: staff see drafts, scheduled articles and unpublished issues as readers will.

The pages render the public templates with the public context, plus a 预览 banner and
`noindex`. Everyone else gets a 404, so a preview URL reveals nothing.
"""
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path

from articles import workflow
from articles.models import Article, Byline
from articles.public import excerpt, related_articles
from articles.views import news_article_json_ld
from newsroom.models import Issue

app_name = "preview"


def _require_staff(request) -> None:
    if not (request.user.is_active and request.user.is_staff):
        raise Http404


def _articles():
    bylines = Prefetch("bylines", queryset=Byline.objects.select_related("reporter").order_by("position", "id"))
    return (
        Article.objects.select_related("issue")
        .defer("search_text", "issue__source_text")
        .prefetch_related(bylines, "zones", "tags")
    )


def article_preview(request, pk: int):
    _require_staff(request)
    article = get_object_or_404(_articles(), pk=pk)
    context = {
        "article": article,
        "related": related_articles(article),
        "description": excerpt(article, length=150),
        "structured_data": news_article_json_ld(request, article),
        "preview_state": workflow.status_label(article),
    }
    return render(request, "preview/article_detail.html", context)


def issue_preview(request, number: int):
    _require_staff(request)
    issue = get_object_or_404(Issue, number=number)
    articles = _articles().filter(issue=issue).exclude(status=Article.Status.ARCHIVED).order_by("position", "id")
    context = {
        "issue": issue,
        "articles": list(articles),
        "preview_state": issue.get_status_display(),
        # Cards link to the previews: the public pages of unpublished articles are 404s.
        "preview": True,
    }
    return render(request, "preview/issue_detail.html", context)


urlpatterns = [
    path("articles/<int:pk>/", article_preview, name="article"),
    path("issues/<int:number>/", issue_preview, name="issue"),
]
