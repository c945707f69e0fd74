"""Findings of the review of the email edition (issue 13), each pinned by a test."""
import datetime
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsroom import tasks
from newsroom.mailing import compose, digests, sending
from newsroom.mailing.addresses import normalise_email
from newsroom.mailing.models import Delivery, Mailing, Subscriber
from newsroom.mailing.tokens import manage_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_connection(settings):
    # A second thread would not see the rows this test's transaction holds.
    settings.NEWSROOM_MAIL_CONNECTIONS = 1



class TestSubjectOnOneLine:
    def test_a_title_with_a_line_break_makes_a_one_line_subject(self, imported_seed):
        """A title saved with line breaks is folded into one line, which a header may carry."""
        imported_seed.title = "园区\r\n动态\n汇总"
        imported_seed.save(update_fields=["title"])
        message = compose.issue_message(imported_seed, to="editor@example.com", sub=None)
        message.message()  # builds the headers: no BadHeaderError
        assert message.subject == "[测试] 《高新区通讯》第1期：园区 动态 汇总"

    def test_a_send_of_such_an_issue_reaches_every_reader(self, mail_server, imported_seed):
        """Before, every message raised BadHeaderError and the run died on the first one."""
        imported_seed.title = "园区\n动态"
        imported_seed.save(update_fields=["title"])
        for n in range(2):
            Subscriber.objects.create(email=f"r{n}@example.com", status=Subscriber.Status.CONFIRMED)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        assert sending.mailing_run(mailing.pk) == {"sent": 2, "failed": 0, "skipped": 0, "unknown": 0, "requeued": 0}
        assert sorted(m.rcpt_tos[0] for m in mail_server.messages) == ["r0@example.com", "r1@example.com"]


class TestPointOfNoReturn:
    def test_the_update_to_sending_checks_status_and_claim_on_the_row_itself(self, imported_seed):
        """The row's own status and claim are in the UPDATE's WHERE, outside any subquery, so
        that PostgreSQL re-checks them on a row another statement changed meanwhile."""
        Subscriber.objects.create(email="r0@example.com", status=Subscriber.Status.CONFIRMED)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        delivery = mailing.deliveries.get()
        run = sending._Run(mailing, make=None)
        Delivery.objects.filter(pk=delivery.pk).update(claim=run.token)
        with CaptureQueriesContext(connection) as queries:
            assert sending._mark_sending(run, delivery, "<m@example.com>", "r0@example.com") is True
        [update] = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
        where = update.split(" WHERE ", 1)[1]
        outer = where.split("SELECT", 1)[0]
        assert ('"status" = ' in outer, '"claim" = ' in outer, "JOIN" in update) == (True, True, False)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.message_id) == ("sending", 1, "<m@example.com>")

    def test_a_reader_who_left_is_not_taken_to_sending(self, imported_seed):
        sub = Subscriber.objects.create(email="r0@example.com", status=Subscriber.Status.CONFIRMED)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        delivery = mailing.deliveries.get()
        run = sending._Run(mailing, make=None)
        Delivery.objects.filter(pk=delivery.pk).update(claim=run.token)
        Subscriber.objects.filter(pk=sub.pk).update(status=Subscriber.Status.UNSUBSCRIBED)
        assert sending._mark_sending(run, delivery, "<m@example.com>", "r0@example.com") is False
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("queued", 0)


# A domain of 60 Han characters: within the validator's 63 characters a label, beyond
# punycode's 63 bytes, so no message can be written to it.
UNSENDABLE = "reader@" + "中" * 60 + ".com"


class TestAddressesThatCannotBeSentTo:
    def test_the_subscribe_rule_refuses_a_domain_punycode_cannot_carry(self):
        with pytest.raises(ValidationError) as refused:
            normalise_email(UNSENDABLE)
        assert refused.value.messages == [f"“{UNSENDABLE}”不是有效的电子邮件地址。"]

    def test_a_long_but_encodable_chinese_domain_is_still_accepted(self):
        # Stored as mail servers spell it (tests/test_addresses_idn.py).
        assert normalise_email("Reader@" + "中" * 10 + ".中国") == "reader@xn--fiqaaaaaaaaa.xn--fiqs8s"

    def test_one_such_address_already_stored_fails_alone_and_the_send_goes_on(self, mail_server, imported_seed):
        """Before, the run died on that row every time it was resumed: nobody after it got the issue."""
        for address in ("r0@example.com", UNSENDABLE, "r2@example.com"):
            Subscriber.objects.create(email=address, status=Subscriber.Status.CONFIRMED)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        assert sending.mailing_run(mailing.pk) == {"sent": 2, "failed": 1, "skipped": 0, "unknown": 0, "requeued": 0}
        assert sorted(m.rcpt_tos[0] for m in mail_server.messages) == ["r0@example.com", "r2@example.com"]
        failed = mailing.deliveries.get(email=UNSENDABLE)
        assert (failed.status, failed.attempts) == (Delivery.Status.FAILED, 1)
        assert failed.error.startswith("邮件无法生成：")
        mailing.refresh_from_db()
        assert mailing.status == Mailing.Status.DONE


class TestSendMailingsCommand:
    def test_by_default_a_send_is_interrupted_after_the_engines_ten_minutes(self, imported_seed):
        Subscriber.objects.create(email="r0@example.com", status=Subscriber.Status.CONFIRMED)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        outputs = []
        for minutes in (9, 11):
            Mailing.objects.filter(pk=mailing.pk).update(heartbeat=timezone.now() - datetime.timedelta(minutes=minutes))
            call_command("send_mailings", "--resume", stdout=(out := StringIO()))
            outputs.append(out.getvalue())
        assert outputs == ["已将 0 个被中断的邮件发送交给后台任务进程继续。\n", "已将 1 个被中断的邮件发送交给后台任务进程继续。\n"]


class TestFinishAndRetryCrossing:
    def test_a_done_mailing_that_still_has_queued_rows_sends_them(self, mail_server, imported_seed):
        """What a finish that missed a retry's rows leaves: DONE, with rows queued. Before,
        the run returned at once on DONE and those readers never got the issue."""
        for n in range(2):
            Subscriber.objects.create(email=f"r{n}@example.com", status=Subscriber.Status.CONFIRMED)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.DONE)
        assert sending.mailing_run(mailing.pk) == {"sent": 2, "failed": 0, "skipped": 0, "unknown": 0, "requeued": 0}
        assert sorted(m.rcpt_tos[0] for m in mail_server.messages) == ["r0@example.com", "r1@example.com"]

    def test_a_done_mailing_without_queued_rows_sends_nothing(self, mail_server, imported_seed):
        Subscriber.objects.create(email="r0@example.com", status=Subscriber.Status.CONFIRMED)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        sending.mailing_run(mailing.pk)
        assert sending.mailing_run(mailing.pk) == {"sent": 0, "failed": 0, "skipped": 0, "unknown": 0, "requeued": 0}
        assert len(mail_server.messages) == 1


class TestDigestDate:
    def test_a_digest_sent_after_midnight_is_dated_its_mailings_day(self, make_zone, make_article):
        """A digest resumed the next morning says the day it covers, not the day it left."""
        zone = make_zone("西安高新区")
        make_article("西安已发布", zones=[zone], publish_at=timezone.now() - datetime.timedelta(hours=1))
        sub = Subscriber.objects.create(email="r0@example.com", status=Subscriber.Status.CONFIRMED,
                                        confirmed_at=timezone.now() - datetime.timedelta(days=3))
        sub.zones.set([zone])
        mailing = digests.digest_mailing_start(timezone.now())
        Mailing.objects.filter(pk=mailing.pk).update(day=datetime.date(2026, 1, 2))
        mailing.refresh_from_db()
        message = digests.digest_message(sub, mailing)
        assert message.body.splitlines()[0] == "高新区通讯 · 关注提醒 · 2026年1月2日"


class TestSubscriberImport:
    def test_the_subscribers_and_their_confirmation_tasks_are_one_transaction(self, client, django_user_model,
                                                                                monkeypatch):
        """Queueing a confirmation that fails leaves nobody imported as pending without one."""
        admin = django_user_model.objects.create_superuser("chief", "chief@example.com", "pw")
        client.force_login(admin)
        queued = []

        def enqueue(pk):
            if queued:
                raise DatabaseError("the task table is gone")
            queued.append(pk)

        backlog = SimpleNamespace(enqueue=enqueue)
        monkeypatch.setattr(tasks, "send_confirmation", SimpleNamespace(using=lambda **options: backlog))
        upload = SimpleUploadedFile("订阅者.csv", b"email\na@example.com\nb@example.com\n", content_type="text/csv")
        with pytest.raises(DatabaseError):
            client.post("/admin/mailing/subscriber/import/", {"file": upload, "status": "pending"})
        assert (len(queued), Subscriber.objects.count()) == (1, 0)


class TestMailSchedulerCommand:
    @pytest.mark.parametrize("seconds", ["nan", "inf", "86401"])
    def test_an_interval_that_is_no_duration_is_refused(self, seconds):
        """Before, nan slipped past `<= 0` and inf reached Event.wait, which refuses both."""
        with pytest.raises(CommandError) as refused:
            call_command("mail_scheduler", "--interval", seconds, stdout=StringIO())
        assert str(refused.value) == "--interval 不能超过 86400 秒（一天）。"


class TestPausedReaderAndTheSubscribeForm:
    def test_a_paused_reader_made_pending_by_the_form_resumes_from_their_manage_link(self, client, settings):
        """Anyone may type a paused reader's address into 订阅, which makes it 待确认; before,
        the reader's manage page then offered no 恢复, and posting it changed nothing while
        it said 已恢复订阅."""
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
        sub = Subscriber.objects.create(email="reader@example.com", status=Subscriber.Status.PAUSED)
        client.post("/subscribe/", {"email": "Reader@example.com", "website": ""})
        sub.refresh_from_db()
        assert sub.status == Subscriber.Status.PENDING
        manage = f"/subscribe/manage/{manage_token(sub)}/"
        assert 'value="resume">恢复</button>' in client.get(manage).content.decode()
        client.post(manage, {"action": "resume"})
        sub.refresh_from_db()
        assert sub.status == Subscriber.Status.CONFIRMED
