"""校对 in the article admin: the panel on the form, a re-check of unsaved text, a note after saving."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from articles import proof
from articles.proofreading import FIELDS, excerpt


def proof_panel_context(texts: dict[str, str], *, editable: bool = True) -> dict:
    """The 校对 panel: the report, and each finding with its field's label and its context.

    On a read-only page there is nothing to re-check or select, so no buttons."""
    report = proof.texts_proofread(texts)
    labels = dict(FIELDS)
    findings = [
        dict(zip(("before", "found", "after"), excerpt(texts[f.field], f), strict=True),
             finding=f, field_label=labels[f.field])
        for f in report.findings
    ]
    blocked = len(report.blocking)
    return {
        "report": report, "findings": findings, "editable": editable,
        "blocked_count": blocked, "warned_count": len(findings) - blocked,
    }


class ProofViewsMixin:
    """For ArticleAdmin: the 校对 view and the helpers its change form and saves use."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("proofread/", view(self.proofread_view), name="articles_article_proofread"), *super().get_urls()]

    def _proof_texts(self, form, obj):
        """What the editor sees: the typed text on a refused save, else the stored article."""
        if form.is_bound:
            return proof.texts_from_data(form.data)
        return proof.article_texts(obj) if obj is not None else proof.texts_from_data({})

    def proofread_view(self, request):
        """校对 on demand: the panel for the form's current, unsaved text."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        context = {"proof": proof_panel_context(proof.texts_from_data(request.POST))}
        return TemplateResponse(request, "admin/articles/article/includes/proof_panel.html", context)

    def _proof_message(self, request, obj):
        """校对 on save: what the saved text still has, named in the message after saving."""
        report = proof.article_proofread(article=obj)
        if not report.findings:
            return
        blocked = len(report.blocking)
        url = reverse("admin:articles_article_change", args=[obj.pk]) + "#proofread"
        text = _("校对：《%(headline)s》有禁用 %(blocked)s 处、提示 %(warned)s 处，") % {
            "headline": obj.headline, "blocked": blocked, "warned": len(report.findings) - blocked,
        }
        self.message_user(request, format_html('{}<a href="{}">{}</a>', text, url, _("查看校对结果")),
                          messages.ERROR if blocked else messages.WARNING)
