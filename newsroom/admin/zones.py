"""Zones in the admin: editors add the zones the reference list lacks."""
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from newsroom.admin.keys import CheckedKeysAdmin
from zones.models import Zone


@admin.register(Zone)
class ZoneAdmin(CheckedKeysAdmin, admin.ModelAdmin):
    list_display = ["name", "official_name", "province", "city", "approved_year", "verified", "article_count"]
    # Meta.ordering does not apply to the annotated (GROUP BY) queryset, which the
    # autocomplete would otherwise page through in no fixed order.
    ordering = ["province", "name"]
    list_filter = ["verified", "province"]
    search_fields = ["name", "official_name", "aliases", "city", "slug"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "official_name", "aliases", "province", "city", "approved_year", "verified"]}),
        (_("其他"), {"classes": ["collapse"], "fields": ["slug", "source", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_article_count=Count("mentions"))

    @admin.display(description=_("文章数"), ordering="_article_count")
    def article_count(self, obj):
        return obj._article_count
