"""三审's stages in the admin."""
from django.contrib import admin

from articles.models import ReviewStage
from newsroom.admin.keys import CheckedKeysAdmin


@admin.register(ReviewStage)
class ReviewStageAdmin(CheckedKeysAdmin, admin.ModelAdmin):
    """三审's stages: a small team switches off what it does not use."""

    list_display = ["name", "role", "group", "order", "active"]
    list_editable = ["active"]
    ordering = ["order"]
