"""The editions at the desk: the site information they print (one row, with history)."""
from django.contrib import admin
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy
from reversion.admin import VersionAdmin

from newsroom.admin.keys import CheckedKeysAdmin
from newsroom.editions.models import SiteInfo


@admin.register(SiteInfo)
class SiteInfoAdmin(CheckedKeysAdmin, VersionAdmin):
    """One row: the list goes straight to it, it cannot be added twice or deleted, and
    django-reversion keeps each saved version (历史, with 恢复)."""

    # A site typed without its scheme is the https one (Django 6's default, asked for now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "sponsor", "address", "postcode", "phone", "email", "website"]}),
        (
            gettext_lazy("内部资料性出版物"),
            {
                "description": gettext_lazy(
                    "内部资料性出版物须在报头印准印证号和“内部资料 免费交流”，在报尾印编印单位、发送对象、"
                    "印刷单位、印刷日期和印数。"
                ),
                "fields": ["internal", "permit_number", "publisher", "distribution", "printer", "print_run"],
            },
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        return self._to_the_row()

    def add_view(self, request, form_url="", extra_context=None):
        # A second row cannot exist (SiteInfo.save); once the first is saved, 添加 edits it.
        if SiteInfo.objects.filter(pk=SiteInfo.ROW).exists():
            return self._to_the_row()
        return super().add_view(request, form_url, extra_context)

    def _to_the_row(self):
        if SiteInfo.objects.filter(pk=SiteInfo.ROW).exists():
            return HttpResponseRedirect(reverse("admin:editions_siteinfo_change", args=[SiteInfo.ROW]))
        return HttpResponseRedirect(reverse("admin:editions_siteinfo_add"))
