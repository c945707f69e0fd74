"""Issues in the admin: the issue's articles in reading order, publishing, and the 审签单."""
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles import review, workflow
from articles.models import Article
from articles.revisions.history import revision_context
from newsroom.admin.article_forms import ArticleOrderForm
from newsroom.admin.image_chooser import ImageChooserAdminMixin
from newsroom.admin.issue_import import IssueImportMixin
from newsroom.admin.issue_mail import IssueMailMixin
from newsroom.admin.issue_print import IssuePrintMixin
from newsroom.admin.keys import CheckedKeysAdmin
from newsroom.models import Issue
from newsroom.publishing import issue_publish, issue_withdraw


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
class IssueAdmin(IssuePrintMixin, IssueMailMixin, ImageChooserAdminMixin, IssueImportMixin, CheckedKeysAdmin, admin.ModelAdmin):
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
            extra = {
                "can_publish_issue": self.has_publish_permission(request),
                **self._sections(request, object_id),
                **(extra_context or {}),
            }
            return super().changeform_view(request, object_id, form_url, extra)

    def _sections(self, request, object_id) -> dict:
        """The change page's 邮件 and 印刷版 sections (IssueMailMixin, IssuePrintMixin), for
        the issue read once."""
        if not object_id or request.method != "GET":
            return {}
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            return {}
        return {**self.mail_panel_context(request, issue), **self.print_panel_context(request, issue)}

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

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
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
