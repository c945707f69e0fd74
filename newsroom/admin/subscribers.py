"""Subscribers at the desk: the list with counts by status, search, CSV export and import."""
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsroom import tasks
from newsroom.admin.keys import CheckedKeysAdmin
from newsroom.mailing import subscriber_csv
from newsroom.mailing.addresses import normalise_email
from newsroom.mailing.models import Subscriber

# Below the default (0) of every other task; django-tasks allows -100 to 100.
IMPORTED_CONFIRMATION_PRIORITY = -10


def _count_of(relation: str) -> Subquery:
    """How many zones or topics a subscriber chose: a subquery per row shown, not a join
    over every subscriber's choices."""
    through = getattr(Subscriber, relation).through
    return Subquery(
        through.objects.filter(subscriber=OuterRef("pk")).order_by().values("subscriber")
        .annotate(n=Count("*")).values("n"),
        output_field=IntegerField(),
    )


class SubscriberForm(forms.ModelForm):
    # Text, not an EmailField: the address is checked by normalise_email, after full-width
    # characters typed with a Chinese input method have become ASCII.
    email = forms.CharField(label=gettext_lazy("电子邮件"), max_length=320)

    class Meta:
        model = Subscriber
        fields = ["email", "status", "zones", "topics"]

    def clean_email(self):
        # The one form of an address (full-width characters, case), so that no address is
        # stored twice under two spellings.
        return normalise_email(self.cleaned_data["email"])


class SubscriberImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV 文件"),
        help_text=gettext_lazy("第一行是列名：email（或“电子邮件”）必填；zones（关注的高新区）和 topics（关注的话题）可选，"
                               "多个名称用分号或顿号隔开。UTF-8 或 GB18030 编码。"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("导入为"),
        choices=[
            (Subscriber.Status.PENDING, gettext_lazy("待确认：给每个新地址发确认邮件，确认后才收到期刊")),
            (Subscriber.Status.CONFIRMED, gettext_lazy("已订阅：这些地址的主人已经同意接收本刊（由你负责）")),
        ],
        initial=Subscriber.Status.PENDING,
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label=gettext_lazy("我确认这些地址的主人同意接收本刊邮件"), required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > subscriber_csv.MAX_BYTES:
            raise ValidationError(_("文件太大（最多 20 MB）。"))
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Subscriber.Status.CONFIRMED and not cleaned.get("consent"):
            raise ValidationError(_("直接导入为“已订阅”时，请勾选“我确认这些地址的主人同意接收本刊邮件”。"))
        return cleaned


@admin.register(Subscriber)
class SubscriberAdmin(CheckedKeysAdmin, admin.ModelAdmin):
    form = SubscriberForm
    list_display = ["email", "status", "zone_count", "topic_count", "source", "created_at", "confirmed_at"]
    list_filter = ["status", "source"]
    search_fields = ["email"]
    ordering = ["-created_at", "-id"]
    list_per_page = 100
    autocomplete_fields = ["zones", "topics"]
    readonly_fields = ["source", "created_at", "confirmation_sent_at", "confirmed_at", "left_at", "stop_reason",
                       "digest_until"]
    fieldsets = [
        (None, {"fields": ["email", "status", "zones", "topics"]}),
        (gettext_lazy("记录"), {"fields": ["source", "created_at", "confirmation_sent_at", "confirmed_at", "left_at",
                                          "stop_reason", "digest_until"]}),
    ]
    actions = ["export_selected"]
    change_list_template = "admin/mailing/subscriber/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_zone_count=_count_of("zones"), _topic_count=_count_of("topics"))

    @admin.display(description=gettext_lazy("高新区"), ordering="_zone_count")
    def zone_count(self, obj):
        return obj._zone_count or 0

    @admin.display(description=gettext_lazy("话题"), ordering="_topic_count")
    def topic_count(self, obj):
        return obj._topic_count or 0

    def save_model(self, request, obj, form, change):
        if not change:
            obj.source = Subscriber.Source.ADMIN
        super().save_model(request, obj, form, change)

    # --- counts by status

    def changelist_view(self, request, extra_context=None):
        extra = {"status_counts": self.status_counts(), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def status_counts(self) -> list[tuple[str, str, int]]:
        """(status, label, count) for every status, from one GROUP BY query."""
        counts = dict(Subscriber.objects.order_by().values_list("status").annotate(n=Count("pk")))
        return [(value, label, counts.get(value, 0)) for value, label in Subscriber.Status.choices]

    # --- export

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export/", view(self.export_view), name="mailing_subscriber_export"),
            path("import/", view(self.import_view), name="mailing_subscriber_import"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """导出 CSV: the list as filtered and searched on the page (its query string), or all."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            # As the list itself answers a filter it does not know: back to the list.
            return HttpResponseRedirect(reverse("admin:mailing_subscriber_changelist") + "?e=1")
        return self._csv_response(changelist.get_queryset(request))

    @admin.action(description=gettext_lazy("导出所选订阅者（CSV）"), permissions=["view"])
    def export_selected(self, request, queryset):
        return self._csv_response(queryset)

    def _csv_response(self, queryset):
        subscribers = queryset.prefetch_related("zones", "topics").iterator(chunk_size=2000)
        response = StreamingHttpResponse(subscriber_csv.export_lines(subscribers), content_type="text/csv; charset=utf-8")
        name = f"subscribers-{timezone.localtime():%Y%m%d-%H%M}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    # --- import

    def import_view(self, request):
        """导入 CSV: every row checked first; any bad row and nothing is written."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = SubscriberImportForm(request.POST or None, request.FILES or None)
        context = {"form": form}
        if request.method == "POST" and form.is_valid():
            outcome = self._import(request, form.cleaned_data)
            if outcome is None:
                return HttpResponseRedirect(reverse("admin:mailing_subscriber_changelist"))
            context.update(outcome)
        return TemplateResponse(request, "admin/mailing/subscriber/import.html", {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("导入订阅者"),
            "media": self.media + form.media,
            **context,
        })

    def _import(self, request, cleaned) -> dict | None:
        """None when imported (the message says how many); else what to show the editor."""
        try:
            rows, problems = subscriber_csv.validate(subscriber_csv.parse(cleaned["file"].read()))
        except subscriber_csv.CsvRefused as refused:
            return {"import_error": str(refused)}
        if problems:
            return {"import_error": _("有 %(count)s 行不能导入，整个文件都没有写入。请改正后重新上传：") % {"count": len(problems)},
                    "problems": problems}
        if not rows:
            return {"import_error": _("文件里没有地址。")}
        # One transaction with the confirmation tasks (rows of the database backend): no
        # address is imported as 待确认 without the mail that asks it. Behind the worker's
        # other tasks: 100,000 imported addresses take minutes to ask, and a reader who
        # subscribes meanwhile, or an issue being sent, must not wait for them.
        backlog = tasks.send_confirmation.using(priority=IMPORTED_CONFIRMATION_PRIORITY)
        with transaction.atomic():
            result = subscriber_csv.subscribers_import(rows=rows, status=cleaned["status"])
            for pk in result.pending_ids:
                backlog.enqueue(pk)
        self.message_user(request, self._import_summary(result), messages.SUCCESS)
        return None

    @staticmethod
    def _import_summary(result) -> str:
        summary = _("导入完成：新增 %(created)s 位，更新 %(updated)s 位") % {
            "created": result.created, "updated": result.updated}
        if result.kept_stopped:
            summary += _("；%(count)s 位已退订或停发，状态保持不变") % {"count": result.kept_stopped}
        if result.pending_ids:
            summary += _("；已给 %(count)s 个新地址发确认邮件") % {"count": len(result.pending_ids)}
        return summary + "。"
