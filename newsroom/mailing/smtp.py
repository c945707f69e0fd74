"""Django's SMTP backend, plus a hook at the last moment a message can still be taken back.

An SMTP transaction is MAIL FROM, RCPT TO, DATA, the message, and a line holding one dot.
Until the server has the dot it has nothing: a connection that breaks before it (a worker
killed, a network cut) leaves no message, and sending it again later is safe. Once the dot
is sent the server may deliver it even if its reply never reaches us. So the dot is the
point of no return, and newsroom/mailing/sending.py commits the delivery row as SENDING
there, in `before_dot`, called after the message body and before the dot:

- killed before the hook committed: the row is still QUEUED, the server discarded the
  unfinished message, and a resumed send sends it (once);
- killed after: the row is SENDING, which a resume turns into UNKNOWN (delivered, or lost in
  a window of one round trip), and which is never sent again automatically.

The hook may refuse by raising (another worker took the row, the reader left meanwhile);
the connection is then dropped without the dot, which a server treats as no message.

Backends without such a moment (django-anymail's HTTP APIs, console, locmem) send the
message in one call; sending.py commits SENDING just before it.
"""
import functools
import re
import smtplib
import socket

from django.conf import settings
from django.core.mail.backends import smtp
from django.core.mail.message import sanitize_address

CRLF = b"\r\n"


def _dot_stuffed(data: bytes) -> bytes:
    """The message as DATA carries it (RFC 5321 4.5.2), without the final dot line."""
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(CRLF) else data + CRLF


@functools.lru_cache(maxsize=64)
def _sanitized(address: str, encoding: str) -> str:
    return sanitize_address(address, encoding)


class _BeforeDot:
    """smtplib's data(), split where the dot goes, to call `before_dot` there."""

    before_dot = None

    def connect(self, *args, **kwargs):
        reply = super().connect(*args, **kwargs)
        # The dot now goes in a write of its own, right after the body. With Nagle's algorithm
        # it would wait for the body's ACK, which the server delays (40 ms on Linux) while it
        # waits for more: 25 messages a second instead of hundreds.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reply

    def data(self, msg):
        if self.before_dot is None:
            return super().data(msg)
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        self.send(_dot_stuffed(msg))
        try:
            self.before_dot()
        except BaseException:
            # Without its dot the server discards the message when the connection ends.
            self.close()
            raise
        self.send(b"." + CRLF)
        return self.getreply()


class Connection(_BeforeDot, smtplib.SMTP):
    pass


class SSLConnection(_BeforeDot, smtplib.SMTP_SSL):
    pass


class EmailBackend(smtp.EmailBackend):
    """EMAIL_BACKEND by default (settings: NEWSROOM_EMAIL_BACKEND); any other use of it
    (send_mail, the confirmation email) behaves exactly like Django's."""

    @property
    def connection_class(self):
        return SSLConnection if self.use_ssl else Connection

    def _send(self, email_message):
        """Django's _send, with the sender's address sanitized once: it is the same on every
        message of a mailing, and parsing it cost as much as the rest of the envelope."""
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = _sanitized(email_message.from_email, encoding)
        recipients = [sanitize_address(addr, encoding) for addr in email_message.recipients()]
        try:
            self.connection.sendmail(from_email, recipients, email_message.message().as_bytes(linesep="\r\n"))
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True

    def send_one(self, message, *, before_dot) -> None:
        """Send one message over the open (or a new) connection, calling `before_dot()` at
        the point of no return. Raises what smtplib raises: the server's refusal
        (SMTPRecipientsRefused, SMTPDataError, ...) or a connection error (OSError)."""
        with self._lock:
            self.open()
            self.connection.before_dot = before_dot
            try:
                self._send(message)
            finally:
                if self.connection is not None:
                    self.connection.before_dot = None

    def discard(self) -> None:
        """Drop the connection without QUIT, e.g. after an error left it in an unknown state."""
        with self._lock:
            for connection in (self.connection, self._partial_connection):
                if connection is not None:
                    connection.close()
            self.connection = self._partial_connection = None
