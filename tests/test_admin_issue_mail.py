"""The issue's email at the desk: 预览邮件, 发送测试邮件, 发送本期 with its count, the send's
progress and failures, 重试失败的收件人 and 继续发送, and who may send."""
import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsroom.mailing.models import Delivery, Mailing, Subscriber
from newsroom.models import Issue
from tests.smtpserver import smtp_server, use_smtp

pytestmark = pytest.mark.django_db

SITE = "https://news.example.cn"


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture(autouse=True)
def site(settings):
    settings.NEWSROOM_SITE_URL = SITE


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def enqueued():
    """sent() -> the mailing ids handed to the worker's send_mailing, from the task queue (the
    send itself is helper C's, tested in tests/test_sending*.py)."""

    def sent() -> list[int]:
        rows = DBTaskResult.objects.filter(task_path="newsroom.tasks.send_mailing").order_by("enqueued_at")
        return [row.args_kwargs["args"][0] for row in rows]

    return sent


@pytest.fixture
def issue(make_issue, make_article):
    issue = make_issue(3, title="春季号")
    make_article("已发布的一篇", issue=issue, position=1)
    make_article("还是草稿的一篇", issue=issue, position=2, status="draft")
    return issue


@pytest.fixture
def chief(editor_user):
    """An editor who is also 总编辑, the role the migration lets send."""
    editor_user.email = "wangfang@example.com"
    editor_user.save()
    editor_user.groups.add(Group.objects.get(name="总编辑"))
    client = Client()
    client.force_login(editor_user)
    return client


def confirmed(count: int, *, start: int = 0) -> None:
    Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{n}@example.com", status=Subscriber.Status.CONFIRMED) for n in range(start, start + count)
    )


def url(issue, action: str) -> str:
    return f"/admin/newsroom/issue/{issue.pk}/mail/{action}/"


class TestRoles:
    def test_only_the_editor_in_chief_role_may_send(self):
        send = Permission.objects.get(content_type__app_label="mailing", codename="send_mailing")
        assert list(send.group_set.values_list("name", flat=True)) == ["总编辑"]

    def test_editors_look_after_subscribers_but_do_not_send(self, editor_user):
        assert editor_user.has_perm("mailing.change_subscriber")
        assert editor_user.has_perm("mailing.view_delivery")
        assert not editor_user.has_perm("mailing.send_mailing")


class TestPreview:
    def test_the_issue_page_offers_preview_and_test_but_sending_only_to_who_may(self, editor_client, issue):
        html = editor_client.get(f"/admin/newsroom/issue/{issue.pk}/change/").content.decode()
        assert f'href="{url(issue, "preview")}"' in html
        assert f'action="{url(issue, "test")}"' in html
        assert url(issue, "send") not in html

    def test_the_editor_in_chief_sees_the_send_button_of_a_published_issue(self, chief, issue):
        html = chief.get(f"/admin/newsroom/issue/{issue.pk}/change/").content.decode()
        assert f'href="{url(issue, "send")}"' in html

    def test_the_preview_frames_the_email_at_a_phones_width_and_switches_to_a_desktops(self, editor_client, issue):
        phone = editor_client.get(url(issue, "preview"))
        assert phone.status_code == 200
        assert f'src="{url(issue, "html")}" width="375"' in phone.content.decode()
        desktop = editor_client.get(url(issue, "preview") + "?device=desktop")
        assert f'src="{url(issue, "html")}" width="700"' in desktop.content.decode()

    def test_the_plain_text_alternative_can_be_read_too(self, editor_client, issue):
        html = editor_client.get(url(issue, "preview") + "?device=text").content.decode()
        assert '<pre class="mail-preview__text">高新区通讯 · 第3期 · 2025年1月6日 · 春季号' in html
        assert "<iframe" not in html

    def test_only_the_preview_page_may_frame_and_only_itself(self, editor_client, issue):
        preview = editor_client.get(url(issue, "preview"))
        assert "frame-src 'self'" in preview["Content-Security-Policy"]
        change = editor_client.get(f"/admin/newsroom/issue/{issue.pk}/change/")
        assert "frame-src" not in change["Content-Security-Policy"]

    def test_the_framed_email_runs_no_script_and_only_the_admin_may_frame_it(self, editor_client, issue):
        response = editor_client.get(url(issue, "html"))
        assert sorted(response["Content-Security-Policy"].split("; ")) == [
            "base-uri 'none'", "default-src 'none'", "form-action 'none'", "frame-ancestors 'self'",
            "img-src https: http: data:", "style-src 'unsafe-inline'",
        ]
        assert response["X-Frame-Options"] == "SAMEORIGIN"

    def test_the_preview_shows_published_articles_and_never_a_draft(self, editor_client, issue):
        html = editor_client.get(url(issue, "html")).content.decode()
        assert "已发布的一篇" in html
        assert "还是草稿的一篇" not in html

    def test_an_unpublished_issue_previews_empty_and_says_why(self, editor_client, issue):
        Issue.objects.filter(pk=issue.pk).update(status="draft")
        page = editor_client.get(url(issue, "preview")).content.decode()
        assert "本期尚未发布。邮件只列出已发布的文章，所以这里还是空的；发布后再预览。" in page
        assert "已发布的一篇" not in editor_client.get(url(issue, "html")).content.decode()

    def test_the_preview_is_for_the_desk_only(self, reporter_client, issue):
        assert reporter_client.get(url(issue, "preview")).status_code == 200  # 记者 may view issues
        assert Client().get(url(issue, "preview")).status_code == 302  # signed out: to the sign-in
        assert Client().get(url(issue, "html")).status_code == 302


class TestTestMail:
    def test_the_test_copy_goes_to_the_signed_in_editor(self, chief, issue, immediate_tasks):
        response = chief.post(url(issue, "test"))
        assert response.status_code == 302
        assert message_texts(response) == ["测试邮件已交给发送队列，稍后发到 wangfang@example.com。"]
        [message] = mail.outbox
        assert message.to == ["wangfang@example.com"]
        assert message.subject == "[测试] 《高新区通讯》第3期：春季号"
        assert "List-Unsubscribe" not in message.extra_headers
        assert "还是草稿的一篇" not in message.body + message.alternatives[0][0]

    def test_an_editor_without_an_address_is_told_so_and_nothing_is_sent(self, editor_client, issue, immediate_tasks):
        response = editor_client.post(url(issue, "test"))
        assert message_texts(response) == ["你的账号没有电子邮件地址，无法发送测试邮件。请先在“账号”里填写你的电子邮件。"]
        assert mail.outbox == []

    def test_a_get_sends_nothing(self, chief, issue, immediate_tasks):
        assert chief.get(url(issue, "test")).status_code == 405
        assert mail.outbox == []

    def test_the_test_copy_arrives_through_a_real_smtp_server(self, chief, issue, immediate_tasks, settings):
        with smtp_server() as server:
            use_smtp(settings, server, backend="django.core.mail.backends.smtp.EmailBackend")
            chief.post(url(issue, "test"))
            [received] = server.wait_for(1)
        assert received.rcpt_tos == ("wangfang@example.com",)
        message = received.message
        # The encoded subject is folded onto the header's next line; clients unfold it.
        assert message["Subject"].strip() == "[测试] 《高新区通讯》第3期：春季号"
        assert message["List-Unsubscribe"] is None
        plain = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "已发布的一篇" in plain and "已发布的一篇" in html
        assert "还是草稿的一篇" not in plain + html


class TestSending:
    def test_the_confirmation_states_the_exact_number_of_confirmed_recipients(self, chief, issue):
        confirmed(1234)
        for status in ("pending", "paused", "unsubscribed", "bounced", "complained"):
            Subscriber.objects.create(email=f"{status}@example.com", status=status)
        html = chief.get(url(issue, "send")).content.decode()
        assert "将发送给 1,234 位已确认的订阅者" in html
        assert '<input type="hidden" name="recipients" value="1234">' in html

    def test_confirming_starts_the_mailing_and_hands_it_to_the_worker(self, chief, issue, enqueued):
        confirmed(3)
        response = chief.post(url(issue, "send"), {"recipients": "3"})
        mailing = Mailing.objects.get(issue=issue)
        assert enqueued() == [mailing.pk]
        assert mailing.deliveries.filter(status=Delivery.Status.QUEUED).count() == 3
        assert response["Location"] == f"/admin/newsroom/issue/{issue.pk}/change/#issue-mail"
        assert message_texts(response) == ["已开始发送第3期，共 3 位收件人；进度见下方“邮件”。"]

    def test_a_count_that_changed_since_the_page_opened_asks_again(self, chief, issue, enqueued):
        confirmed(3)
        response = chief.post(url(issue, "send"), {"recipients": "2"})
        html = response.content.decode()
        assert "打开本页之后订阅者人数有变化，请按新的人数再确认一次。" in html
        assert "将发送给 3 位已确认的订阅者" in html
        assert not Mailing.objects.exists() and enqueued() == []

    def test_an_unpublished_issue_is_refused(self, chief, issue, enqueued):
        confirmed(1)
        Issue.objects.filter(pk=issue.pk).update(status="draft")
        response = chief.post(url(issue, "send"), {"recipients": "1"})
        assert message_texts(response) == ["第3期尚未发布，不能发送给订阅者。请先发布本期。"]
        assert not Mailing.objects.exists() and enqueued() == []

    def test_an_issue_is_never_sent_twice(self, chief, issue, enqueued):
        confirmed(1)
        chief.post(url(issue, "send"), {"recipients": "1"})
        response = chief.post(url(issue, "send"), {"recipients": "1"})
        assert message_texts(response)[-1] == "第3期已经发送过（或正在发送），不会再发一次。"
        assert Mailing.objects.count() == 1 and len(enqueued()) == 1

    def test_nobody_to_send_to_is_said_before_confirming(self, chief, issue, enqueued):
        Subscriber.objects.create(email="pending@example.com", status="pending")
        response = chief.get(url(issue, "send"))
        assert message_texts(response) == ["还没有已确认的订阅者，无人可发。"]
        assert not Mailing.objects.exists() and enqueued() == []

    def test_editors_without_the_permission_cannot_send(self, editor_client, issue, enqueued):
        confirmed(1)
        assert editor_client.get(url(issue, "send")).status_code == 403
        assert editor_client.post(url(issue, "send"), {"recipients": "1"}).status_code == 403
        assert not Mailing.objects.exists()


@pytest.fixture
def mailing(issue, editor_user):
    """A send that got part of the way: sent, failed, interrupted mid-message, still queued."""
    confirmed(60)
    mailing = Mailing.objects.create(kind=Mailing.Kind.ISSUE, issue=issue, created_by=editor_user,
                                     heartbeat=timezone.now())
    statuses = ["sent"] * 5 + ["failed"] * 52 + ["unknown"] + ["queued"] * 2
    Delivery.objects.bulk_create(
        Delivery(mailing=mailing, subscriber=sub, email=sub.email, status=status,
                 error="收件人地址不存在：550 5.1.1 Mailbox unavailable" if status == "failed" else "")
        for sub, status in zip(Subscriber.objects.order_by("pk"), statuses, strict=True)
    )
    return mailing


class TestProgress:
    def test_the_issue_page_counts_deliveries_by_status(self, chief, issue, mailing):
        html = chief.get(f"/admin/newsroom/issue/{issue.pk}/change/").content.decode()
        for status, count in (("queued", 2), ("sending", 0), ("sent", 5), ("failed", 52), ("unknown", 1), ("skipped", 0)):
            assert f'<td class="mail-progress__{status}">{count}</td>' in html
        assert "发送失败的收件人（52 位）" in html
        assert url(issue, "send") not in html

    def test_failures_are_listed_with_their_reasons_fifty_a_page(self, chief, issue, mailing):
        first = chief.get(f"/admin/newsroom/issue/{issue.pk}/change/").content.decode()
        assert first.count("收件人地址不存在：550 5.1.1 Mailbox unavailable") == 50
        assert "第 1 / 2 页" in first
        second = chief.get(f"/admin/newsroom/issue/{issue.pk}/change/?failures=2").content.decode()
        assert second.count("收件人地址不存在：550 5.1.1 Mailbox unavailable") == 2

    def test_retry_queues_the_failed_again_and_hands_them_to_the_worker(self, chief, issue, mailing, enqueued):
        response = chief.post(url(issue, "retry"))
        assert message_texts(response) == ["已把 52 位失败的收件人重新排队发送。"]
        assert mailing.deliveries.filter(status="queued").count() == 54
        assert mailing.deliveries.filter(status="sent").count() == 5
        assert enqueued() == [mailing.pk]

    def test_a_send_with_no_progress_for_two_minutes_offers_to_continue(self, chief, issue, mailing, enqueued):
        change = f"/admin/newsroom/issue/{issue.pk}/change/"
        assert url(issue, "resume") not in chief.get(change).content.decode()
        Mailing.objects.filter(pk=mailing.pk).update(heartbeat=timezone.now() - datetime.timedelta(minutes=3))
        assert f'action="{url(issue, "resume")}"' in chief.get(change).content.decode()
        response = chief.post(url(issue, "resume"))
        assert message_texts(response) == ["已让发送队列继续发送第3期。"]
        assert enqueued() == [mailing.pk]

    def test_a_send_in_progress_is_not_continued_twice(self, chief, issue, mailing, enqueued):
        response = chief.post(url(issue, "resume"))
        assert message_texts(response) == ["本期的发送没有中断，无需继续。"]
        assert enqueued() == []

    def test_editors_without_the_permission_can_neither_retry_nor_continue(self, editor_client, issue, mailing,
                                                                            enqueued):
        assert editor_client.post(url(issue, "retry")).status_code == 403
        assert editor_client.post(url(issue, "resume")).status_code == 403
        assert mailing.deliveries.filter(status="failed").count() == 52 and enqueued() == []
