"""Reporter pages: a reporter's published articles."""
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path

from articles.models import Article
from newsroom.models import Reporter
from newsroom.site.pagination import paginate

app_name = "reporters"


def reporter_detail(request, slug):
    reporter = get_object_or_404(Reporter.objects.select_related("photo"), slug=slug)
    articles = Article.objects.latest_cards().filter(bylines__reporter=reporter)
    page_obj = paginate(request, articles, count_key=f"reporter:{reporter.pk}")
    # A reporter known only from drafts must not be revealed by their page.
    if not page_obj.paginator.count:
        raise Http404
    return render(request, "newsroom/reporter_detail.html", {"reporter": reporter, "page_obj": page_obj})


# Namespaced, because Reporter.get_absolute_url() reverses reporters:detail.
urlpatterns = [path("<slug:slug>/", reporter_detail, name="detail")]
