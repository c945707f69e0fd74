"""Publishing an issue: the issue and all its ready articles, in one transaction or not at all,
and the request for its print edition with them."""
from contextlib import nullcontext
from dataclasses import dataclass

import reversion
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from articles import review, workflow
from articles.models import Article, Byline, ProofWord
from articles.proof import article_blocked_lines
from articles.revisions.history import revision_context
from newsroom.freshness import content_changed
from newsroom.models import Issue
from newsroom.tasks import issue_print_request


@dataclass(frozen=True)
class IssuePublication:
    issue: Issue
    published: list[Article]


def incomplete_articles(articles: list[Article]) -> list[str]:
    """One line per article that lacks a headline, body or reporter, in the given order."""
    problems = []
    for article in articles:
        if missing := workflow.missing_for_publication(article):
            problems.append(
                _("第%(position)s篇《%(headline)s》缺少%(missing)s") % {
                    "position": article.position,
                    "headline": article.headline or _("无标题"),
                    "missing": "、".join(missing),
                }
            )
    return problems


def blocked_articles(articles: list[Article]) -> list[str]:
    """One line per unresolved 禁用 finding in the articles, in the given order."""
    words = ProofWord.objects.word_list()
    return [line for article in articles for line in article_blocked_lines(article, words=words)]


def unreviewed_articles(articles: list[Article]) -> list[str]:
    """One line per article still to be published that lacks a stage's sign-off (三审)."""
    stages = review.active_stages()
    pending = [a for a in articles if a.status != Article.Status.PUBLISHED]
    return [p for a in pending if (p := review.review_problem(a, stages))]


def publication_problems(*, issue: Issue) -> list[str]:
    """Everything that stops the issue's publication: the one rule every publishing path uses."""
    # The issue's articles read once for all three checks, with whether each has a byline
    # and the sign-offs they look at: a fixed number of queries for the whole issue. The
    # stored derived fields (search text, card, summary) are no rule's business and stay unread.
    articles = list(
        issue.articles.exclude(status=Article.Status.ARCHIVED)
        .defer("search_text", "card", "summary", "unknown_zones")
        .annotate(has_bylines=Exists(Byline.objects.filter(article=OuterRef("pk"))))
        .prefetch_related("signoffs")
        .order_by("position", "pk")
    )
    return incomplete_articles(articles) + unreviewed_articles(articles) + blocked_articles(articles)


def issue_publish(*, issue: Issue, user) -> IssuePublication:
    """Publish the issue and every article in it that is not archived.

    Refuses (WorkflowError listing every incomplete article) before writing anything.
    Articles with a future publish_at stay scheduled; the others are published now.
    """
    if not workflow.can_publish(user):
        raise workflow.WorkflowError([_("你没有发布权限")])
    return _publish(issue=issue, user=user, publish_at=None)


def publish_imported(*, issue: Issue, publish_at) -> IssuePublication:
    """`import_issue --publish`: the same rules as the publish action; the operator at the
    command line stands in for a user with the publish permission.

    The articles were just written by the import, with every derived field computed, so
    they are published by two UPDATEs rather than saved one by one: archive speed. The
    import adds them to its revision afterwards (add_articles_to_revision).
    """
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if problems := publication_problems(issue=issue):
            raise workflow.WorkflowError(problems)
        now = timezone.now()
        pending = issue.articles.exclude(status__in=[Article.Status.ARCHIVED, Article.Status.PUBLISHED])
        ids = list(pending.select_for_update(of=("self",)).order_by("position", "pk").values_list("pk", flat=True))
        rows = Article.objects.filter(pk__in=ids)
        # As workflow.apply_status: an article without a date is published at publish_at (or
        # now); one already scheduled keeps its date. The version moves on as a save's would.
        rows.filter(publish_at__isnull=True).update(publish_at=publish_at or now)
        rows.update(status=Article.Status.PUBLISHED, version=F("version") + 1, updated_at=now)
        content_changed()  # update() sends no signals
        issue.status = Issue.Status.PUBLISHED
        issue.published_at = issue.published_at or now
        issue.save(update_fields=["status", "published_at", "updated_at"])
        issue_print_request(issue=issue)
    # Only the ids and places: the import reloads what it keeps in its revision itself.
    return IssuePublication(issue=issue, published=list(rows.only("pk", "position").order_by("position", "pk")))


def _publish(*, issue: Issue, user, publish_at) -> IssuePublication:
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if problems := publication_problems(issue=issue):
            raise workflow.WorkflowError(problems)
        now = timezone.now()
        published = []
        # An import publishes inside its own revision ("从 … 导入"); keep it one revision.
        context = nullcontext() if reversion.is_active() else revision_context(
            user=user, comment=_("随%(issue)s发布") % {"issue": issue}
        )
        with context:
            for article in issue.articles.select_for_update(of=("self",)).exclude(status=Article.Status.ARCHIVED):
                if article.status != Article.Status.PUBLISHED:
                    workflow.apply_status(article, Article.Status.PUBLISHED, now=publish_at or now)
                    article.save()
                    published.append(article)
        issue.status = Issue.Status.PUBLISHED
        issue.published_at = issue.published_at or now
        issue.save(update_fields=["status", "published_at", "updated_at"])
        # The print edition is made on the worker, and only if this publication commits.
        issue_print_request(issue=issue, by=user)
    return IssuePublication(issue=issue, published=published)


def issue_withdraw(*, issue: Issue, user) -> Issue:
    """Take a published issue off the site. Its articles keep their status, so publishing
    the issue again brings back exactly what readers saw; until then the visibility rule
    hides them everywhere."""
    if not workflow.can_publish(user):
        raise workflow.WorkflowError([_("你没有发布权限")])
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        issue.status = Issue.Status.DRAFT
        issue.save(update_fields=["status", "updated_at"])
    return issue
