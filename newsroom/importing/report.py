"""Human-readable lines describing an import, for the command and the admin."""
from django.utils.translation import gettext as _

from newsroom.importing.loader import ACTION_LABELS, CONFLICT, ImportResult


def summary_line(result: ImportResult) -> str:
    counts = "，".join(f"{label} {result.count(action)} 篇" for action, label in ACTION_LABELS.items() if result.count(action))
    verb = _("将导入为") if result.dry_run else _("已导入为")
    state = _("（新建）") if result.issue_created else ""
    return f"{result.source_name} {verb} {result.issue}{state}：{counts or _('无文章')}"


def article_lines(result: ImportResult) -> list[str]:
    lines = []
    for plan in result.plans:
        parsed = plan.parsed
        credits = "、".join(f"{c.name}（{c.role}）" for c in parsed.credits) or _("无署名")
        zones = "、".join(f"{z.name}×{n}" for z, n in sorted(plan.zones.items(), key=lambda i: (-i[1], i[0].name)))
        lines.append(
            f"  {plan.position}. [{ACTION_LABELS[plan.action]}] {parsed.headline} — {credits}；"
            f"{len(parsed.paragraphs)} 段；{_('高新区')}：{zones or _('无')}"
        )
    return lines


def warning_lines(result: ImportResult) -> list[str]:
    lines = [f"  {_('提示')}：{w}" for w in result.warnings]
    for plan in result.plans:
        if plan.unknown_zones:
            names = "、".join(f"{name}×{n}" for name, n in sorted(plan.unknown_zones.items()))
            lines.append(f"  {_('未收录的高新区')}（{plan.parsed.headline}）：{names}")
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
