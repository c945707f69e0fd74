"""The article workspace: workflow, roles, rich text, revisions, edit conflicts and zones."""
from contextlib import nullcontext

import reversion
from csp.decorators import csp_update
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from js_asset import Media
from taggit.models import Tag
from taggit.utils import parse_tags

from articles import review, revisions, workflow
from articles.forms import ArticleAdminForm, ArticleChangeListForm, TagForm
from articles.models import Article, Byline, ReviewStage, ZoneMention
from articles.search_admin import SearchEngineAdminMixin
from articles.topics import topic_name_problem
from articles.zoning import article_zones_redetect
from newsroom.admin_keys import (
    AutocompleteSelectMultiple,
    CheckedKeysAdmin,
    CheckedModelMultipleChoiceField,
)

S = Article.Status
VERSION_INPUT = "_loaded_version_%s"
REVIEW_COMMENT_KEY = "review_comment_%s"
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


class TagChoiceForm(ArticleAdminForm):
    """Topics: pick existing ones with autocomplete, or type new ones."""

    new_tags = forms.CharField(
        label=gettext_lazy("新话题"),
        required=False,
        help_text=gettext_lazy("尚未存在的话题，用逗号分隔。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "tags" in self.fields:
            self.fields["tags"] = CheckedModelMultipleChoiceField(
                label=gettext_lazy("话题"),
                queryset=Tag.objects.all(),
                required=False,
                widget=AutocompleteSelectMultiple(Article._meta.get_field("tags"), admin.site),
            )
            if self.instance.pk:
                self.initial["tags"] = list(self.instance.tags.all())

    def clean_new_tags(self):
        names = parse_tags(self.cleaned_data.get("new_tags", ""))
        problems = [p for p in map(topic_name_problem, names) if p]
        if problems:
            raise forms.ValidationError(problems)
        return self.cleaned_data["new_tags"]

    def clean(self):
        cleaned = super().clean()
        if "tags" in cleaned:
            cleaned["tags"] = [*cleaned["tags"], *parse_tags(cleaned.get("new_tags", ""))]
        return cleaned


@admin.register(Article)
class ArticleAdmin(SearchEngineAdminMixin, CheckedKeysAdmin, admin.ModelAdmin):
    form = TagChoiceForm
    list_display = [
        "headline", "issue", "position", "status_at_a_glance",
        "publish_at", "byline_names", "updated_at",
    ]
    list_display_links = ["headline"]
    list_editable = ["position", "publish_at"]
    list_filter = ["status", "issue", "zones__province", ("publish_at", admin.DateFieldListFilter)]
    search_fields = ["headline", "subheadline", "kicker", "body", "reporters__name", "zones__name"]
    autocomplete_fields = ["issue", "excluded_zones"]
    list_select_related = ["issue"]
    readonly_fields = [
        "status_at_a_glance", "preview_link", "unknown_zone_links", "slug", "version",
        "import_ref", "import_fingerprint", "created_at", "updated_at",
    ]
    inlines = [BylineInline, ZoneMentionInline]
    actions = ["submit_for_review", "publish_selected", "archive_selected"]
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    fieldsets = [
        (None, {"fields": ["loaded_version", "issue", "position", "kicker", "headline", "subheadline", "dateline"]}),
        (gettext_lazy("正文"), {"fields": ["standfirst", "body"]}),
        (
            gettext_lazy("发布"),
            {"fields": ["status", "publish_at", "status_at_a_glance", "preview_link", "tags", "new_tags"]},
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
        with revisions.revision_context(user=request.user):
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
        article.update_search_text()
        revisions.add_article_to_revision(article)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["edit_conflict"] = getattr(context.get("adminform").form, "conflict", None)
        context["can_see_history"] = obj is not None
        if obj is not None:
            context.update(self._review_context(request, obj))
        # The rich-text editor's modules find each other through an inline import map, the
        # one inline script the CSP lets through, by this response's nonce.
        context["media"] = Media.from_media(context["media"], nonce=str(request.csp_nonce))
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

    @admin.action(description=gettext_lazy("提交待审"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._transition(request, queryset, S.REVIEW, _("已提交待审 %(count)s 篇文章。"))

    @admin.action(description=gettext_lazy("发布（未来时间即排期）"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._transition(request, queryset, S.PUBLISHED, _("已发布 %(count)s 篇文章。"))

    @admin.action(description=gettext_lazy("归档"), permissions=["publish"])
    def archive_selected(self, request, queryset):
        self._transition(request, queryset, S.ARCHIVED, _("已归档 %(count)s 篇文章。"))

    # --- revisions

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/revisions/compare/", view(self.compare_view), name="articles_article_compare"),
            path("<path:object_id>/revisions/<int:version_id>/", view(self.revision_view), name="articles_article_revision"),
            path(
                "<path:object_id>/revisions/<int:version_id>/restore/",
                view(self.restore_view),
                name="articles_article_restore",
            ),
            path("<path:object_id>/review/", view(self.review_view), name="articles_article_review"),
            *super().get_urls(),
        ]

    # --- 三审

    def review_view(self, request, object_id):
        """POST only: sign the article's next stage, or send it back with a comment."""
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        comment = request.POST.get("review_comment", "")[:2000]
        loaded = request.POST.get("loaded_version", "")
        try:
            self._review_decision(request, article, comment, int(loaded) if loaded.isdecimal() else None)
        except review.ReviewError as error:
            # The typed comment comes back in the panel, not lost with the refusal.
            request.session[REVIEW_COMMENT_KEY % article.pk] = comment
            self.message_user(request, str(error), messages.ERROR)
        return HttpResponseRedirect(change_url)

    def _review_decision(self, request, article, comment: str, loaded_version: int | None) -> None:
        label = {"headline": article.headline}
        if request.POST.get("decision") == "return":
            signoff = review.send_back(article=article, user=request.user, comment=comment, loaded_version=loaded_version)
            done = _("文章「%(headline)s」已在%(stage)s退回修改。")
        else:
            signoff = review.sign(article=article, user=request.user, comment=comment, loaded_version=loaded_version)
            done = _("文章「%(headline)s」已通过%(stage)s。")
        self.message_user(request, done % {**label, "stage": signoff.stage.name}, messages.SUCCESS)

    def _review_context(self, request, article) -> dict:
        stages = review.active_stages()
        signoffs = article.signoffs.select_related("stage", "user")
        return {
            "review_states": review.stage_states(article, stages),
            "review_next": review.next_stage(article, stages) if article.status == S.REVIEW else None,
            "review_history": list(signoffs),
            "review_return": review.last_return(article) if article.status == S.DRAFT else None,
            "review_comment": request.session.pop(REVIEW_COMMENT_KEY % article.pk, ""),
        }

    def _article_and_version(self, request, object_id, version_id):
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404
        version = get_object_or_404(revisions.article_versions(article=article), pk=version_id)
        return article, version

    def history_view(self, request, object_id, extra_context=None):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404
        versions = list(revisions.article_versions(article=article))
        extra = {"versions": [(v, revisions.version_number(v)) for v in versions], **(extra_context or {})}
        return super().history_view(request, object_id, extra)

    def revision_view(self, request, object_id, version_id):
        article, version = self._article_and_version(request, object_id, version_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": _("第%(number)s版") % {"number": revisions.version_number(version)},
            "version": version,
            "number": revisions.version_number(version),
            "who": revisions.saved_by(version),
            "snapshot": revisions.snapshot_from_version(version),
            "can_restore": self.has_change_permission(request, article),
        }
        return TemplateResponse(request, "admin/articles/article/revision.html", context)

    def compare_view(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404
        pair = self._compare_pair(request, article)
        old, new = sorted(pair, key=lambda v: (v.revision.date_created, v.pk))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": _("比较版本"),
            "old": old,
            "new": new,
            "old_number": revisions.version_number(old),
            "new_number": revisions.version_number(new),
            "old_who": revisions.saved_by(old),
            "new_who": revisions.saved_by(new),
            "diffs": revisions.compare_snapshots(
                revisions.snapshot_from_version(old), revisions.snapshot_from_version(new)
            ),
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def _compare_pair(self, request, article):
        ids = [v for v in (request.GET.get("a", ""), request.GET.get("b", "")) if v.isdecimal()]
        versions = list(revisions.article_versions(article=article).filter(pk__in=ids))
        if len(versions) != 2:
            raise Http404
        return versions

    def restore_view(self, request, object_id, version_id):
        article, version = self._article_and_version(request, object_id, version_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:articles_article_revision", args=[article.pk, version.pk]))
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        loaded = request.POST.get("loaded_version", "")
        loaded_version = int(loaded) if loaded.isdecimal() else article.version
        try:
            revisions.article_restore(article=article, version=version, user=request.user, loaded_version=loaded_version)
        except Article.StaleVersion:
            current = Article.objects.get(pk=article.pk)
            self.message_user(request, _("未恢复：") + (workflow.stale_problem(current, loaded_version) or ""), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:articles_article_revision", args=[article.pk, version.pk]))
        self.message_user(
            request,
            _("已恢复到第%(number)s版，并保存为第%(current)s版。")
            % {"number": revisions.version_number(version), "current": article.version},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))


# Topics get autocomplete in the article form through taggit's own admin search.
admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(CheckedKeysAdmin, admin.ModelAdmin):
    form = TagForm
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    ordering = ["name"]
    list_filter = []


@admin.register(ReviewStage)
class ReviewStageAdmin(CheckedKeysAdmin, admin.ModelAdmin):
    """三审's stages: a small team switches off what it does not use."""

    list_display = ["name", "role", "group", "order", "active"]
    list_editable = ["active"]
    ordering = ["order"]
