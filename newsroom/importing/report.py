"""Human-readable lines describing an import, for the command and the admin."""
import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Article
from newsroom.importing.loader import ACTION_LABELS, CONFLICT, ImportResult


def summary_line(result: ImportResult) -> str:
    counts = "，".join(f"{label} {result.count(action)} 篇" for action, label in ACTION_LABELS.items() if result.count(action))
    verb = _("将导入为") if result.dry_run else _("已导入为")
    state = _("（新建）") if result.issue_created else ""
    return f"{result.source_name} {verb} {result.issue}{state}：{counts or _('无文章')}"


def plan_rows(result: ImportResult) -> list[dict]:
    """Each planned article as the command's lines and the admin's table both show it."""
    return [
        {
            "position": plan.position,
            "action": ACTION_LABELS[plan.action],
            "is_conflict": plan.action == CONFLICT,
            "headline": plan.parsed.headline,
            "bylines": "、".join(f"{c.name}（{c.role}）" for c in plan.parsed.credits),
            "paragraphs": len(plan.parsed.paragraphs),
            "zones": "、".join(f"{z.name}×{n}" for z, n in sorted(plan.zones.items(), key=lambda i: (-i[1], i[0].name))),
            "unknown": _unknown_names(plan),
        }
        for plan in result.plans
    ]


def _unknown_names(plan) -> str:
    return "、".join(f"{name}×{n}" for name, n in sorted(plan.unknown_zones.items()))


def article_lines(result: ImportResult) -> list[str]:
    return [
        f"  {row['position']}. [{row['action']}] {row['headline']} — {row['bylines'] or _('无署名')}；"
        f"{row['paragraphs']} 段；{_('高新区')}：{row['zones'] or _('无')}"
        for row in plan_rows(result)
    ]


def picture_lines(result: ImportResult) -> list[str]:
    """How many of the file's pictures are new to the library; nothing for a file without any."""
    if not (result.pictures_new or result.pictures_known):
        return []
    verb = _("将新增") if result.dry_run else _("新增")
    return ["  " + _("图片：%(verb)s %(new)s 张，图库中已有 %(known)s 张") % {
        "verb": verb, "new": result.pictures_new, "known": result.pictures_known
    }]


def warning_lines(result: ImportResult) -> list[str]:
    lines = [f"  {_('提示')}：{w}" for w in result.warnings]
    for plan in result.plans:
        if plan.unknown_zones:
            lines.append(f"  {_('未收录的高新区')}（{plan.parsed.headline}）：{_unknown_names(plan)}")
    for plan in result.plans:
        if plan.action == CONFLICT:
            lines.append(
                "  "
                + _("冲突：《%(headline)s》在上次导入后被编辑修改过，未覆盖；要覆盖请加 --force。")
                % {"headline": plan.article.headline}
            )
    for article in result.stale:
        lines.append("  " + _("新文件中已没有《%(headline)s》，已保留原文章。") % {"headline": article.headline})
    return lines


def planned_date(result: ImportResult, *, date: dt.date | None) -> dt.date:
    """The date the issue will carry, as the import sets it: the one given, else a new issue's today."""
    if date:
        return date
    return timezone.localdate() if result.issue_created else result.issue.date


def duplicate_lines(result: ImportResult) -> list[str]:
    """Articles of this file whose imported text is already an article of another issue.

    Imported twice, the same article is shown twice on the home page; the fingerprint saved
    at import time finds it even after editors changed the earlier copy.
    """
    plans = {plan.fingerprint: plan for plan in result.plans}
    twins = Article.objects.filter(import_fingerprint__in=plans, issue__isnull=False).select_related("issue")
    if result.issue.pk is not None:
        twins = twins.exclude(issue_id=result.issue.pk)
    lines = []
    for twin in twins.order_by("issue__number", "position", "pk"):
        message = _("《%(headline)s》与%(issue)s的《%(other)s》内容相同，导入后读者会看到两篇同样的文章。")
        lines.append(message % {"headline": plans[twin.import_fingerprint].parsed.headline, "issue": twin.issue, "other": twin.headline})
    return lines
