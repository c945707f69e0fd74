"""The issue's print edition at the desk: the 印刷版 section of the issue page and 重新生成.

The PDF is made on the worker (newsroom.tasks.print_issue); this section only asks for it
and reads the row: its status, pages, size and time, whether it still matches the articles
and the site information, and what went wrong.
"""
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _

from newsroom import tasks
from newsroom.editions.models import PrintEdition
from newsroom.editions.printing import edition_changes
from newsroom.links import link

PRINT_PERMISSION = "editions.print_edition"


class IssuePrintMixin:
    """For IssueAdmin: the 印刷版 section, and POST admin/newsroom/issue/<id>/print/."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.print_request_view)
        return [path("<path:object_id>/print/", view, name="newsroom_issue_print"), *super().get_urls()]

    def print_panel_context(self, request, issue) -> dict:
        edition = PrintEdition.objects.filter(issue=issue).first()
        context = {"print_edition": edition, "can_print": request.user.has_perm(PRINT_PERMISSION)}
        if edition is None:
            return context
        if edition.pdf:
            context["print_pdf_url"] = edition.pdf.url
        if edition.status == PrintEdition.Status.READY:
            context["print_changes"] = edition_changes(edition)
            if issue.is_published:
                context["print_epaper_url"] = link("epaper:page", number=issue.number)
        return context


    def print_request_view(self, request, object_id):
        """重新生成: a new print edition, made on the worker; only for a published issue."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        issue = self.get_object(request, unquote(object_id))
        if issue is None or not self.has_view_or_change_permission(request, issue):
            raise Http404
        if not request.user.has_perm(PRINT_PERMISSION):
            raise PermissionDenied
        if not issue.is_published:
            self.message_user(request, _("%(issue)s尚未发布，不能生成印刷版。") % {"issue": issue}, messages.ERROR)
        else:
            tasks.issue_print_request(issue=issue, by=request.user)
            self.message_user(request, _("已请求重新生成%(issue)s的印刷版，稍后在下方“印刷版”查看结果。") % {"issue": issue},
                              messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:newsroom_issue_change", args=[issue.pk]) + "#issue-print")
