"""The SMTP test server (tests/smtpserver.py) receives what Django sends, in a thread and as a process."""
import smtplib

import pytest
from django.core import mail

from tests.smtpserver import smtp_process, smtp_server, spool_count, spooled, use_smtp

# The server is tested with Django's own SMTP backend, so that it does not depend on ours.
DJANGO_SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def server(settings):
    with smtp_server() as running:
        use_smtp(settings, running, backend=DJANGO_SMTP)
        yield running


class TestSmtpServer:
    def test_keeps_each_message_with_its_envelope(self, server):
        """Two messages arrive in order, parsed, with the addresses they were sent to."""
        mail.send_mail("第一封", "正文一", "desk@example.com", ["a@example.com"])
        mail.send_mail("第二封", "正文二", "desk@example.com", ["b@example.com", "c@example.com"])
        received = server.wait_for(2)
        assert [(r.mail_from, r.rcpt_tos, r.message["Subject"]) for r in received] == [
            ("desk@example.com", ("a@example.com",), "第一封"),
            ("desk@example.com", ("b@example.com", "c@example.com"), "第二封"),
        ]
        assert received[0].message.get_content() == "正文一\n"

    def test_refused_address_is_answered_550(self, server):
        """An address in `refuse` is rejected at RCPT, and nothing is kept."""
        server.refuse.add("gone@example.com")
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            mail.send_mail("退信", "正文", "desk@example.com", ["gone@example.com"])
        assert refused.value.recipients == {"gone@example.com": (550, b"5.1.1 Mailbox unavailable")}
        assert server.messages == []

    def test_clear_forgets_what_arrived(self, server):
        mail.send_mail("一", "正文", "desk@example.com", ["a@example.com"])
        server.wait_for(1)
        server.clear()
        assert server.messages == []

    def test_wait_for_fails_when_too_few_arrive(self, server):
        with pytest.raises(AssertionError, match="0 messages arrived, expected 1"):
            server.wait_for(1, timeout=0.2)


class TestSmtpProcess:
    def test_process_spools_one_file_per_message(self, settings, tmp_path):
        """As its own process the server writes each accepted message to the spool, and refuses as asked."""
        spool = tmp_path / "spool"
        with smtp_process(spool, refuse=("gone@example.com",)) as port:
            settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = DJANGO_SMTP, "127.0.0.1", port
            connection = mail.get_connection()
            messages = [mail.EmailMessage(f"第{n}期", "正文", "desk@example.com", [f"r{n}@example.com"])
                        for n in range(3)]
            assert connection.send_messages(messages) == 3
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                mail.send_mail("退信", "正文", "desk@example.com", ["gone@example.com"])
        assert spool_count(spool) == 3
        assert [(r.rcpt_tos, r.message["Subject"]) for r in spooled(spool)] == [
            (("r0@example.com",), "第0期"), (("r1@example.com",), "第1期"), (("r2@example.com",), "第2期"),
        ]
