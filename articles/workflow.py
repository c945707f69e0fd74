"""The article workflow: the one place that says who may edit an article and move its status.

草稿 → 待审 → 已发布, plus 已归档. Scheduling is not a status: a published article with
a future publish_at is scheduled, and the visibility rule hides it until then.
"""
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.dates import format_local
from articles.models import Article
from articles.proof import article_blocked_lines
from articles.review import review_problem
from articles.revisions.history import last_change, revision_context

# from-status -> the statuses it may move to. Anything else is refused.
TRANSITIONS: dict[str, set[str]] = {
    Article.Status.DRAFT: {Article.Status.REVIEW, Article.Status.PUBLISHED, Article.Status.ARCHIVED},
    Article.Status.REVIEW: {Article.Status.DRAFT, Article.Status.PUBLISHED, Article.Status.ARCHIVED},
    Article.Status.PUBLISHED: {Article.Status.DRAFT, Article.Status.ARCHIVED},
    Article.Status.ARCHIVED: {Article.Status.DRAFT},
}
# The one move a user without the publish permission (a reporter) may make.
REPORTER_TRANSITIONS = {(Article.Status.DRAFT, Article.Status.REVIEW)}

PUBLISH_PERM = "articles.publish_article"
CHANGE_ANY_PERM = "articles.change_any_article"


class WorkflowError(Exception):
    """A refused change; `problems` lists every reason, one line each, in Chinese."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


def can_publish(user) -> bool:
    return user.has_perm(PUBLISH_PERM)


def is_own_draft(*, user, article: Article) -> bool:
    """Judged on the stored row: a refused form has already copied its unsaved status onto
    `article`, and must not lose its editability (and the typed text) because of it."""
    reporter = getattr(user, "reporter", None)
    if reporter is None or article.pk is None:
        return False
    return Article.objects.filter(pk=article.pk, status=Article.Status.DRAFT, bylines__reporter=reporter).exists()


def can_edit(*, user, article: Article | None) -> bool:
    """Editors edit anything; a reporter edits only drafts that carry their byline."""
    if not user.has_perm("articles.change_article"):
        return False
    if article is None or user.has_perm(CHANGE_ANY_PERM):
        return True
    return is_own_draft(user=user, article=article)


def transition_problem(*, user, article: Article, to_status: str) -> str | None:
    """Why `user` may not move `article` to `to_status`, or None when they may."""
    from_status = article.status
    if from_status == to_status:
        return None
    label = _("《%(headline)s》") % {"headline": article.headline or _("无标题")}
    if to_status not in TRANSITIONS.get(from_status, set()):
        return _("%(article)s不能从“%(from)s”改为“%(to)s”") % {
            "article": label, "from": Article.Status(from_status).label, "to": Article.Status(to_status).label,
        }
    if not can_publish(user) and (from_status, to_status) not in REPORTER_TRANSITIONS:
        return _("%(article)s：你没有权限把文章改为“%(to)s”") % {"article": label, "to": Article.Status(to_status).label}
    if to_status == Article.Status.PUBLISHED and (missing := missing_for_publication(article)):
        return _("%(article)s缺少%(missing)s") % {"article": label, "missing": "、".join(missing)}
    if to_status == Article.Status.PUBLISHED:
        return review_problem(article) or proof_problem(article)
    return None


def allowed_statuses(*, user, status: str) -> list[str]:
    """The statuses `user` may pick for an article now in `status`, itself first: the menu offers no other."""
    targets = TRANSITIONS.get(status, set())
    if not can_publish(user):
        targets = {to for (from_, to) in REPORTER_TRANSITIONS if from_ == status}
    return [status, *(value for value in Article.Status.values if value in targets)]


def proof_problem(article: Article) -> str | None:
    """The unresolved 禁用 findings that refuse publication, all in one line; 提示 never blocks."""
    blocked = article_blocked_lines(article)
    return "；".join(blocked) if blocked else None


def missing_for_publication(article: Article) -> list[str]:
    """What an article lacks before it can be published: headline, body, reporter."""
    missing = []
    if not (article.headline or "").strip():
        missing.append(_("标题"))
    if not (article.body or "").strip():
        missing.append(_("正文"))
    # publication_problems() reads an issue's articles with `has_bylines` annotated (an
    # EXISTS in the same query) instead of loading every byline to see that there is one.
    has_bylines = getattr(article, "has_bylines", None)
    if has_bylines is None:
        has_bylines = article.pk is not None and article.bylines.exists()
    if not has_bylines:
        missing.append(_("记者"))
    return missing


def apply_status(article: Article, to_status: str, *, now: datetime | None = None) -> None:
    """Set the status; publishing without a date publishes now, a future date schedules."""
    article.status = to_status
    if to_status == Article.Status.PUBLISHED and article.publish_at is None:
        article.publish_at = now or timezone.now()


def stale_problem(article: Article, loaded_version: int | None) -> str | None:
    """A refusal naming who saved the article since `loaded_version` was shown, or None."""
    if loaded_version is None or loaded_version == article.version:
        return None
    change = last_change(article=article)
    return _("《%(headline)s》已被%(who)s于%(when)s修改（第%(version)s版），请刷新后重试") % {
        "headline": article.headline,
        "who": change.who,
        "when": format_local(change.when),
        "version": change.version,
    }


def articles_transition(
    *, articles: Iterable[Article], to_status: str, user, loaded_versions: dict[int, int] | None = None
) -> list[Article]:
    """Move every article to `to_status`, or none of them: all problems are raised together.

    `loaded_versions` maps article id to the version the user saw; an article changed
    since then is refused rather than overwritten.
    """
    loaded_versions = loaded_versions or {}
    with transaction.atomic():
        # of=self: the default ordering joins the nullable issue, which PostgreSQL cannot lock.
        locked = list(Article.objects.select_for_update(of=("self",)).filter(pk__in=[a.pk for a in articles]))
        problems = [p for a in locked for p in _problems(a, to_status, user, loaded_versions.get(a.pk))]
        if problems:
            raise WorkflowError(problems)
        changed = [a for a in locked if a.status != to_status]
        for article in changed:
            with revision_context(user=user, comment=_("状态改为“%(to)s”") % {"to": Article.Status(to_status).label}):
                apply_status(article, to_status)
                article.save()
    return changed


def _problems(article: Article, to_status: str, user, loaded_version: int | None) -> list[str]:
    problems = [stale_problem(article, loaded_version)]
    if to_status != article.status and not can_edit(user=user, article=article) and not can_publish(user):
        problems.append(_("《%(headline)s》：你没有权限修改这篇文章") % {"headline": article.headline})
    else:
        problems.append(transition_problem(user=user, article=article, to_status=to_status))
    return [p for p in problems if p]


def is_scheduled(article: Article, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return article.status == Article.Status.PUBLISHED and article.publish_at is not None and article.publish_at > now


def status_label(article: Article, *, now: datetime | None = None) -> str:
    """The status at a glance: 已排期 · 2025-01-15 08:00 for a future publication."""
    if is_scheduled(article, now=now):
        return _("已排期 · %(when)s") % {"when": format_local(article.publish_at)}
    if article.status == Article.Status.PUBLISHED and article.issue_id and not article.issue.is_published:
        return _("已发布 · 待本期发布")
    return str(Article.Status(article.status).label)
