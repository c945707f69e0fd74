"""Topics (taggit's tags) in the admin.

This replaces taggit's own TagAdmin, which the article form's topic autocomplete needs a
search for; the name rules are the ones the article form applies to typed topics.
"""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from taggit.models import Tag

from articles.topics import topic_name_problem
from newsroom.admin.keys import CheckedKeysAdmin


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


admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(CheckedKeysAdmin, admin.ModelAdmin):
    form = TagForm
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    ordering = ["name"]
    list_filter = []
