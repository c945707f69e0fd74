"""Admin forms for articles: the rich-text body, the workflow check and edit-conflict guard."""
from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget
from taggit.models import Tag

from articles import review, workflow
from articles.body import sanitize_html
from articles.models import Article, ProofWord
from articles.revisions.conflict import EditConflict
from articles.revisions.history import RESTORED_FIELDS
from articles.topics import topic_name_problem

# What the editor offers, and nothing more: it matches the allowlist of our sanitizer.
BODY_EXTENSIONS = {
    "Bold": True,
    "Heading": {"levels": [2, 3]},
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "Blockquote": True,
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "HardBreak": True,
}


class ChineseProseEditorWidget(AdminProseEditorWidget):
    """prose-editor's admin widget, with a module that puts its hard-coded English labels into Chinese."""

    @property
    def media(self):
        return super().media + forms.Media(js=["js/prose-editor-zh.js"])


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
            "issue", "position", "kicker", "headline", "subheadline", "dateline", "standfirst", "body",
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


class IssueImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("期刊文本文件"), help_text=gettext_lazy("UTF-8、GB18030 或 UTF-16 编码的 .txt 文件。"))
    number = forms.IntegerField(label=gettext_lazy("期号"), required=False, min_value=1)
    date = forms.DateField(
        label=gettext_lazy("出版日期"),
        required=False,
        widget=AdminDateWidget,
        help_text=gettext_lazy("留空时新的一期用今天的日期，已有的一期保留原来的日期。"),
    )
    title = forms.CharField(label=gettext_lazy("标题"), required=False, max_length=200)
    force = forms.BooleanField(label=gettext_lazy("覆盖编辑改过的文章"), required=False)
    allow_duplicate = forms.BooleanField(
        label=gettext_lazy("允许重复导入"),
        required=False,
        help_text=gettext_lazy("内容与已有的某一期相同时仍然导入为新的一期（命令行的 --allow-duplicate）。"),
    )

    def __init__(self, *args, next_number: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].help_text = _(
            "留空时：再次导入同一文件会更新原来那一期，否则取下一个空闲期号（现在是第 %(number)s 期）。"
        ) % {"number": next_number}


class TagForm(forms.ModelForm):
    """A topic in the topic admin: the same name rules as topics typed in the article form."""

    class Meta:
        model = Tag
        fields = ["name", "slug"]

    def clean_name(self):
        name = self.cleaned_data["name"]
        if problem := topic_name_problem(name):
            raise ValidationError(problem, code="invalid")
        # Topics are case-insensitive (TAGGIT_CASE_INSENSITIVE): with both "AI" and "ai"
        # stored, taggit's lookup of either finds two rows and every save that names it fails.
        same = Tag.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).first()
        if same is not None:
            raise ValidationError(_("已有同名话题“%(name)s”。") % {"name": same.name}, code="unique")
        return name


class ProofWordForm(forms.ModelForm):
    """A word of the 校对 list: no blank words, no spaces at either end, a different replacement."""

    class Meta:
        model = ProofWord
        fields = ["word", "severity", "replacement", "note"]

    def clean_word(self):
        word = self.cleaned_data["word"].strip()
        if not word:
            raise ValidationError(_("词语不能为空。"), code="blank")
        return word

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("word") and cleaned.get("replacement", "").strip() == cleaned["word"]:
            self.add_error("replacement", _("建议改为的词语与原词相同。"))
        return cleaned
