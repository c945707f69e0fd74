"""A send whose mail server is down says so on the issue page, loses nobody, and continues
when an editor asks (or the scheduler retries) once the server is back."""
import datetime
import socket
from types import SimpleNamespace

import pytest
from django.utils import timezone

from newsroom import tasks
from newsroom.mailing import sending
from newsroom.mailing.models import Delivery, Mailing, Subscriber
from tests.smtpserver import smtp_server, use_smtp

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_connection(settings):
    # Threads would not see this test's uncommitted rows (see tests/test_mail_sending.py).
    settings.NEWSROOM_MAIL_CONNECTIONS = 1


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailing(imported_seed, settings):
    for n in range(3):
        Subscriber.objects.create(email=f"r{n}@example.com", status=Subscriber.Status.CONFIRMED)
    use_smtp(settings, SimpleNamespace(port=closed_port()))
    return sending.issue_mailing_start(issue=imported_seed, by=None)


class TestServerDown:
    def test_the_run_stops_and_records_why_without_touching_a_recipient(self, mailing, settings):
        with pytest.raises(sending.MailServerUnavailable):
            sending.mailing_run(mailing.pk)
        mailing.refresh_from_db()
        assert mailing.status == Mailing.Status.SENDING
        assert mailing.problem.startswith(f"无法连接邮件服务器 127.0.0.1:{settings.EMAIL_PORT}：")
        assert mailing.problem_at is not None
        assert list(mailing.deliveries.values_list("status", "attempts", "claim")) == [
            (Delivery.Status.QUEUED, 0, "")] * 3

    def test_the_next_run_clears_the_problem_and_sends_everyone_once(self, mailing, settings):
        with pytest.raises(sending.MailServerUnavailable):
            sending.mailing_run(mailing.pk)
        with smtp_server() as server:
            use_smtp(settings, server)
            assert sending.mailing_run(mailing.pk)["sent"] == 3
        assert sorted(m.rcpt_tos[0] for m in server.messages) == ["r0@example.com", "r1@example.com", "r2@example.com"]
        mailing.refresh_from_db()
        assert (mailing.status, mailing.problem, mailing.problem_at) == (Mailing.Status.DONE, "", None)


class TestTheIssuePage:
    @pytest.fixture
    def chief(self, client, django_user_model):
        user = django_user_model.objects.create_superuser("chief", "chief@example.com", "pw")
        client.force_login(user)
        return client

    def test_shows_the_problem_and_continues_at_once(self, chief, mailing, imported_seed):
        with pytest.raises(sending.MailServerUnavailable):
            sending.mailing_run(mailing.pk)
        # The heartbeat is recent: only the recorded problem makes it resumable now.
        assert timezone.now() - Mailing.objects.get(pk=mailing.pk).heartbeat < sending.INTERRUPTED_AFTER
        change = f"/admin/newsroom/issue/{imported_seed.pk}/change/"
        html = chief.get(change).content.decode()
        assert "发送受阻（" in html and "无法连接邮件服务器 127.0.0.1:" in html
        resume = f"/admin/newsroom/issue/{imported_seed.pk}/mail/resume/"
        assert f'action="{resume}"' in html
        response = chief.post(resume, follow=True)
        assert [str(m) for m in response.context["messages"]] == [f"已让发送队列继续发送{imported_seed}。"]
        from django_tasks_db.models import DBTaskResult

        assert [(r.task_path, r.args_kwargs["args"]) for r in DBTaskResult.objects.exclude(task_path="newsroom.tasks.print_issue")] == [
            ("newsroom.tasks.send_mailing", [mailing.pk])]


    def test_a_send_waiting_for_a_retry_says_when_and_is_not_called_interrupted(self, chief, mailing, imported_seed):
        due = timezone.now() + datetime.timedelta(minutes=5)
        mailing.deliveries.update(retry_at=due, attempts=1)
        Mailing.objects.filter(pk=mailing.pk).update(heartbeat=timezone.now() - datetime.timedelta(hours=1))
        html = chief.get(f"/admin/newsroom/issue/{imported_seed.pk}/change/").content.decode()
        when = timezone.localtime(due).strftime("%H:%M")
        assert f"这些收件人将于 {when} 起自动重试。" in html
        assert f"/admin/newsroom/issue/{imported_seed.pk}/mail/resume/" not in html


class TestTakeOver:
    def test_a_run_that_is_alive_after_all_loses_its_claims_and_nobody_is_sent_twice(self, mailing, settings):
        """An editor's 继续发送 while a run still holds rows: the rows go back to the queue, the
        one in flight becomes UNKNOWN; what the old run then tries is withdrawn."""
        mailing.deliveries.filter(email="r0@example.com").update(status=Delivery.Status.SENDING, claim="live")
        mailing.deliveries.filter(email="r1@example.com").update(claim="live")
        assert tasks.mailing_continue(mailing) is True
        assert dict(mailing.deliveries.values_list("email", "status")) == {
            "r0@example.com": "unknown", "r1@example.com": "queued", "r2@example.com": "queued"}
        assert set(mailing.deliveries.values_list("claim", flat=True)) == {""}
        # The live run's next point of no return needs its claim: it has none now.
        assert Delivery.objects.filter(email="r1@example.com", claim="live").count() == 0

    def test_a_finished_mailing_is_not_taken_over(self, mailing):
        Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.DONE)
        assert tasks.mailing_continue(mailing) is False


class TestProviderUnreachable:
    """django-anymail's Postmark backend, its API URL on a port nothing listens on: the
    request never leaves, so the row goes back to the queue and the run stops, as for SMTP."""

    @pytest.fixture
    def postmark(self, settings):
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "token", "POSTMARK_API_URL": f"http://127.0.0.1:{closed_port()}/"}

    def test_nobody_is_marked_and_the_problem_is_recorded(self, mailing, postmark):
        with pytest.raises(sending.MailServerUnavailable):
            sending.mailing_run(mailing.pk)
        mailing.refresh_from_db()
        assert mailing.problem.startswith("无法连接邮件服务商：")
        assert list(mailing.deliveries.order_by("pk").values_list("status", "attempts", "claim")) == [
            (Delivery.Status.QUEUED, 0, "")] * 3


class TestAddressEditedMidSend:
    def test_the_delivery_records_the_address_the_message_went_to(self, imported_seed, settings):
        reader = Subscriber.objects.create(email="old@example.com", status=Subscriber.Status.CONFIRMED)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        Subscriber.objects.filter(pk=reader.pk).update(email="new@example.com")
        with smtp_server() as server:
            use_smtp(settings, server)
            sending.mailing_run(mailing.pk)
        assert [list(m.rcpt_tos) for m in server.messages] == [["new@example.com"]]
        assert list(mailing.deliveries.values_list("email", "status")) == [("new@example.com", "sent")]
