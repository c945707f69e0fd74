"""The 校对 word list in the admin."""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from articles.models import ProofWord
from newsroom.admin.keys import CheckedKeysAdmin


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


@admin.register(ProofWord)
class ProofWordAdmin(CheckedKeysAdmin, admin.ModelAdmin):
    """The editors' 校对 word list: 禁用 words block publication, 提示 words only warn."""

    form = ProofWordForm
    list_display = ["word", "severity", "replacement", "note", "updated_at"]
    list_filter = ["severity"]
    search_fields = ["word", "replacement", "note"]
    fields = ["word", "severity", "replacement", "note"]
