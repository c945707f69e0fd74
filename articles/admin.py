"""The article workspace: workflow, roles, rich text, revisions, edit conflicts and zones."""
from contextlib import nullcontext

import reversion
from csp.decorators import csp_update
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
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

from articles import dates, proof, review, workflow
from articles.body import body_text, sanitize_html
from articles.forms import ArticleAdminForm, ArticleChangeListForm, ProofWordForm, TagForm
from articles.models import Article, Byline, ProofWord, ReviewStage, ZoneMention
from articles.proofreading import FIELDS, excerpt
from articles.revisions import diff as revision_diff
from articles.revisions import history as revisions
from articles.search_admin import SearchEngineAdminMixin
from articles.topics import topic_name_problem
from articles.zoning import article_zones_redetect
from newsroom.admin_keys import (
    AutocompleteSelectMultiple,
    CheckedKeysAdmin,
    CheckedModelMultipleChoiceField,
)
from newsroom.text.slugs import in_pinyin_order

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


def proof_panel_context(texts: dict[str, str], *, editable: bool = True) -> dict:
    """The 校对 panel: the report, and each finding with its field's label and its context.

    On a read-only page there is nothing to re-check or select, so no buttons."""
    report = proof.texts_proofread(texts)
    labels = dict(FIELDS)
    findings = [
        dict(zip(("before", "found", "after"), excerpt(texts[f.field], f), strict=True),
             finding=f, field_label=labels[f.field])
        for f in report.findings
    ]
    blocked = len(report.blocking)
    return {
        "report": report, "findings": findings, "editable": editable,
        "blocked_count": blocked, "warned_count": len(findings) - blocked,
    }


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
class ArticleAdmin(SearchEngineAdminMixin, CheckedKeysAdmin, admin.ModelAdmin):
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
    actions = ["submit_for_review", "publish_selected", "archive_selected"]
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    fieldsets = [
        (None, {"fields": ["loaded_version", "issue", "position", "kicker", "headline", "subheadline", "dateline"]}),
        (gettext_lazy("正文"), {"fields": ["standfirst", "body"]}),
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
        with revisions.revision_context(user=request.user):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def _out_of_reach_post(self, request, object_id):
        """A save from a form the user could edit when they opened it, but no longer may (a
        reporter's draft submitted or published by an editor meanwhile). Django's bare 403
        drops what was typed; this 403 says why and gives the text back."""
        article = self.get_object(request, unquote(object_id))
        if article is None or self.has_change_permission(request, article):
            return None
        if not self.has_view_permission(request, article):
            return None
        change = revisions.last_change(article=article)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": _("保存未成功"),
            "message": _(
                "保存未成功：《%(headline)s》已由%(who)s于%(when)s改为“%(status)s”，你不能再修改它。"
                "你输入的内容都在下面，请复制保存，交给编辑或在文章退回草稿后贴回。"
            ) % {
                "headline": article.headline, "who": change.who,
                "when": dates.format_local(change.when), "status": workflow.status_label(article),
            },
            "typed": self._typed_fields(request),
        }
        return TemplateResponse(request, "admin/articles/article/refused_save.html", context, status=403)

    def _typed_fields(self, request) -> list[tuple[str, str]]:
        """The text fields of the refused POST, labelled as on the form; the body as plain text."""
        typed = []
        for name in ["kicker", "headline", "subheadline", "dateline", "standfirst"]:
            if value := request.POST.get(name, "").strip():
                typed.append((Article._meta.get_field(name).verbose_name, value))
        if body := body_text(request.POST.get("body", "")):
            typed.append((_("正文"), body))
        return typed

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

    def _saved_out_of_reach(self, request, obj, message):
        """保存并继续编辑 by a reporter who just submitted: the page comes back read-only, so
        the message must not promise "你可以在下面再次编辑它"."""
        url = reverse("admin:articles_article_change", args=[obj.pk])
        link = format_html('<a href="{}">{}</a>', url, obj)
        self.message_user(request, format_html(message, name=self.opts.verbose_name, obj=link), messages.SUCCESS)
        return HttpResponseRedirect(url)

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

    def _show_conflict_once(self, context) -> None:
        """The conflict box above the form explains the refusal; the error list need not repeat it."""
        form = context["adminform"].form
        others = [e for e in form.errors.get(NON_FIELD_ERRORS, []) if e != context["edit_conflict"].message]
        if others:
            form.errors[NON_FIELD_ERRORS] = form.error_class(others, error_class="nonfield")
        else:
            form.errors.pop(NON_FIELD_ERRORS, None)
        formsets = [inline.formset for inline in context["inline_admin_formsets"]]
        context["errors"] = helpers.AdminErrorList(form, formsets)

    def _proof_texts(self, form, obj):
        """What the editor sees: the typed text on a refused save, else the stored article."""
        if form.is_bound:
            return proof.texts_from_data(form.data)
        return proof.article_texts(obj) if obj is not None else proof.texts_from_data({})

    def proofread_view(self, request):
        """校对 on demand: the panel for the form's current, unsaved text."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        context = {"proof": proof_panel_context(proof.texts_from_data(request.POST))}
        return TemplateResponse(request, "admin/articles/article/includes/proof_panel.html", context)

    def _proof_message(self, request, obj):
        """校对 on save: what the saved text still has, named in the message after saving."""
        report = proof.article_proofread(article=obj)
        if not report.findings:
            return
        blocked = len(report.blocking)
        url = reverse("admin:articles_article_change", args=[obj.pk]) + "#proofread"
        text = _("校对：《%(headline)s》有禁用 %(blocked)s 处、提示 %(warned)s 处，") % {
            "headline": obj.headline, "blocked": blocked, "warned": len(report.findings) - blocked,
        }
        self.message_user(request, format_html('{}<a href="{}">{}</a>', text, url, _("查看校对结果")),
                          messages.ERROR if blocked else messages.WARNING)

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
            path("proofread/", view(self.proofread_view), name="articles_article_proofread"),
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
            "snapshot": revision_diff.snapshot_from_version(version),
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
            "diffs": revision_diff.compare_snapshots(
                revision_diff.snapshot_from_version(old), revision_diff.snapshot_from_version(new)
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


@admin.register(ProofWord)
class ProofWordAdmin(CheckedKeysAdmin, admin.ModelAdmin):
    """The editors' 校对 word list: 禁用 words block publication, 提示 words only warn."""

    form = ProofWordForm
    list_display = ["word", "severity", "replacement", "note", "updated_at"]
    list_filter = ["severity"]
    search_fields = ["word", "replacement", "note"]
    fields = ["word", "severity", "replacement", "note"]


@admin.register(ReviewStage)
class ReviewStageAdmin(CheckedKeysAdmin, admin.ModelAdmin):
    """三审's stages: a small team switches off what it does not use."""

    list_display = ["name", "role", "group", "order", "active"]
    list_editable = ["active"]
    ordering = ["order"]
