"""Articles in the admin: columns, permissions, saving and bulk actions.

校对, 三审 and the revision pages are mixins of their own (proof_views, review_views,
revision_views); the forms are in article_forms.
"""
from contextlib import nullcontext

import reversion
from csp.decorators import csp_update
from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from js_asset import Media

from articles import workflow
from articles.body import sanitize_html
from articles.models import Article, Byline, ZoneMention
from articles.revisions import history
from articles.zone_detection import article_zones_redetect
from newsroom.admin.article_forms import ArticleChangeListForm, TagChoiceForm
from newsroom.admin.article_wechat import ArticleWechatMixin
from newsroom.admin.image_chooser import ImageChooserAdminMixin
from newsroom.admin.kept_work import KeepTypedWorkMixin
from newsroom.admin.keys import CheckedKeysAdmin
from newsroom.admin.proof_views import ProofViewsMixin, proof_panel_context
from newsroom.admin.review_views import ReviewViewsMixin
from newsroom.admin.revision_views import RevisionViewsMixin
from newsroom.admin.search import SearchEngineAdminMixin
from newsroom.admin.wechat_push import ArticleWechatPushMixin
from newsroom.tasks import issues_reprint_withdrawn, reindex_articles
from newsroom.text.slugs import in_pinyin_order

VERSION_INPUT = "_loaded_version_%s"
# Tiptap, inside django-prose-editor 0.28, adds its base stylesheet (ProseMirror's white-space
# rules and gap cursor) as a <style> element when the editor starts, with no way to pass it a
# nonce. The article form's CSP admits that one stylesheet by its SHA-256 and no other inline
# style. If an upgrade changes it, the browser tests fail with Chromium's report of the new hash.
TIPTAP_BASE_STYLE = {"style-src": ["'sha256-PlumsSlvJ7vvWzjqibGAYKq92O3y/4JTxWWsWJvyUYA='"]}


class ArticleChildInline(CheckedKeysAdmin, admin.TabularInline):
    """Bylines and zones follow the article's own edit rule (a reporter's own draft)."""

    extra = 0

    def _parent_editable(self, request, obj):
        return workflow.can_edit(user=request.user, article=obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._parent_editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._parent_editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._parent_editable(request, obj)


class BylineInline(ArticleChildInline):
    model = Byline
    autocomplete_fields = ["reporter"]
    fields = ["position", "reporter", "role"]
    ordering = ["position"]


class ZoneMentionInline(ArticleChildInline):
    model = ZoneMention
    autocomplete_fields = ["zone"]
    fields = ["zone", "mentions", "manual"]
    readonly_fields = ["mentions", "manual"]
    verbose_name_plural = gettext_lazy("高新区（保存时按正文重新识别；手动添加的保留，删除的不再自动加回）")


class ProvinceFilter(admin.AllValuesFieldListFilter):
    """Provinces in pinyin order, as the public zone directory lists them."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = in_pinyin_order(self.lookup_choices)


class IssueFilter(admin.RelatedFieldListFilter):
    """The issues, and articles in no issue named in words rather than the admin's bare "-"."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.empty_value_display = _("未编入任何一期")


@admin.register(Article)
class ArticleAdmin(
    ArticleWechatPushMixin,
    ArticleWechatMixin,
    ImageChooserAdminMixin,
    KeepTypedWorkMixin,
    ProofViewsMixin,
    ReviewViewsMixin,
    RevisionViewsMixin,
    SearchEngineAdminMixin,
    CheckedKeysAdmin,
    admin.ModelAdmin,
):
    form = TagChoiceForm
    list_display = [
        "headline", "issue", "position", "status_at_a_glance",
        "publish_at", "byline_names", "updated_at",
    ]
    list_display_links = ["headline"]
    list_editable = ["position", "publish_at"]
    list_filter = [
        "status", ("issue", IssueFilter), ("zones__province", ProvinceFilter), ("publish_at", admin.DateFieldListFilter),
    ]
    search_fields = ["headline", "subheadline", "kicker", "body", "reporters__name", "zones__name"]
    autocomplete_fields = ["issue", "excluded_zones"]
    list_select_related = ["issue"]
    readonly_fields = [
        "status_at_a_glance", "current_state", "body_rendered", "preview_link", "unknown_zone_links", "slug", "version",
        "import_ref", "import_fingerprint", "created_at", "updated_at",
    ]
    inlines = [BylineInline, ZoneMentionInline]
    actions = ["submit_for_review", "publish_selected", "archive_selected", "reindex_selected"]
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    fieldsets = [
        (None, {"fields": ["loaded_version", "issue", "position", "kicker", "headline", "subheadline", "dateline"]}),
        (gettext_lazy("正文"), {"fields": ["standfirst", "lead_image", "body"]}),
        (
            gettext_lazy("发布"),
            {"fields": ["status", "publish_at", "current_state", "preview_link", "tags", "new_tags"]},
        ),
        (gettext_lazy("高新区"), {"fields": ["unknown_zone_links", "excluded_zones"]}),
        (
            gettext_lazy("记录"),
            {
                "classes": ["collapse"],
                "fields": ["slug", "version", "import_ref", "import_fingerprint", "created_at", "updated_at"],
            },
        ),
    ]

    # --- queries and columns

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("reporters")

    @admin.display(description=gettext_lazy("记者"))
    def byline_names(self, obj):
        return "、".join(r.name for r in obj.reporters.all())

    @admin.display(description=gettext_lazy("状态"), ordering="status")
    def status_at_a_glance(self, obj):
        return workflow.status_label(obj) if obj.pk else ""

    @admin.display(description=gettext_lazy("当前状态"))
    def current_state(self, obj):
        # The form's own 状态 is the menu of what to do next; this is what is saved now.
        return self.status_at_a_glance(obj)

    @admin.display(description=gettext_lazy("正文"))
    def body_rendered(self, obj):
        """A read-only body as readers see it, not as HTML source; through the one sanitizer."""
        return mark_safe(sanitize_html(obj.body))

    def view_on_site(self, obj):
        """在站点上查看: the public page once readers can see it, the preview until then."""
        if Article.objects.published().filter(pk=obj.pk).exists():
            return obj.get_absolute_url()
        return reverse("preview:article", kwargs={"pk": obj.pk})

    @admin.display(description=gettext_lazy("预览"))
    def preview_link(self, obj):
        if not obj.pk:
            return ""
        url = reverse("preview:article", kwargs={"pk": obj.pk})
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("以读者视角预览"))

    @admin.display(description=gettext_lazy("未收录的高新区"))
    def unknown_zone_links(self, obj):
        if not obj.unknown_zones:
            return _("无")
        add_url = reverse("admin:zones_zone_add")
        return format_html_join(
            mark_safe("<br>"),
            '{} × {} <a href="{}?name={}">{}</a>',
            ((name, count, add_url, name, _("添加为高新区")) for name, count in sorted(obj.unknown_zones.items())),
        )

    def action_checkbox(self, obj):
        # The version each row was shown at travels with the selection, so a bulk action
        # can refuse rows that someone changed after the list was loaded.
        box = super().action_checkbox(obj)
        return format_html('{}<input type="hidden" name="{}" value="{}">', box, VERSION_INPUT % obj.pk, obj.version)

    # --- forms

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        return form

    def get_changelist_form(self, request, **kwargs):
        return ArticleChangeListForm

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if not request.user.has_perm(workflow.CHANGE_ANY_PERM):
            # Reporters may not edit other people's rows from the list.
            changelist.list_editable = ()
        return changelist

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not workflow.can_publish(request.user):
            fields.append("publish_at")
        return fields

    def get_fieldsets(self, request, obj=None):
        """A read-only page shows the body rendered, and drops 新话题, an input only (the
        admin would show it as the raw "New tags: None")."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        shown = {"body": "body_rendered", "new_tags": None}
        return [
            (name, {**opts, "fields": [shown.get(f, f) for f in opts["fields"] if shown.get(f, f)]})
            for name, opts in fieldsets
        ]

    # --- permissions: the workflow module decides

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and workflow.can_edit(user=request.user, article=obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and workflow.can_edit(user=request.user, article=obj)

    def has_add_permission(self, request):
        if not super().has_add_permission(request):
            return False
        return request.user.has_perm(workflow.CHANGE_ANY_PERM) or hasattr(request.user, "reporter")

    def has_publish_permission(self, request):
        return workflow.can_publish(request.user)

    # --- saving

    @csp_update(TIPTAP_BASE_STYLE)
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id and (refused := self._out_of_reach_post(request, object_id)):
            return refused
        with history.revision_context(user=request.user):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(entry.get_change_message())
        return entry

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(_("新建"))
        return entry

    def save_model(self, request, obj, form, change):
        workflow.apply_status(obj, obj.status)
        super().save_model(request, obj, form, change)
        if change and form.initial.get("status") == Article.Status.PUBLISHED:
            # Taken down or scheduled for later: the edition that printed it is made again.
            self._reprint_withdrawn(request, {form.initial.get("issue"), obj.issue_id})

    def delete_model(self, request, obj):
        issue_id = obj.issue_id
        super().delete_model(request, obj)
        self._reprint_withdrawn(request, {issue_id})

    def delete_queryset(self, request, queryset):
        issue_ids = set(queryset.values_list("issue_id", flat=True))
        super().delete_queryset(request, queryset)
        self._reprint_withdrawn(request, issue_ids)

    def _reprint_withdrawn(self, request, issue_ids):
        """The print editions that still show an article readers can no longer read are made
        again without it (newsroom.tasks.issues_reprint_withdrawn), and the editor is told."""
        for issue in issues_reprint_withdrawn(issue_ids=issue_ids, by=request.user):
            self.message_user(request, _("%(issue)s的印刷版和数字报里有已撤下的文章，已交给后台重新生成。") % {"issue": issue},
                              messages.WARNING)

    def save_formset(self, request, form, formset, change):
        if formset.model is ZoneMention:
            self._save_zone_choices(form.instance, formset)
        else:
            super().save_formset(request, form, formset, change)

    def _save_zone_choices(self, article, formset):
        """Zones added by hand are kept; zones removed by hand are never re-linked."""
        for mention in formset.save(commit=False):
            mention.manual = mention.pk is None or mention.manual
            mention.save()
            article.excluded_zones.remove(mention.zone)
        for mention in formset.deleted_objects:
            article.excluded_zones.add(mention.zone)
            mention.delete()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        if not change and hasattr(request.user, "reporter") and not article.bylines.exists():
            Byline.objects.create(article=article, reporter=request.user.reporter, role=Byline.Role.REPORTER)
        article_zones_redetect(article=article)
        article.refresh_related()
        history.add_article_to_revision(article)

    def response_add(self, request, obj, post_url_continue=None):
        self._proof_message(request, obj)
        if "_continue" in request.POST and not self.has_change_permission(request, obj):
            return self._saved_out_of_reach(request, obj, _("The {name} “{obj}” was added successfully."))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._proof_message(request, obj)
        if "_continue" in request.POST and not self.has_change_permission(request, obj):
            return self._saved_out_of_reach(request, obj, _("The {name} “{obj}” was changed successfully."))
        return super().response_change(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["edit_conflict"] = getattr(context.get("adminform").form, "conflict", None)
        if context["edit_conflict"] is not None:
            self._show_conflict_once(context)
        context["can_see_history"] = obj is not None
        if obj is not None:
            context.update(self._review_context(request, obj))
        # The rich-text editor's modules find each other through an inline import map, the
        # one inline script the CSP lets through, by this response's nonce.
        context["media"] = Media.from_media(context["media"], nonce=str(request.csp_nonce))
        editable = self.has_change_permission(request, obj) if obj is not None else True
        context["proof"] = proof_panel_context(self._proof_texts(context["adminform"].form, obj), editable=editable)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        # Django validates list_editable rows before its own transaction begins; one
        # transaction around the whole POST lets the version check lock the rows it checks.
        with transaction.atomic() if request.method == "POST" else nullcontext():
            response = super().changelist_view(request, extra_context)
        formset = getattr(response, "context_data", {}).get("cl") and response.context_data["cl"].formset
        if formset is not None and formset.is_bound and not formset.is_valid():
            for form in formset.forms:
                for error in form.non_field_errors():
                    self.message_user(request, error, messages.ERROR)
        return response

    # --- bulk actions

    def _transition(self, request, queryset, to_status: str, done: str):
        loaded = {
            a.pk: int(v)
            for a in queryset
            if (v := request.POST.get(VERSION_INPUT % a.pk, "")).isdecimal()
        }
        try:
            with transaction.atomic():
                changed = workflow.articles_transition(
                    articles=list(queryset), to_status=to_status, user=request.user, loaded_versions=loaded
                )
        except workflow.WorkflowError as error:
            self.message_user(request, _("未作任何修改：") + "；".join(error.problems), messages.ERROR)
            return
        self.message_user(request, done % {"count": len(changed)}, messages.SUCCESS)
        if to_status != Article.Status.PUBLISHED:
            self._reprint_withdrawn(request, {article.issue_id for article in changed})

    @admin.action(description=gettext_lazy("提交待审"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._transition(request, queryset, Article.Status.REVIEW, _("已提交待审 %(count)s 篇文章。"))

    @admin.action(description=gettext_lazy("发布（未来时间即排期）"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._transition(request, queryset, Article.Status.PUBLISHED, _("已发布 %(count)s 篇文章。"))

    @admin.action(description=gettext_lazy("归档"), permissions=["publish"])
    def archive_selected(self, request, queryset):
        self._transition(request, queryset, Article.Status.ARCHIVED, _("已归档 %(count)s 篇文章。"))

    @admin.action(description=gettext_lazy("重建检索索引"), permissions=["publish"])
    def reindex_selected(self, request, queryset):
        # Filters that join (province, search) can repeat a row; each article once is enough.
        ids = sorted(set(queryset.values_list("pk", flat=True)))
        reindex_articles.enqueue(ids)
        self.message_user(
            request,
            _("已将 %(count)s 篇文章的检索索引重建交给后台任务，完成后即可检索到。")
            % {"count": len(ids)},
            messages.SUCCESS,
        )
