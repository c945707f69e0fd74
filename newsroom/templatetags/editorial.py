"""The editors' dashboard on the admin index (what awaits review, what is scheduled, who
edited), and who saved a revision, as every admin page names them."""
from django import template
from django.utils import timezone
from reversion.models import Version

from articles import review
from articles.models import Article
from articles.revisions.history import saved_by as revision_saved_by

register = template.Library()
DASHBOARD_ROWS = 10


@register.simple_tag
def editorial_dashboard() -> dict:
    """Three short lists with a fixed number of queries, however many articles exist."""
    articles = Article.objects.select_related("issue")
    return {
        "review": list(articles.filter(status=Article.Status.REVIEW).order_by("-updated_at")[:DASHBOARD_ROWS]),
        "drafts": articles.filter(status=Article.Status.DRAFT).count(),
        "scheduled": list(
            articles.filter(status=Article.Status.PUBLISHED, publish_at__gt=timezone.now()).order_by("publish_at")[
                :DASHBOARD_ROWS
            ]
        ),
        "recent": list(
            Version.objects.get_for_model(Article)
            .select_related("revision__user")
            .order_by("-revision__date_created", "-pk")[:DASHBOARD_ROWS]
        ),
    }


@register.filter
def saved_by(version) -> str:
    """The revision's author's full name or username; 系统 for imports and scripts."""
    return revision_saved_by(version)


@register.simple_tag
def my_review_queue(user) -> list[Article]:
    """The articles waiting for this user's stage of 三审, oldest first."""
    return review.queue_for(user)[:DASHBOARD_ROWS]
