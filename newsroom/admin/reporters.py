"""Reporters in the admin."""
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy

from newsroom.admin.image_chooser import ImageChooserAdminMixin
from newsroom.admin.keys import CheckedKeysAdmin
from newsroom.models import Reporter


@admin.register(Reporter)
class ReporterAdmin(ImageChooserAdminMixin, CheckedKeysAdmin, admin.ModelAdmin):
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
