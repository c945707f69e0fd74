"""Sending an issue through a real SMTP server on loopback: each confirmed reader exactly once,
with the headers of RFC 8058 and a plain-text part; refusals, retries, readers who leave
mid-send, two runs at once, and resuming after a run died."""
import datetime
import email.utils
import ipaddress
import ssl
from io import StringIO

import pytest
import requests
from anymail.exceptions import AnymailAPIError
from anymail.message import AnymailRecipientStatus
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsroom import tasks
from newsroom.links import link
from newsroom.mailing import compose, sending, smtp
from newsroom.mailing.absolute import absolute
from newsroom.mailing.models import Delivery, Mailing, Subscriber
from newsroom.mailing.tokens import manage_token
from tests.smtpserver import smtp_server, use_smtp

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_connection(settings):
    """One run per send in these tests: a second thread would not see the rows this test's
    transaction holds. Two at once, as the worker runs them, are tested with real processes
    (tests/test_mail_resume.py), and two runs sharing a mailing below."""
    settings.NEWSROOM_MAIL_CONNECTIONS = 1

Status = Subscriber.Status



@pytest.fixture
def readers():
    """Confirmed subscribers r0…r(n-1)@example.com, in order."""
    def make(count: int) -> list[Subscriber]:
        return [Subscriber.objects.create(email=f"r{n}@example.com", status=Status.CONFIRMED) for n in range(count)]
    return make


def received_by(mail_server) -> list[str]:
    return sorted(address for message in mail_server.messages for address in message.rcpt_tos)


def statuses(mailing) -> dict[str, str]:
    return dict(mailing.deliveries.values_list("email", "status"))


class TestSendingAnIssue:
    def test_only_confirmed_readers_receive_it_once_each(self, mail_server, imported_seed, readers):
        confirmed = readers(3)
        for address, status in [("wait@example.com", Status.PENDING), ("left@example.com", Status.UNSUBSCRIBED),
                              ("pause@example.com", Status.PAUSED), ("bounce@example.com", Status.BOUNCED)]:
            Subscriber.objects.create(email=address, status=status)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        done = sending.mailing_run(mailing.pk)
        assert done == {"sent": 3, "failed": 0, "skipped": 0, "unknown": 0, "requeued": 0}
        assert received_by(mail_server) == [s.email for s in confirmed]
        mailing.refresh_from_db()
        assert mailing.status == Mailing.Status.DONE
        assert sending.mailing_progress(mailing) == {
            "queued": 0, "sending": 0, "sent": 3, "failed": 0, "unknown": 0, "skipped": 0, "total": 3,
        }

    def test_each_message_has_the_one_click_headers_and_its_own_message_id(self, mail_server, imported_seed, readers):
        subs = readers(2)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        sending.mailing_run(mailing.pk)
        by_address = {m.rcpt_tos[0]: m.message for m in mail_server.wait_for(2)}
        for sub in subs:
            message = by_address[sub.email]
            # A long header is folded onto a continuation line; unfolded it starts with a space.
            assert message["List-Unsubscribe"].strip() == f"<{absolute(link('unsubscribe', token=manage_token(sub)))}>"
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert message["Message-ID"] == Delivery.objects.get(subscriber=sub).message_id
        assert len({m["Message-ID"] for m in by_address.values()}) == 2

    def test_message_has_a_plain_text_alternative_and_no_draft(self, mail_server, imported_seed, readers, make_article):
        readers(1)
        make_article("尚未发布的草稿标题", issue=imported_seed, position=99, status="draft")
        sending.mailing_run(sending.issue_mailing_start(issue=imported_seed, by=None).pk)
        [received] = mail_server.wait_for(1)
        message = received.message
        assert message.get_content_type() == "multipart/alternative"
        assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
        text = message.get_body(("plain",)).get_content()
        headlines = [a.headline for a in compose.issue_articles(imported_seed)]
        assert headlines and all(headline in text for headline in headlines)
        assert "尚未发布的草稿标题" not in message.as_string()
        assert "尚未发布的草稿标题" not in text

    def test_sent_row_records_when_and_which_message(self, mail_server, imported_seed, readers):
        readers(1)
        before = timezone.now()
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        sending.mailing_run(mailing.pk)
        row = mailing.deliveries.get()
        assert (row.status, row.attempts, row.error, row.claim) == (Delivery.Status.SENT, 1, "", "")
        assert before <= row.sent_at <= timezone.now()
        assert email.utils.parseaddr(row.message_id)[1].endswith("@localhost")


class TestStarting:
    def test_second_start_for_the_issue_is_refused(self, imported_seed, readers):
        readers(1)
        sending.issue_mailing_start(issue=imported_seed, by=None)
        with pytest.raises(sending.MailingRefused, match="^本期已经发送过，不会再发第二次。$"):
            sending.issue_mailing_start(issue=imported_seed, by=None)
        assert Delivery.objects.count() == 1

    def test_unpublished_issue_is_refused(self, make_issue, readers):
        readers(1)
        with pytest.raises(sending.MailingRefused, match="^本期尚未发布，不能发送。$"):
            sending.issue_mailing_start(issue=make_issue(2, status="draft"), by=None)
        assert Mailing.objects.count() == 0

    def test_issue_without_confirmed_readers_is_refused_and_can_be_sent_later(self, imported_seed, readers):
        Subscriber.objects.create(email="wait@example.com")
        with pytest.raises(sending.MailingRefused, match="^还没有已确认的订阅者，无人可发。$"):
            sending.issue_mailing_start(issue=imported_seed, by=None)
        readers(1)
        assert sending.issue_mailing_start(issue=imported_seed, by=None).deliveries.count() == 1

    def test_send_is_enqueued_with_the_mailing(self, imported_seed, readers, editor_user):
        readers(2)
        mailing = tasks.issue_mailing_send(issue=imported_seed, by=editor_user)
        [row] = DBTaskResult.objects.exclude(task_path="newsroom.tasks.print_issue")
        assert (row.task_path, row.args_kwargs["args"]) == ("newsroom.tasks.send_mailing", [mailing.pk])
        assert (mailing.created_by, mailing.deliveries.count()) == (editor_user, 2)


class TestRefusalsAndRetries:
    def test_refused_recipient_fails_with_the_reply_and_the_others_are_sent(self, mail_server, imported_seed, readers):
        readers(3)
        mail_server.refuse.add("r1@example.com")
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        assert sending.mailing_run(mailing.pk)["failed"] == 1
        assert received_by(mail_server) == ["r0@example.com", "r2@example.com"]
        failed = mailing.deliveries.get(email="r1@example.com")
        assert (failed.status, failed.error, failed.attempts) == (
            Delivery.Status.FAILED, "收件服务器拒收：550 5.1.1 Mailbox unavailable", 1)
        mailing.refresh_from_db()
        assert mailing.status == Mailing.Status.DONE

    def test_retry_sends_the_failed_ones_once_the_server_accepts(self, mail_server, imported_seed, readers):
        readers(3)
        mail_server.refuse.add("r1@example.com")
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        sending.mailing_run(mailing.pk)
        mail_server.refuse.clear()
        assert sending.mailing_retry_failed(mailing) == 1
        assert mailing.status == Mailing.Status.SENDING
        assert sending.mailing_run(mailing.pk)["sent"] == 1
        assert received_by(mail_server) == ["r0@example.com", "r1@example.com", "r2@example.com"]
        retried = mailing.deliveries.get(email="r1@example.com")
        assert (retried.status, retried.error, retried.attempts) == (Delivery.Status.SENT, "", 2)

    def test_retry_task_is_enqueued_only_when_something_failed(self, imported_seed, readers):
        readers(1)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        assert tasks.mailing_retry(mailing) == 0
        mailing.deliveries.update(status=Delivery.Status.FAILED)
        assert tasks.mailing_retry(mailing) == 1
        assert DBTaskResult.objects.exclude(task_path="newsroom.tasks.print_issue").count() == 1

    def test_a_greylisted_reader_is_tried_again_after_the_wait_and_then_received(self, mail_server, imported_seed, readers):
        readers(2)
        mail_server.greylist.add("r1@example.com")
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        assert sending.mailing_run(mailing.pk) == {"sent": 1, "failed": 0, "skipped": 0, "unknown": 0, "requeued": 1}
        waiting = mailing.deliveries.get(email="r1@example.com")
        assert (waiting.status, waiting.attempts, waiting.error) == (
            Delivery.Status.QUEUED, 1, "收件服务器拒收：451 4.7.1 Greylisted, please try again later")
        assert sending.next_retry_at(mailing.pk) == waiting.retry_at
        # Waiting is not stalled: no resume takes it up before it is due.
        Mailing.objects.filter(pk=mailing.pk).update(heartbeat=timezone.now() - datetime.timedelta(hours=1))
        assert sending.mailings_resume_interrupted(datetime.timedelta(minutes=10)) == []
        mail_server.greylist.clear()
        mailing.deliveries.filter(pk=waiting.pk).update(retry_at=timezone.now())
        assert sending.mailings_resume_interrupted(datetime.timedelta(minutes=10)) == [mailing.pk]
        assert sending.mailing_run(mailing.pk)["sent"] == 1
        assert received_by(mail_server) == ["r0@example.com", "r1@example.com"]
        mailing.refresh_from_db()
        assert (mailing.status, sending.next_retry_at(mailing.pk)) == (Mailing.Status.DONE, None)

    def test_the_send_task_asks_the_worker_to_come_back_when_the_first_retry_is_due(
            self, mail_server, imported_seed, readers):
        readers(1)
        mail_server.greylist.add("r0@example.com")
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        tasks.send_mailing.call(mailing.pk)
        [row] = DBTaskResult.objects.exclude(task_path="newsroom.tasks.print_issue")
        assert (row.task_path, row.args_kwargs["args"], row.run_after) == (
            "newsroom.tasks.send_mailing", [mailing.pk], mailing.deliveries.get().retry_at)

    def test_connection_lost_before_the_dot_is_sent_again_once(self, mail_server, imported_seed, readers, monkeypatch):
        readers(3)
        monkeypatch.setattr(smtp, "_dot_stuffed", failing_once_for(b"r1@example.com", smtp._dot_stuffed))
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        assert sending.mailing_run(mailing.pk) == {"sent": 3, "failed": 0, "skipped": 0, "unknown": 0, "requeued": 1}
        assert received_by(mail_server) == ["r0@example.com", "r1@example.com", "r2@example.com"]
        assert mailing.deliveries.get(email="r1@example.com").attempts == 2

    def test_connection_lost_every_time_fails_after_the_last_attempt(self, mail_server, imported_seed, readers, monkeypatch):
        readers(2)
        monkeypatch.setattr(smtp, "_dot_stuffed", failing_once_for(b"r1@example.com", smtp._dot_stuffed, times=99))
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        sending.mailing_run(mailing.pk)
        assert received_by(mail_server) == ["r0@example.com"]
        failed = mailing.deliveries.get(email="r1@example.com")
        assert (failed.status, failed.attempts) == (Delivery.Status.FAILED, sending.MAX_ATTEMPTS)
        assert failed.error == "3 次尝试均未发出：连接中断：Connection reset by peer"


def failing_once_for(address: bytes, real, *, times: int = 1):
    """_dot_stuffed that breaks the connection while the message to `address` goes out, before its dot."""
    left = [times]

    def stuffed(data: bytes) -> bytes:
        if b"\nTo: " + address in data and left[0]:
            left[0] -= 1
            raise ConnectionResetError("Connection reset by peer")
        return real(data)
    return stuffed


def leaving_as_sent(reader: Subscriber, real):
    """_dot_stuffed that unsubscribes `reader` while the body of their message goes out,
    after the batch was claimed and before the point of no return."""
    def stuffed(data: bytes) -> bytes:
        if b"\nTo: " + reader.email.encode() in data:
            Subscriber.objects.filter(pk=reader.pk).update(status=Status.UNSUBSCRIBED)
        return real(data)
    return stuffed


class TestReadersWhoLeave:
    def test_reader_who_left_after_queueing_is_skipped(self, mail_server, imported_seed, readers):
        subs = readers(3)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        Subscriber.objects.filter(pk=subs[1].pk).update(status=Status.UNSUBSCRIBED)
        assert sending.mailing_run(mailing.pk)["skipped"] == 1
        assert received_by(mail_server) == ["r0@example.com", "r2@example.com"]
        skipped = mailing.deliveries.get(email="r1@example.com")
        assert (skipped.status, skipped.error) == (Delivery.Status.SKIPPED, "订阅者已不再接收邮件（已退订）。")

    def test_reader_who_leaves_while_their_message_goes_out_does_not_get_it(
            self, mail_server, imported_seed, readers, monkeypatch):
        """Unsubscribed after the batch was claimed, while the body is on the wire: the dot is
        never sent, the server keeps nothing, and the next reader is sent to on a new connection."""
        subs = readers(3)
        monkeypatch.setattr(smtp, "_dot_stuffed", leaving_as_sent(subs[1], smtp._dot_stuffed))
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        assert sending.mailing_run(mailing.pk) == {"sent": 2, "failed": 0, "skipped": 1, "unknown": 0, "requeued": 0}
        assert received_by(mail_server) == ["r0@example.com", "r2@example.com"]
        assert statuses(mailing)["r1@example.com"] == Delivery.Status.SKIPPED


class TestTwoRuns:
    def test_two_runs_at_once_share_the_rows(self, mail_server, imported_seed, readers):
        """A second run starts while the first holds a batch (it starts inside the first's
        first message): it takes only what the first has not claimed, and nobody gets two."""
        readers(10)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        second = {}

        def messages(m):
            make = sending.issue_messages(m)

            def first_run_message(sub):
                if not second:
                    second.update(sending.mailing_run(m.pk, batch_size=2))
                return make(sub)
            return first_run_message

        first = sending.mailing_run(mailing.pk, batch_size=3, messages=messages)
        assert (first["sent"], second["sent"]) == (3, 7)
        assert received_by(mail_server) == sorted(f"r{n}@example.com" for n in range(10))
        mailing.refresh_from_db()
        assert mailing.status == Mailing.Status.DONE


class TestResume:
    def dead_run(self, mailing, *, sending_email: str, claimed: list[str]) -> None:
        """What a worker killed mid-batch leaves: a row SENDING, others claimed and QUEUED."""
        mailing.deliveries.filter(email__in=claimed).update(claim="deadbeef")
        mailing.deliveries.filter(email=sending_email).update(status=Delivery.Status.SENDING, claim="deadbeef")

    def test_resume_marks_the_interrupted_message_unknown_and_sends_the_rest(self, mail_server, imported_seed, readers):
        readers(4)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        self.dead_run(mailing, sending_email="r0@example.com", claimed=["r1@example.com"])
        assert sending.mailing_resume(mailing.pk)["sent"] == 3
        assert received_by(mail_server) == ["r1@example.com", "r2@example.com", "r3@example.com"]
        unknown = mailing.deliveries.get(email="r0@example.com")
        assert (unknown.status, unknown.error) == (Delivery.Status.UNKNOWN, "发送中断：邮件可能已送达，不会自动重发。")
        mailing.refresh_from_db()
        assert mailing.status == Mailing.Status.DONE

    def test_a_run_without_resume_leaves_another_runs_claims_alone(self, mail_server, imported_seed, readers):
        readers(3)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        self.dead_run(mailing, sending_email="r0@example.com", claimed=["r1@example.com"])
        sending.mailing_run(mailing.pk)
        assert received_by(mail_server) == ["r2@example.com"]
        mailing.refresh_from_db()
        assert mailing.status == Mailing.Status.SENDING

    def test_only_mailings_without_recent_progress_are_resumed(self, imported_seed, make_issue, readers):
        readers(1)
        stale = sending.issue_mailing_start(issue=imported_seed, by=None)
        fresh = sending.issue_mailing_start(issue=make_issue(2), by=None)
        Mailing.objects.filter(pk=stale.pk).update(heartbeat=timezone.now() - datetime.timedelta(minutes=11))
        self.dead_run(stale, sending_email="r0@example.com", claimed=[])
        assert sending.mailings_resume_interrupted(datetime.timedelta(minutes=10)) == [stale.pk]
        assert statuses(stale) == {"r0@example.com": Delivery.Status.UNKNOWN}
        # Its heartbeat is fresh again: a second caller does not take it too.
        assert sending.mailings_resume_interrupted(datetime.timedelta(minutes=10)) == []
        assert fresh.deliveries.get().status == Delivery.Status.QUEUED

    def test_command_enqueues_the_interrupted_mailings(self, imported_seed, readers):
        readers(1)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        out = StringIO()
        call_command("send_mailings", "--resume", "--older-than", "0", stdout=out)
        assert out.getvalue() == "已将 1 个被中断的邮件发送交给后台任务进程继续。\n"
        [row] = DBTaskResult.objects.exclude(task_path="newsroom.tasks.print_issue")
        assert (row.task_path, row.args_kwargs["args"]) == ("newsroom.tasks.send_mailing", [mailing.pk])


class TestProgress:
    def test_progress_is_one_query(self, imported_seed, readers, django_assert_num_queries):
        readers(3)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        mailing.deliveries.filter(email="r0@example.com").update(status=Delivery.Status.FAILED)
        with django_assert_num_queries(1):
            progress = sending.mailing_progress(mailing)
        assert progress == {"queued": 2, "sending": 0, "sent": 0, "failed": 1, "unknown": 0, "skipped": 0, "total": 3}


class TestOnSent:
    def test_on_sent_runs_for_each_sent_delivery_only(self, mail_server, imported_seed, readers):
        readers(3)
        mail_server.refuse.add("r2@example.com")
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        seen = []
        sending.mailing_run(mailing.pk, on_sent=lambda delivery: seen.append((delivery.email, delivery.mailing)))
        assert seen == [("r0@example.com", mailing), ("r1@example.com", mailing)]

    def test_on_sent_reads_the_mailing_without_a_query(self, mail_server, imported_seed, readers,
                                                       django_assert_num_queries):
        readers(1)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        reads = []

        def on_sent(delivery):
            with django_assert_num_queries(0):
                reads.append(delivery.mailing.issue_id)

        sending.mailing_run(mailing.pk, on_sent=on_sent)
        assert reads == [imported_seed.pk]


def http_response(status: int) -> requests.Response:
    response = requests.Response()
    response.status_code, response.reason, response._content = status, "Service Unavailable", b"busy"
    return response


class TestProviderApi:
    """Through django-anymail (its test backend stands in for a provider's HTTP API): the
    row is SENDING before the one call that sends, and the provider's answers are recorded."""

    @pytest.fixture(autouse=True)
    def anymail_test_backend(self, settings):
        settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"

    def with_responses(self, responses: dict):
        """issue_messages, with the provider's answer for some addresses."""
        def messages(m):
            make = sending.issue_messages(m)

            def message(sub):
                built = make(sub)
                if sub.email in responses:
                    built.anymail_test_response = responses[sub.email]
                return built
            return message
        return messages

    def test_each_reader_gets_one_call(self, imported_seed, readers):
        readers(3)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        assert sending.mailing_run(mailing.pk)["sent"] == 3
        assert sorted(m.to[0] for m in mail.outbox) == ["r0@example.com", "r1@example.com", "r2@example.com"]
        assert set(statuses(mailing).values()) == {Delivery.Status.SENT}

    def test_rejection_fails_and_an_error_status_is_tried_again_later(self, imported_seed, readers):
        readers(3)
        rejected = {"recipient_status": {"r1@example.com": AnymailRecipientStatus(message_id="x", status="rejected")}}
        responses = {"r1@example.com": rejected,
                     "r2@example.com": AnymailAPIError("服务繁忙", status_code=503, response=http_response(503))}
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        done = sending.mailing_run(mailing.pk, messages=self.with_responses(responses))
        assert done == {"sent": 1, "failed": 1, "skipped": 0, "unknown": 0, "requeued": 1}
        assert statuses(mailing) == {"r0@example.com": "sent", "r1@example.com": "failed", "r2@example.com": "queued"}
        rejected_row = mailing.deliveries.get(email="r1@example.com")
        assert (rejected_row.attempts, rejected_row.error) == (
            1, "服务商拒收：All message recipients were rejected or invalid")
        # Busy: tried again after RETRY_AFTER[0], then [1], then failed for good.
        for attempt, wait in enumerate(sending.RETRY_AFTER, start=1):
            busy = mailing.deliveries.get(email="r2@example.com")
            assert (busy.status, busy.attempts) == (Delivery.Status.QUEUED, attempt)
            assert wait - datetime.timedelta(seconds=5) < busy.retry_at - timezone.now() <= wait
            assert sending.mailing_run(mailing.pk, messages=self.with_responses(responses))["requeued"] == 0
            mailing.deliveries.filter(email="r2@example.com").update(retry_at=timezone.now())
            sending.mailing_run(mailing.pk, messages=self.with_responses(responses))
        busy = mailing.deliveries.get(email="r2@example.com")
        assert (busy.status, busy.attempts, busy.retry_at, busy.error.split("\n")[0]) == (
            Delivery.Status.FAILED, sending.MAX_ATTEMPTS, None, "3 次尝试均未发出：服务商拒收：服务繁忙")

    def test_no_answer_from_the_provider_is_unknown_and_not_sent_again(self, imported_seed, readers):
        readers(2)
        responses = {"r1@example.com": AnymailAPIError("连接超时")}
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        done = sending.mailing_run(mailing.pk, messages=self.with_responses(responses))
        assert (done["sent"], done["unknown"]) == (1, 1)
        unknown = mailing.deliveries.get(email="r1@example.com")
        assert (unknown.status, unknown.error) == (Delivery.Status.UNKNOWN, "邮件发出后连接中断，可能已送达，不会自动重发：连接超时")


def tls_contexts(folder) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a fresh self-signed certificate for 127.0.0.1, and a client context trusting it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client


class TestImplicitTls:
    """Port 465 with TLS from the first byte, as Aliyun (smtpdm.aliyun.com) and Tencent
    (smtp.exmail.qq.com) take it: the point of no return works the same over TLS."""

    @pytest.fixture
    def tls_server(self, settings, tmp_path, monkeypatch):
        server_context, client_context = tls_contexts(tmp_path)
        monkeypatch.setattr(smtp.EmailBackend, "ssl_context", client_context)
        with smtp_server(ssl_context=server_context) as running:
            use_smtp(settings, running)
            settings.EMAIL_USE_SSL = True
            yield running

    def test_each_reader_receives_it_once_over_tls(self, tls_server, imported_seed, readers):
        readers(3)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        assert sending.mailing_run(mailing.pk)["sent"] == 3
        assert received_by(tls_server) == ["r0@example.com", "r1@example.com", "r2@example.com"]

    def test_withheld_dot_over_tls_leaves_no_message(self, tls_server, imported_seed, readers, monkeypatch):
        subs = readers(2)
        monkeypatch.setattr(smtp, "_dot_stuffed", leaving_as_sent(subs[0], smtp._dot_stuffed))
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        assert sending.mailing_run(mailing.pk)["skipped"] == 1
        assert received_by(tls_server) == ["r1@example.com"]


class TestMessageId:
    def test_message_id_names_the_senders_domain(self, mail_server, settings, imported_seed, readers):
        settings.DEFAULT_FROM_EMAIL = "newsletter@news.example.cn"
        readers(1)
        mailing = sending.issue_mailing_start(issue=imported_seed, by=None)
        sending.mailing_run(mailing.pk)
        row = mailing.deliveries.get()
        assert row.message_id.startswith("<") and row.message_id.endswith("@news.example.cn>")
        assert f"d{row.pk}" in row.message_id
