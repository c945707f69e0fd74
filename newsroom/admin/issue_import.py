"""Importing an issue file from the admin: upload, a dry run that shows the plan, then confirm.

The upload is kept in the session between the two steps and named by its SHA-256, so the
confirmation imports exactly the file whose plan the editor read.
"""
import base64
import hashlib
from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles import workflow
from newsroom.importing.loader import ImportFailed, import_issue, next_issue_number
from newsroom.importing.report import (
    duplicate_lines,
    plan_rows,
    planned_date,
    summary_line,
    warning_lines,
)

IMPORT_SESSION_KEY = "newsroom_issue_import"


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


class IssueImportMixin:
    """For IssueAdmin: the import page at admin/newsroom/issue/import/."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("import/", view(self.import_view), name="newsroom_issue_import"), *super().get_urls()]

    def import_view(self, request):
        if not (self.has_add_permission(request) and workflow.can_publish(request.user)):
            raise PermissionDenied
        if request.method == "POST" and "_confirm" in request.POST:
            return self._import_confirm(request)
        form = IssueImportForm(request.POST or None, request.FILES or None, next_number=next_issue_number())
        context = {"form": form, "media": self.media + form.media}
        if request.method == "POST" and form.is_valid():
            context.update(self._import_dry_run(request, form))
        return self._import_response(request, context)

    def _import_dry_run(self, request, form) -> dict:
        upload = form.cleaned_data["file"]
        data = upload.read()
        options = self._import_options(form.cleaned_data)
        try:
            # No transaction: a dry run only reads, and on SQLite a transaction would take
            # the write lock. The confirmation plans again under the import lock.
            result = import_issue(data=data, source_name=upload.name, dry_run=True, **options)
        except ImportFailed as error:
            return {"import_error": str(error)}
        request.session[IMPORT_SESSION_KEY] = {
            "name": upload.name,
            "data": base64.b64encode(data).decode("ascii"),
            "sha256": hashlib.sha256(data).hexdigest(),
            "options": {**options, "date": options["date"].isoformat() if options["date"] else None},
        }
        return {"result": result, "rows": plan_rows(result), "summary": summary_line(result),
                "warnings": warning_lines(result), "sha256": hashlib.sha256(data).hexdigest(),
                "issue_date": planned_date(result, date=options["date"]), "duplicates": duplicate_lines(result)}

    def _import_options(self, cleaned) -> dict:
        return {
            "number": cleaned.get("number"),
            "date": cleaned.get("date"),
            "title": cleaned.get("title") or None,
            "force": cleaned.get("force", False),
            "allow_duplicate": cleaned.get("allow_duplicate", False),
        }

    def _import_confirm(self, request):
        pending = request.session.get(IMPORT_SESSION_KEY)
        if not pending or pending["sha256"] != request.POST.get("sha256"):
            self.message_user(request, _("上传的文件已过期，请重新上传。"), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:newsroom_issue_import"))
        options = dict(pending["options"])
        if options["date"]:
            options["date"] = date.fromisoformat(options["date"])
        data = base64.b64decode(pending["data"])
        comment = _("从后台导入 %(name)s") % {"name": pending["name"]}
        try:
            result = import_issue(data=data, source_name=pending["name"], user=request.user, comment=comment, **options)
        except ImportFailed as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:newsroom_issue_import"))
        del request.session[IMPORT_SESSION_KEY]
        self.message_user(request, summary_line(result), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:newsroom_issue_change", args=[result.issue.pk]))

    def _import_response(self, request, context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("导入期刊文本"),
            **context,
        }
        return TemplateResponse(request, "admin/newsroom/issue/import.html", context)
