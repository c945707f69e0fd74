"""Admin for articles, with their bylines and zone mentions inline."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from articles.models import Article, Byline, ZoneMention


class BylineInline(admin.TabularInline):
    model = Byline
    autocomplete_fields = ["reporter"]
    extra = 0
    ordering = ["position"]


class ZoneMentionInline(admin.TabularInline):
    model = ZoneMention
    autocomplete_fields = ["zone"]
    extra = 0


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "issue", "position", "status", "publish_at", "byline_names", "updated_at"]
    list_filter = ["status", "issue", "zones__province", ("publish_at", admin.DateFieldListFilter)]
    search_fields = ["headline", "subheadline", "kicker", "body", "reporters__name", "zones__name"]
    autocomplete_fields = ["issue"]
    list_select_related = ["issue"]
    readonly_fields = ["slug", "version", "unknown_zones", "import_ref", "import_fingerprint", "created_at", "updated_at"]
    inlines = [BylineInline, ZoneMentionInline]
    fieldsets = [
        (None, {"fields": ["issue", "position", "kicker", "headline", "subheadline", "dateline"]}),
        (_("正文"), {"fields": ["standfirst", "body"]}),
        (_("发布"), {"fields": ["status", "publish_at", "tags"]}),
        (_("高新区"), {"fields": ["unknown_zones"]}),
        (
            _("记录"),
            {
                "classes": ["collapse"],
                "fields": ["slug", "version", "import_ref", "import_fingerprint", "created_at", "updated_at"],
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("reporters")

    @admin.display(description=_("记者"))
    def byline_names(self, obj):
        return "、".join(r.name for r in obj.reporters.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.update_search_text()


# Topics get autocomplete in the article form through taggit's own admin search.
admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    list_filter = []
