"""Admin forms for articles: the rich-text body, topics, the workflow check and the edit-conflict guard."""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext_lazy
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget
from taggit.models import Tag
from taggit.utils import parse_tags

from articles import review, workflow
from articles.body import sanitize_html
from articles.models import Article
from articles.revisions.conflict import EditConflict
from articles.revisions.history import RESTORED_FIELDS
from articles.topics import topic_name_problem
from newsroom.admin.image_chooser import dialog_context
from newsroom.admin.keys import AutocompleteSelectMultiple, CheckedModelMultipleChoiceField

# What the editor offers, and nothing more: it matches the allowlist of our sanitizer.
# LibraryFigure (static/js/prose-figure.js) is ours: a figure of a library picture, inserted
# with 插入图片 through the image chooser.
BODY_EXTENSIONS = {
    "Bold": True,
    "Heading": {"levels": [2, 3]},
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "Blockquote": True,
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "HardBreak": True,
    "LibraryFigure": True,
}


class ChineseProseEditorWidget(AdminProseEditorWidget):
    """prose-editor's admin widget, with a module that puts its hard-coded English labels into
    Chinese, and the image chooser's dialog that its 插入图片 button opens."""

    @property
    def media(self):
        chooser = forms.Media(js=["js/image-chooser.js"], css={"all": ["css/image-chooser.css"]})
        return super().media + chooser + forms.Media(js=["js/prose-editor-zh.js"])

    def get_config(self):
        config = super().get_config()
        # The configurable preset imports these modules before it builds the editor; prose-editor
        # would list them from a setting, but this widget is the only one that needs it.
        if "LibraryFigure" in config.get("extensions", {}):
            config["js_modules"] = [*config.get("js_modules", []), static("js/prose-figure.js")]
        return config

    def render(self, name, value, attrs=None, renderer=None):
        editor = super().render(name, value, attrs, renderer)
        dialog = render_to_string(
            "admin/widgets/image_chooser_dialog.html", dialog_context((attrs or {}).get("id") or name)
        )
        # prose-figure.js finds the dialog of its editor inside this wrapper.
        return format_html('<div class="image-figure-host">{}{}</div>', editor, dialog)


def body_field() -> ProseEditorFormField:
    # prose-editor's sanitize hook runs our one sanitizer (articles.body), so the editor
    # and every other write path agree on what HTML survives.
    return ProseEditorFormField(
        label=gettext_lazy("正文"),
        required=False,
        config={"extensions": BODY_EXTENSIONS},
        sanitize=sanitize_html,
        widget=ChineseProseEditorWidget,
    )


class VersionGuardMixin:
    """Carries the version a form was loaded from and refuses a save made from a stale one."""

    conflict: EditConflict | None = None

    def _init_version_guard(self):
        if self.instance.pk is not None:
            self.fields["loaded_version"].initial = self.instance.version

    def check_version(self, loaded_version: int | None) -> None:
        """Compare with the row as it is now, locked until this request's transaction ends.

        Every admin path that saves articles runs inside one transaction (see
        ArticleAdmin), so no other save can land between this check and the write: on
        PostgreSQL the row lock makes a concurrent save wait here and then see the new
        version; on SQLite the IMMEDIATE transaction already holds the write lock. The
        save itself is conditional on the same version (Article._do_update) as well.
        """
        if self.instance.pk is None or loaded_version is None:
            return
        current = Article.objects.select_for_update(of=("self",)).get(pk=self.instance.pk)
        if current.version == loaded_version:
            self.instance.version = loaded_version
            return
        self.conflict = EditConflict(article=current, loaded_version=loaded_version)
        # Saving again after reading the conflict is a deliberate choice, so the form now
        # carries the current version; the editor's own text stays as they typed it.
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_version")] = current.version
        raise ValidationError(self.conflict.message, code="stale")


class UnlabelledHiddenInput(forms.HiddenInput):
    """A hidden input no <label for> may point at: the admin's fieldset gives every field
    a label, and a label for a hidden input is invalid HTML."""

    def id_for_label(self, id_):
        return ""


def loaded_version_field() -> forms.IntegerField:
    return forms.IntegerField(widget=UnlabelledHiddenInput, required=False)


class ArticleAdminForm(VersionGuardMixin, forms.ModelForm):
    loaded_version = loaded_version_field()
    # Set by ArticleAdmin.get_form: the workflow check needs to know who is saving.
    user = None

    class Meta:
        model = Article
        fields = [
            "issue", "position", "kicker", "headline", "subheadline", "dateline", "standfirst", "lead_image", "body",
            "status", "publish_at", "tags", "excluded_zones",
        ]
        help_texts = {"publish_at": gettext_lazy("北京时间。填写将来的时间即为排期发布。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "body" in self.fields:
            self.fields["body"] = body_field()
        self._init_version_guard()
        self._limit_status_choices()

    def _limit_status_choices(self) -> None:
        """Offer only the moves this user may make; a refused choice would cost a round trip."""
        if "status" not in self.fields or self.user is None:
            return
        current = self.instance.status if self.instance.pk else Article.Status.DRAFT
        allowed = workflow.allowed_statuses(user=self.user, status=current)
        # Only the menu shrinks: a posted status outside it still reaches the workflow check,
        # which says why it is refused rather than "not a valid choice".
        self.fields["status"].widget.choices = [(v, label) for v, label in Article.Status.choices if v in allowed]

    def clean(self):
        cleaned = super().clean()
        self.check_version(cleaned.get("loaded_version"))
        self._check_transition(cleaned)
        return cleaned

    def _check_transition(self, cleaned) -> None:
        to_status = cleaned.get("status")
        if not to_status or self.user is None:
            return
        # self.instance still holds the stored values here; the form applies its own later.
        proposed = self._proposed(cleaned)
        problem = workflow.transition_problem(user=self.user, article=proposed, to_status=to_status)
        if not problem and to_status == proposed.status == Article.Status.PUBLISHED:
            # An edit to a published article publishes the new text at once: it passes 校对 too.
            problem = workflow.proof_problem(proposed)
        if not problem and to_status == Article.Status.PUBLISHED != proposed.status and self._text_changed():
            # The sign-offs cover the stored text, not what this save would publish.
            problem = review.unsigned_edit_problem(proposed)
        if problem:
            raise ValidationError(problem, code="transition")

    def _text_changed(self) -> bool:
        # The text fields, the ones a restore brings back.
        return any(name in self.changed_data for name in RESTORED_FIELDS)

    def _proposed(self, cleaned) -> Article:
        """The stored article with this form's text, for the completeness and 校对 checks."""
        article = Article.objects.get(pk=self.instance.pk) if self.instance.pk else Article()
        for name in ("kicker", "headline", "subheadline", "standfirst", "body"):
            setattr(article, name, cleaned.get(name, getattr(article, name)))
        return article


class ArticleChangeListForm(VersionGuardMixin, forms.ModelForm):
    """A row edited inside a list (the changelist's list_editable): it carries its row's version too."""

    loaded_version = loaded_version_field()

    class Meta:
        model = Article
        fields = ["position", "publish_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_version_guard()

    def clean(self):
        cleaned = super().clean()
        if self.has_changed():
            self.check_version(cleaned.get("loaded_version"))
        return cleaned


class ArticleOrderForm(ArticleChangeListForm):
    """A row of the issue page's article list, where editors renumber the articles."""

    class Meta(ArticleChangeListForm.Meta):
        fields = ["position"]


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
