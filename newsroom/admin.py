"""Admin for issues and reporters."""
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from newsroom.models import Issue, Reporter


class IssueArticleInline(admin.TabularInline):
    model = Article
    fields = ["position", "headline", "status", "publish_at"]
    ordering = ["position"]
    extra = 0
    show_change_link = True


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["number", "date", "title", "status", "article_count", "source_name", "imported_at"]
    list_filter = ["status", "date"]
    search_fields = ["number", "title", "source_name"]
    date_hierarchy = "date"
    readonly_fields = ["source_name", "source_sha256", "imported_at", "created_at", "updated_at"]
    inlines = [IssueArticleInline]
    fieldsets = [
        (None, {"fields": ["number", "date", "title", "status", "published_at", "cover"]}),
        (
            _("导入来源"),
            {
                "classes": ["collapse"],
                "fields": ["source_name", "source_sha256", "source_text", "imported_at"],
            },
        ),
        (_("记录"), {"classes": ["collapse"], "fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_article_count=Count("articles"))

    @admin.display(description=_("文章数"), ordering="_article_count")
    def article_count(self, obj):
        return obj._article_count


@admin.register(Reporter)
class ReporterAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user", "article_count"]
    list_filter = [("user", admin.EmptyFieldListFilter)]
    search_fields = ["name", "slug", "user__username"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_article_count=Count("bylines"))

    @admin.display(description=_("文章数"), ordering="_article_count")
    def article_count(self, obj):
        return obj._article_count
