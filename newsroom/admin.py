"""Admin for issues and reporters (the issue's articles in order, publishing, import) and sign-in throttling."""
import base64
import hashlib

from axes import admin as axes_admin
from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import ReadOnlyPasswordHashWidget, UserChangeForm
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery, Sum
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles import review, workflow
from articles.forms import ArticleOrderForm, IssueImportForm
from articles.models import Article
from articles.revisions.history import revision_context
from newsroom.admin_keys import CheckedKeysAdmin
from newsroom.importing.loader import (
    ACTION_LABELS,
    CONFLICT,
    ImportFailed,
    import_issue,
    next_issue_number,
)
from newsroom.importing.report import duplicate_lines, planned_date, summary_line, warning_lines
from newsroom.login_throttle import SignInForm
from newsroom.models import Issue, Reporter
from newsroom.publishing import issue_publish, issue_withdraw

admin.site.site_header = gettext_lazy("高新区通讯 · 编辑部")
admin.site.site_title = gettext_lazy("高新区通讯编辑部")
admin.site.index_title = gettext_lazy("工作台")
admin.site.login_form = SignInForm

IMPORT_SESSION_KEY = "newsroom_issue_import"


class IssueArticleInline(CheckedKeysAdmin, admin.TabularInline):
    """The issue's articles in reading order: edit the numbers to reorder them."""

    model = Article
    # The version travels with each row, so a renumbering never overwrites an article
    # that someone saved after this page was loaded.
    form = ArticleOrderForm
    fields = ["position", "loaded_version", "headline_link", "status_at_a_glance", "review_stage", "byline_names"]
    readonly_fields = ["headline_link", "status_at_a_glance", "review_stage", "byline_names"]
    ordering = ["position", "id"]
    extra = 0
    can_delete = False
    verbose_name_plural = gettext_lazy("本期文章（改顺序号即可调整顺序）")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("issue").prefetch_related("reporters", "signoffs")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(workflow.CHANGE_ANY_PERM) and super().has_change_permission(request, obj)

    @admin.display(description=gettext_lazy("标题"))
    def headline_link(self, obj):
        url = reverse("admin:articles_article_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.headline)

    @admin.display(description=gettext_lazy("状态"))
    def status_at_a_glance(self, obj):
        return workflow.status_label(obj)

    @admin.display(description=gettext_lazy("三审"))
    def review_stage(self, obj):
        return review.stage_label(obj, self._stages) or "—"

    @cached_property
    def _stages(self):
        return review.active_stages()

    @admin.display(description=gettext_lazy("记者"))
    def byline_names(self, obj):
        return "、".join(r.name for r in obj.reporters.all())


@admin.register(Issue)
class IssueAdmin(CheckedKeysAdmin, admin.ModelAdmin):
    list_display = ["number", "date", "title", "status", "article_count", "source_name", "imported_at"]
    # Meta.ordering does not apply to the annotated (GROUP BY) queryset, which the
    # autocomplete would otherwise page through in no fixed order.
    ordering = ["-number"]
    list_filter = ["status", "date"]
    search_fields = ["number", "title", "source_name"]
    date_hierarchy = "date"
    readonly_fields = [
        "status", "published_at", "preview_link", "source_name", "source_sha256", "source_text_sha256",
        "imported_at", "created_at", "updated_at",
    ]
    inlines = [IssueArticleInline]
    actions = ["publish_issues", "withdraw_issues"]
    change_form_template = "admin/newsroom/issue/change_form.html"
    change_list_template = "admin/newsroom/issue/change_list.html"
    fieldsets = [
        (None, {"fields": ["number", "date", "title", "status", "published_at", "preview_link", "cover"]}),
        (
            gettext_lazy("导入来源"),
            {
                "classes": ["collapse"],
                "fields": ["source_name", "source_sha256", "source_text_sha256", "source_text", "imported_at"],
            },
        ),
        (gettext_lazy("记录"), {"classes": ["collapse"], "fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_article_count=Count("articles"))

    @admin.display(description=gettext_lazy("文章数"), ordering="_article_count")
    def article_count(self, obj):
        return obj._article_count

    @admin.display(description=gettext_lazy("预览"))
    def preview_link(self, obj):
        if not obj.pk:
            return ""
        url = reverse("preview:issue", kwargs={"number": obj.number})
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("以读者视角预览本期"))

    def view_on_site(self, obj):
        """在站点上查看: the public page of a published issue, the preview of any other."""
        if obj.is_published:
            return obj.get_absolute_url()
        return reverse("preview:issue", kwargs={"number": obj.number})

    def has_publish_permission(self, request):
        return workflow.can_publish(request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Reordering saves articles; each save is kept as a revision like any other.
        with revision_context(user=request.user, comment=_("在期页面调整顺序")):
            extra = {"can_publish_issue": self.has_publish_permission(request), **(extra_context or {})}
            return super().changeform_view(request, object_id, form_url, extra)

    # --- publishing

    def _publish(self, request, issue) -> bool:
        try:
            result = issue_publish(issue=issue, user=request.user)
        except workflow.WorkflowError as error:
            self.message_user(
                request,
                _("%(issue)s未发布，请先补全：") % {"issue": issue} + "；".join(error.problems),
                messages.ERROR,
            )
            return False
        self.message_user(
            request,
            _("%(issue)s已发布，同时发布了 %(count)s 篇文章。") % {"issue": issue, "count": len(result.published)},
            messages.SUCCESS,
        )
        return True

    @admin.action(description=gettext_lazy("发布本期"), permissions=["publish"])
    def publish_issues(self, request, queryset):
        for issue in queryset:
            self._publish(request, issue)

    @admin.action(description=gettext_lazy("撤回本期（从网站撤下）"), permissions=["publish"])
    def withdraw_issues(self, request, queryset):
        for issue in queryset.filter(status=Issue.Status.PUBLISHED):
            issue_withdraw(issue=issue, user=request.user)
            self.message_user(request, _("%(issue)s已撤回，读者不再能看到本期文章。") % {"issue": issue}, messages.SUCCESS)

    def response_change(self, request, obj):
        if "_publish_issue" in request.POST:
            if not self.has_publish_permission(request):
                raise PermissionDenied
            self._publish(request, obj)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    # --- import from the admin: upload, dry run, confirm

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="newsroom_issue_import"),
            path("<path:object_id>/signoff-sheet/", view(self.signoff_sheet_view), name="newsroom_issue_signoff_sheet"),
            *super().get_urls(),
        ]

    def signoff_sheet_view(self, request, object_id):
        """审签单: every article of the issue with each stage's signer, time and comment, to print."""
        issue = self.get_object(request, unquote(object_id))
        if issue is None or not self.has_view_or_change_permission(request, issue):
            raise Http404
        articles = issue.articles.exclude(status=Article.Status.ARCHIVED).order_by("position", "pk").prefetch_related(
            "reporters", "signoffs__stage", "signoffs__user"
        )
        articles = list(articles)
        for article in articles:
            article.standing_signoffs = review.standing_signoffs(article)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": issue,
            "title": _("%(issue)s审签单") % {"issue": issue},
            "stages": review.active_stages(),
            "articles": articles,
        }
        return TemplateResponse(request, "admin/newsroom/issue/signoff_sheet.html", context)

    def import_view(self, request):
        if not (self.has_add_permission(request) and workflow.can_publish(request.user)):
            raise PermissionDenied
        if request.method == "POST" and "_confirm" in request.POST:
            return self._import_confirm(request)
        form = IssueImportForm(request.POST or None, request.FILES or None, next_number=next_issue_number())
        context = {"form": form, "media": self.media + form.media}
        if request.method == "POST" and form.is_valid():
            context.update(self._import_dry_run(request, form))
        return self._import_response(request, context)

    def _import_dry_run(self, request, form) -> dict:
        upload = form.cleaned_data["file"]
        data = upload.read()
        options = self._import_options(form.cleaned_data)
        try:
            # No transaction: a dry run only reads, and on SQLite a transaction would take
            # the write lock. The confirmation plans again under the import lock.
            result = import_issue(data=data, source_name=upload.name, dry_run=True, **options)
        except ImportFailed as error:
            return {"import_error": str(error)}
        request.session[IMPORT_SESSION_KEY] = {
            "name": upload.name,
            "data": base64.b64encode(data).decode("ascii"),
            "sha256": hashlib.sha256(data).hexdigest(),
            "options": {**options, "date": options["date"].isoformat() if options["date"] else None},
        }
        return {"result": result, "rows": _plan_rows(result), "summary": summary_line(result),
                "warnings": warning_lines(result), "sha256": hashlib.sha256(data).hexdigest(),
                "issue_date": planned_date(result, date=options["date"]), "duplicates": duplicate_lines(result)}

    def _import_options(self, cleaned) -> dict:
        return {
            "number": cleaned.get("number"),
            "date": cleaned.get("date"),
            "title": cleaned.get("title") or None,
            "force": cleaned.get("force", False),
            "allow_duplicate": cleaned.get("allow_duplicate", False),
        }

    def _import_confirm(self, request):
        pending = request.session.get(IMPORT_SESSION_KEY)
        if not pending or pending["sha256"] != request.POST.get("sha256"):
            self.message_user(request, _("上传的文件已过期，请重新上传。"), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:newsroom_issue_import"))
        options = dict(pending["options"])
        if options["date"]:
            from datetime import date

            options["date"] = date.fromisoformat(options["date"])
        data = base64.b64decode(pending["data"])
        comment = _("从后台导入 %(name)s") % {"name": pending["name"]}
        try:
            result = import_issue(data=data, source_name=pending["name"], user=request.user, comment=comment, **options)
        except ImportFailed as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:newsroom_issue_import"))
        del request.session[IMPORT_SESSION_KEY]
        self.message_user(request, summary_line(result), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:newsroom_issue_change", args=[result.issue.pk]))

    def _import_response(self, request, context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("导入期刊文本"),
            **context,
        }
        return TemplateResponse(request, "admin/newsroom/issue/import.html", context)


def _plan_rows(result) -> list[dict]:
    rows = []
    for plan in result.plans:
        parsed = plan.parsed
        rows.append({
            "position": plan.position,
            "action": ACTION_LABELS[plan.action],
            "is_conflict": plan.action == CONFLICT,
            "headline": parsed.headline,
            "bylines": "、".join(f"{c.name}（{c.role}）" for c in parsed.credits),
            "paragraphs": len(parsed.paragraphs),
            "zones": "、".join(f"{z.name}×{n}" for z, n in sorted(plan.zones.items(), key=lambda i: (-i[1], i[0].name))),
            "unknown": "、".join(f"{name}×{n}" for name, n in sorted(plan.unknown_zones.items())),
        })
    return rows


@admin.register(Reporter)
class ReporterAdmin(CheckedKeysAdmin, admin.ModelAdmin):
    list_display = ["name", "slug", "user", "article_count"]
    ordering = ["name"]  # as IssueAdmin.ordering: the queryset is annotated
    list_filter = [("user", admin.EmptyFieldListFilter)]
    search_fields = ["name", "slug", "user__username"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_article_count=Count("bylines"))

    @admin.display(description=gettext_lazy("文章数"), ordering="_article_count")
    def article_count(self, obj):
        return obj._article_count


# --- sign-in throttling (django-axes): who is locked out, and unlocking them early


def _recent_pair_failures(threshold):
    """Failures of the row's (username, address) pair since `threshold`, over all browsers:
    axes sums them to decide a lockout, so one row's count alone can understate it."""
    pair = AccessAttempt.objects.filter(
        username=OuterRef("username"), ip_address=OuterRef("ip_address"), attempt_time__gte=threshold
    )
    return Subquery(pair.values("username").annotate(total=Sum("failures_since_start")).values("total"))


@admin.register(AccessAttempt)
class AccessAttemptAdmin(CheckedKeysAdmin, axes_admin.AccessAttemptAdmin):
    """Failed sign-ins per username, address and browser; 解锁 forgets a pair's failures."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "lock_state", "user_agent"]
    list_filter = ["attempt_time"]
    actions = ["unlock"]
    # axes' own layout also shows an expiry that is never set with our settings.
    fieldsets = [
        (None, {"fields": ["username", "ip_address", "failures_since_start", "attempt_time", "lock_state"]}),
        (gettext_lazy("表单数据"), {"fields": ["get_data", "post_data"]}),
        (gettext_lazy("请求信息"), {"fields": ["user_agent", "http_accept", "path_info"]}),
    ]
    readonly_fields = [field for _title, options in fieldsets for field in options["fields"]]

    def get_queryset(self, request):
        threshold = timezone.now() - get_cool_off()
        return super().get_queryset(request).annotate(_pair_failures=_recent_pair_failures(threshold))

    def get_actions(self, request):
        # 解锁 is the one way to remove records, so that it is always logged as an unlock.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=gettext_lazy("状态"))
    def lock_state(self, obj):
        failures = obj._pair_failures or 0
        if failures < settings.AXES_FAILURE_LIMIT:
            return _("未锁定（最近失败 %(count)s 次）") % {"count": failures}
        until = timezone.localtime(obj.attempt_time + get_cool_off())
        return _("已锁定，%(time)s 自动解除") % {"time": until.strftime("%Y-%m-%d %H:%M")}

    @admin.action(description=gettext_lazy("解锁所选账号（清除其失败记录）"), permissions=["delete"])
    def unlock(self, request, queryset):
        pairs = sorted({(a.username, a.ip_address) for a in queryset}, key=lambda p: (p[0] or "", p[1] or ""))
        with transaction.atomic():
            for username, ip_address in pairs:
                attempts = AccessAttempt.objects.filter(username=username, ip_address=ip_address)
                self.log_deletions(request, attempts)
                attempts.delete()
        names = "、".join(f"{username}（{ip_address}）" for username, ip_address in pairs)
        self.message_user(request, _("已解锁：%(names)s。现在可以重新登录。") % {"names": names}, messages.SUCCESS)


@admin.register(AccessLog)
class AccessLogAdmin(CheckedKeysAdmin, axes_admin.AccessLogAdmin):
    """Successful sign-ins and sign-outs, read only."""


class PasswordSummaryWidget(ReadOnlyPasswordHashWidget):
    """The password summary without the `disabled` attribute Django's form puts on its
    `<div>`, where HTML allows none (the Nu Html Checker refuses the user page otherwise)."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].pop("disabled", None)
        return context


class AccountChangeForm(UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "password" in self.fields:
            self.fields["password"].widget = PasswordSummaryWidget()


admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    form = AccountChangeForm
