"""The issue's email at the desk: 预览邮件, 发送测试邮件, 发送本期, and the send's progress.

The sending itself runs on the worker (newsroom.tasks.send_mailing); these views only
start it, and read the delivery records to show how far it got.
"""
import datetime

from csp.decorators import csp, csp_update
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from newsroom import tasks
from newsroom.mailing import compose, sending
from newsroom.mailing.models import Delivery, Mailing, Subscriber

SEND_PERMISSION = "mailing.send_mailing"
# A send whose worker has shown no progress for this long was interrupted: a live run
# records progress at every batch it claims and at least every sending.HEARTBEAT_EVERY.
# Sooner than the scheduler's own sending.INTERRUPTED_AFTER: an editor watching the page
# may take it up before the scheduler does, and a wrong guess costs no double send
# (sending.mailing_take_over).
STALE_AFTER = datetime.timedelta(minutes=2)
FAILURES_PER_PAGE = 50
PREVIEW_WIDTHS = {"phone": 375, "desktop": 700}
PREVIEW_DEVICES = [*PREVIEW_WIDTHS, "text"]

# The email shown in the preview's frame: its inline styles and its pictures, nothing else;
# no script, no form, and only the admin may frame it.
EMAIL_PREVIEW_CSP = {
    "default-src": ["'none'"],
    "img-src": ["https:", "http:", "data:"],
    "style-src": ["'unsafe-inline'"],
    "frame-ancestors": ["'self'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
}


def issue_mailing(issue) -> Mailing | None:
    return Mailing.objects.filter(kind=Mailing.Kind.ISSUE, issue=issue).first()


def is_interrupted(mailing: Mailing) -> bool:
    """Still SENDING, and stopped by a problem it names, or stalled for STALE_AFTER with work
    a run would do now (the worker killed, restarted); not while it waits for a retry."""
    if mailing.status != Mailing.Status.SENDING:
        return False
    return bool(mailing.problem) or sending.stalled(STALE_AFTER).filter(pk=mailing.pk).exists()


def progress_rows(counts: dict) -> list[tuple[str, str, int]]:
    """(status, label, count) for every delivery status, in the order a delivery goes through them."""
    return [(value, label, counts.get(value, 0)) for value, label in Delivery.Status.choices]


class IssueMailMixin:
    """For IssueAdmin: the email's pages under admin/newsroom/issue/<id>/mail/."""

    def get_urls(self):
        view = self.admin_site.admin_view
        routes = [
            ("preview/", self.mail_preview_view, "preview"),
            ("html/", self.mail_html_view, "html"),
            ("test/", self.mail_test_view, "test"),
            ("send/", self.mail_send_view, "send"),
            ("retry/", self.mail_retry_view, "retry"),
            ("resume/", self.mail_resume_view, "resume"),
        ]
        return [
            *(path(f"<path:object_id>/mail/{route}", view(method), name=f"newsroom_issue_mail_{name}")
              for route, method, name in routes),
            *super().get_urls(),
        ]

    # --- helpers

    def _mail_issue(self, request, object_id):
        issue = self.get_object(request, unquote(object_id))
        if issue is None or not self.has_view_or_change_permission(request, issue):
            raise Http404
        return issue

    def _require_send_permission(self, request):
        if not request.user.has_perm(SEND_PERMISSION):
            raise PermissionDenied

    def _back_to_issue(self, issue):
        return HttpResponseRedirect(reverse("admin:newsroom_issue_change", args=[issue.pk]) + "#issue-mail")

    def _mail_context(self, request, issue, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": issue,
            **extra,
        }

    def mail_panel_context(self, request, issue) -> dict:
        """What the issue's change page shows of its email: buttons, progress, failures."""
        mailing = issue_mailing(issue)
        context = {"mailing": mailing, "can_send_mail": request.user.has_perm(SEND_PERMISSION)}
        if mailing is None:
            return context
        failed = mailing.deliveries.filter(status=Delivery.Status.FAILED).order_by("id")
        context.update({
            "mail_progress": progress_rows(sending.mailing_progress(mailing)),
            "mail_failures": Paginator(failed.only("email", "error", "attempts", "updated_at"), FAILURES_PER_PAGE)
            .get_page(request.GET.get("failures")),
            "mail_interrupted": is_interrupted(mailing),
            "mail_retry_at": sending.next_retry_at(mailing.pk) if mailing.status == Mailing.Status.SENDING else None,
        })
        return context


    # --- preview

    @csp_update({"frame-src": ["'self'"]})
    def mail_preview_view(self, request, object_id):
        """预览邮件: the email in a frame at a phone's or a desktop's width."""
        issue = self._mail_issue(request, object_id)
        device = request.GET.get("device") if request.GET.get("device") in PREVIEW_DEVICES else "phone"
        parts = compose.issue_parts(issue, test=True)
        context = self._mail_context(
            request, issue,
            title=_("预览邮件：%(issue)s") % {"issue": issue},
            subject=parts.subject,
            article_count=len(compose.issue_articles(issue)),
            device=device,
            width=PREVIEW_WIDTHS.get(device),
            widths=[(key, value, key == device) for key, value in PREVIEW_WIDTHS.items()],
            # The plain-text alternative, as a reader whose client shows no HTML gets it.
            text=compose.render_for(parts, None, to="preview@localhost").body if device == "text" else "",
        )
        return TemplateResponse(request, "admin/newsroom/issue/mail_preview.html", context)

    @xframe_options_sameorigin
    @csp(EMAIL_PREVIEW_CSP)
    def mail_html_view(self, request, object_id):
        """The email's HTML for the preview's frame: the editor's copy, as 发送测试邮件 sends it."""
        issue = self._mail_issue(request, object_id)
        message = compose.render_for(compose.issue_parts(issue, test=True), None, to="preview@localhost")
        return HttpResponse(message.alternatives[0][0], content_type="text/html; charset=utf-8")

    # --- sending

    def mail_test_view(self, request, object_id):
        """发送测试邮件 to the signed-in editor, through the worker like every other mail."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        issue = self._mail_issue(request, object_id)
        if not self.has_change_permission(request, issue):
            raise PermissionDenied
        address = (request.user.email or "").strip()
        if not address:
            self.message_user(request, _("你的账号没有电子邮件地址，无法发送测试邮件。请先在“账号”里填写你的电子邮件。"),
                              messages.ERROR)
        else:
            tasks.send_test_issue.enqueue(issue.pk, address)
            self.message_user(request, _("测试邮件已交给发送队列，稍后发到 %(address)s。") % {"address": address},
                              messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:newsroom_issue_mail_preview", args=[issue.pk]))

    def _send_refusal(self, issue) -> str:
        if not issue.is_published:
            return _("%(issue)s尚未发布，不能发送给订阅者。请先发布本期。") % {"issue": issue}
        if issue_mailing(issue) is not None:
            return _("%(issue)s已经发送过（或正在发送），不会再发一次。") % {"issue": issue}
        if not Subscriber.objects.receiving().exists():
            return _("还没有已确认的订阅者，无人可发。")
        return ""

    def mail_send_view(self, request, object_id):
        """发送本期: a confirmation stating the exact number of recipients, then the send."""
        issue = self._mail_issue(request, object_id)
        self._require_send_permission(request)
        if refusal := self._send_refusal(issue):
            self.message_user(request, refusal, messages.ERROR)
            return self._back_to_issue(issue)
        recipients = Subscriber.objects.receiving().count()
        if request.method == "POST" and request.POST.get("recipients") == str(recipients):
            return self._start_sending(request, issue)
        context = self._mail_context(
            request, issue,
            title=_("发送本期：%(issue)s") % {"issue": issue},
            recipients=recipients,
            recipients_line=_("将发送给 %(count)s 位已确认的订阅者") % {"count": f"{recipients:,}"},
            # A POST whose count is stale (someone subscribed or left meanwhile) asks again.
            count_changed=request.method == "POST",
            subject=compose.issue_subject(issue),
            article_count=len(compose.issue_articles(issue)),
        )
        return TemplateResponse(request, "admin/newsroom/issue/mail_send.html", context)

    def _start_sending(self, request, issue):
        try:
            mailing = tasks.issue_mailing_send(issue=issue, by=request.user)
        except sending.MailingRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return self._back_to_issue(issue)
        total = mailing.deliveries.count()
        self.message_user(request, _("已开始发送%(issue)s，共 %(count)s 位收件人；进度见下方“邮件”。")
                          % {"issue": issue, "count": f"{total:,}"}, messages.SUCCESS)
        return self._back_to_issue(issue)

    def _mailing_for_action(self, request, object_id):
        issue = self._mail_issue(request, object_id)
        self._require_send_permission(request)
        mailing = issue_mailing(issue)
        if mailing is None:
            raise Http404
        return issue, mailing

    def mail_retry_view(self, request, object_id):
        """重试失败的收件人: the refused deliveries queue again, and the worker sends them."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        issue, mailing = self._mailing_for_action(request, object_id)
        count = tasks.mailing_retry(mailing)
        if count:
            self.message_user(request, _("已把 %(count)s 位失败的收件人重新排队发送。") % {"count": count},
                              messages.SUCCESS)
        else:
            self.message_user(request, _("没有发送失败的收件人。"), messages.INFO)
        return self._back_to_issue(issue)

    def mail_resume_view(self, request, object_id):
        """继续发送 an interrupted send: the worker takes up the queued deliveries; one that was
        being sent when it stopped is marked 中断（可能已送达） and not sent again."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        issue, mailing = self._mailing_for_action(request, object_id)
        # What a dead run left 发送中 becomes 中断（可能已送达）, the rest is sent on the worker.
        if not is_interrupted(mailing) or not tasks.mailing_continue(mailing):
            self.message_user(request, _("本期的发送没有中断，无需继续。"), messages.INFO)
            return self._back_to_issue(issue)
        self.message_user(request, _("已让发送队列继续发送%(issue)s。") % {"issue": issue}, messages.SUCCESS)
        return self._back_to_issue(issue)
