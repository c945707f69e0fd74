"""Issue pages: the archive of published issues, and one issue's articles in print order."""
from django.shortcuts import get_object_or_404, render
from django.urls import path

from articles.models import Article
from newsroom.models import Issue
from newsroom.site.epaper import edition_links
from newsroom.site.pagination import paginate

app_name = "issues"

ISSUES_PER_PAGE = 24
ISSUE_ARTICLES_PER_PAGE = 100
# The covers of the archive's first rows are above the fold: loaded at once, not lazily.
EAGER_COVERS = 4


def issue_archive(request):
    issues = Issue.objects.published().select_related("cover").annotate(article_count=Article.objects.published_count("issue"))
    context = {
        "page_obj": paginate(request, issues.order_by("-number"), per_page=ISSUES_PER_PAGE),
        "eager_covers": EAGER_COVERS,
    }
    return render(request, "newsroom/issue_archive.html", context)


def issue_detail(request, number):
    # The print edition rides on the issue's query (the 数字报 and PDF links); its page list does not.
    issues = Issue.objects.published().select_related("cover", "print_edition")
    issue = get_object_or_404(issues.defer("print_edition__pages", "print_edition__sources"), number=number)
    page_obj = paginate(
        request, Article.objects.issue_cards(issue), per_page=ISSUE_ARTICLES_PER_PAGE, count_key=f"issue:{issue.pk}"
    )
    context = {"issue": issue, "articles": page_obj.object_list, "page_obj": page_obj, "edition": edition_links(issue)}
    return render(request, "newsroom/issue_detail.html", context)


# Namespaced, because the models' get_absolute_url() reverse issues:detail.
urlpatterns = [
    path("", issue_archive, name="archive"),
    path("<int:number>/", issue_detail, name="detail"),
]
