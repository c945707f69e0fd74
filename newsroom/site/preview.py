"""Preview: staff see drafts, scheduled articles and unpublished issues as readers will.

The pages render the public templates with the public context, plus a 预览 banner and
`noindex`. Signed-out visitors are sent to sign in first (an editor following a link
from a message or a chat lands on the page after signing in); a signed-in account that is
not at the desk gets a 404, so a preview URL reveals nothing.
"""
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse

from articles import workflow
from articles.models import Article
from newsroom.desk import is_desk_user
from newsroom.models import Issue
from newsroom.site.articles import article_page_context

app_name = "preview"


def desk_only(view):
    """Signed out: the admin sign-in, back here afterwards. Signed in but not at the desk: 404."""

    def wrapper(request, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not is_desk_user(request.user):
            raise Http404
        return view(request, **kwargs)

    return wrapper


@desk_only
def article_preview(request, pk: int):
    article = get_object_or_404(Article.objects.for_article_page(), pk=pk)
    context = {**article_page_context(request, article), "preview_state": workflow.status_label(article)}
    return render(request, "preview/article_detail.html", context)


@desk_only
def issue_preview(request, number: int):
    issue = get_object_or_404(Issue, number=number)
    articles = Article.objects.for_article_page().filter(issue=issue).exclude(status=Article.Status.ARCHIVED).order_by("position", "id")
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
