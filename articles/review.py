"""三审: an article in 待审 moves through the active review stages, one sign-off each.

A sign-off names the article version it approved. Any later save raises the version, so
an edit after a sign-off sends the article back to the first stage without bookkeeping;
a 退回修改 likewise voids every approval given before it. Publication needs every active
stage signed on the version being published.
"""
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from articles.models import Article, ReviewStage, SignOff
from articles.revisions.history import revision_context


class ReviewError(Exception):
    """A refused sign-off or return; the message is in Chinese."""


@dataclass(frozen=True)
class StageState:
    stage: ReviewStage
    signoff: SignOff | None


def active_stages() -> list[ReviewStage]:
    """The stages a publication needs: those switched on, cut to NEWSROOM_REVIEW_STAGES."""
    stages = ReviewStage.objects.filter(active=True).select_related("group")
    limit = settings.NEWSROOM_REVIEW_STAGES
    return list(stages if limit is None else stages[:limit])


def current_approvals(article: Article) -> dict[int, SignOff]:
    """Stage id -> the approval that still counts: on this version, after the last return."""
    approvals: dict[int, SignOff] = {}
    for signoff in sorted(article.signoffs.all(), key=lambda s: (s.signed_at, s.pk)):
        if signoff.kind == SignOff.Kind.RETURNED:
            approvals.clear()
        elif signoff.version == article.version:
            approvals[signoff.stage_id] = signoff
    return approvals


def standing_signoffs(article: Article) -> set[int]:
    """Ids of the sign-offs an 审签单 shows as 有效: each stage's last approval after the last
    return. A published article keeps them (publishing saves a new version); an article
    still in review keeps only those on its current version."""
    standing: dict[int, SignOff] = {}
    for signoff in sorted(article.signoffs.all(), key=lambda s: (s.signed_at, s.pk)):
        if signoff.kind == SignOff.Kind.RETURNED:
            standing.clear()
        else:
            standing[signoff.stage_id] = signoff
    if article.status != Article.Status.PUBLISHED:
        return {s.pk for s in standing.values() if s.version == article.version}
    return {s.pk for s in standing.values()}


def stage_states(article: Article, stages: list[ReviewStage] | None = None) -> list[StageState]:
    approvals = current_approvals(article)
    return [StageState(stage, approvals.get(stage.pk)) for stage in (stages if stages is not None else active_stages())]


def next_stage(article: Article, stages: list[ReviewStage] | None = None) -> ReviewStage | None:
    """The first active stage without a current approval, or None when review is complete."""
    return next((s.stage for s in stage_states(article, stages) if s.signoff is None), None)


def stage_label(article: Article, stages: list[ReviewStage] | None = None) -> str:
    """The review position at a glance: 待初审, 已终审, or empty outside review."""
    if article.status != Article.Status.REVIEW:
        return ""
    stage = next_stage(article, stages)
    return _("待%(stage)s") % {"stage": stage.name} if stage else _("审毕")


def review_problem(article: Article, stages: list[ReviewStage] | None = None) -> str | None:
    """Why the article may not be published yet for want of sign-offs, or None."""
    stage = next_stage(article, stages)
    if stage is None:
        return None
    return _("《%(headline)s》尚未通过%(stage)s") % {"headline": article.headline or _("无标题"), "stage": stage.name}


def unsigned_edit_problem(article: Article) -> str | None:
    """Why a save that edits the text may not also publish it: the sign-offs are for the
    stored version, and nobody has read the new text. None when no stage is required."""
    if not active_stages():
        return None
    return _("《%(headline)s》：签发后的修改须重新经过三审，请先保存为待审，审毕再发布") % {
        "headline": article.headline or _("无标题"),
    }


def holds_stage(user, stage: ReviewStage) -> bool:
    return user.is_superuser or user.groups.filter(pk=stage.group_id).exists()


def may_sign_twice(stages: list[ReviewStage]) -> bool:
    """One person may sign two stages only when the setting allows it and the team is too small."""
    if not getattr(settings, "NEWSROOM_REVIEW_ALLOW_SAME_SIGNER", False):
        return False
    team = get_user_model().objects.filter(is_active=True, groups__in=[s.group_id for s in stages]).distinct()
    return team.count() < len(stages)


def sign(*, article: Article, user, comment: str = "", loaded_version: int | None = None) -> SignOff:
    """Sign the article's next stage as `user`; refused with a ReviewError otherwise."""
    with transaction.atomic():
        article = _locked(article, loaded_version)
        stages = active_stages()
        stage = next_stage(article, stages)
        if stage is None:
            raise ReviewError(_("《%(headline)s》已审毕，无需再签") % {"headline": article.headline})
        if not holds_stage(user, stage):
            raise ReviewError(_("%(stage)s由%(group)s组签发，你不在该组") % {"stage": stage.name, "group": stage.group.name})
        signed = [s.signoff for s in stage_states(article, stages) if s.signoff]
        if any(s.user_id == user.pk for s in signed) and not may_sign_twice(stages):
            raise ReviewError(_("同一篇文章的两个审次不能由同一人签发"))
        return SignOff.objects.create(
            article=article, stage=stage, user=user, kind=SignOff.Kind.APPROVED,
            version=article.version, comment=comment.strip(),
        )


def send_back(*, article: Article, user, comment: str, loaded_version: int | None = None) -> SignOff:
    """退回修改: record the reviewer's comment and return the article to its author as a draft."""
    if not comment.strip():
        raise ReviewError(_("退回修改须写明意见"))
    with transaction.atomic():
        article = _locked(article, loaded_version)
        stage = next_stage(article)
        if stage is None or not holds_stage(user, stage):
            raise ReviewError(_("只有当前审次的审稿人可以退回这篇文章"))
        signoff = SignOff.objects.create(
            article=article, stage=stage, user=user, kind=SignOff.Kind.RETURNED,
            version=article.version, comment=comment.strip(),
        )
        with revision_context(user=user, comment=_("%(stage)s退回修改") % {"stage": stage.name}):
            article.status = Article.Status.DRAFT
            article.save()
    return signoff


def last_return(article: Article) -> SignOff | None:
    """The latest 退回修改, which the author sees on the article until it is signed again."""
    return article.signoffs.filter(kind=SignOff.Kind.RETURNED).select_related("stage", "user").last()


def queue_for(user) -> list[Article]:
    """Articles in review whose next stage this user holds: the reviewer's own queue.

    Four queries however many articles wait: stages, the user's groups, articles, sign-offs.
    """
    stages = active_stages()
    groups = set(user.groups.values_list("pk", flat=True))
    held = {s.pk for s in stages if user.is_superuser or s.group_id in groups}
    articles = Article.objects.filter(status=Article.Status.REVIEW).select_related("issue").prefetch_related("signoffs")
    return [a for a in articles.order_by("updated_at") if (stage := next_stage(a, stages)) and stage.pk in held]


def _locked(article: Article, loaded_version: int | None) -> Article:
    locked = Article.objects.select_for_update(of=("self",)).get(pk=article.pk)
    if loaded_version is not None and loaded_version != locked.version:
        raise ReviewError(_("《%(headline)s》已被他人修改，请刷新后再审") % {"headline": locked.headline})
    if locked.status != Article.Status.REVIEW:
        raise ReviewError(_("《%(headline)s》不在待审状态") % {"headline": locked.headline})
    return locked
