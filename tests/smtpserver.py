"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts.

In the test process: `with smtp_server() as server:` runs it in a thread; `use_smtp(settings,
server)` points Django's EMAIL_* at it; `server.messages` holds what arrived, in order.

As its own process, for tests with a real gunicorn or db_worker (and for bench/mail.py):
`python -m tests.smtpserver --port P --spool DIR` writes one .eml file per accepted message,
and `smtp_process(spool)` starts one and yields its port. A file is renamed into place
before the server answers 250, so a message counted in the spool is one the sender was told
was delivered, and a sender killed before the final dot leaves no file: what a real server
does with a message that never ended.
"""
import argparse
import email
import email.policy
import itertools
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import cached_property
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.realserver import PYTHON, ROOT, free_port

# Spooled files start with the envelope, as an MTA's Delivered-To: the headers of the
# message itself may name other addresses than the ones it was sent to.
ENVELOPE_FROM = "X-Envelope-From"
ENVELOPE_TO = "X-Envelope-To"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes = field(repr=False)

    @cached_property
    def message(self) -> EmailMessage:
        # Parsed when first looked at: a server spooling thousands of messages a second
        # (bench/mail.py) should not spend its time parsing what nobody reads.
        return parse(self.raw)


def parse(raw: bytes) -> EmailMessage:
    # SMTP carries CRLF; tests compare text with Python's newlines.
    return email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)


class Inbox:
    """The aiosmtpd handler: accepts everything except the addresses in `refuse` (550 at RCPT)
    and in `greylist` (451 at RCPT, as a greylisting server answers a first try)."""

    def __init__(self, spool: Path | None = None):
        self.spool = spool
        self.messages: list[Received] = []
        self.refuse: set[str] = set()
        self.greylist: set[str] = set()
        self._arrived = threading.Condition()
        self._names = itertools.count()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        if address.lower() in self.greylist:
            return "451 4.7.1 Greylisted, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if self.spool is not None:
            self._write(envelope, raw)
        received = Received(envelope.mail_from, tuple(envelope.rcpt_tos), raw)
        with self._arrived:
            self.messages.append(received)
            self._arrived.notify_all()
        return "250 OK"

    def _write(self, envelope, raw: bytes) -> None:
        head = f"{ENVELOPE_FROM}: {envelope.mail_from}\r\n{ENVELOPE_TO}: {', '.join(envelope.rcpt_tos)}\r\n"
        name = f"{os.getpid()}-{next(self._names):08d}"
        partial = self.spool / f"{name}.tmp"
        partial.write_bytes(head.encode() + raw)
        partial.rename(self.spool / f"{name}.eml")

    def clear(self) -> None:
        with self._arrived:
            self.messages.clear()

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        """The messages once at least `count` arrived; AssertionError after `timeout` seconds."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"{len(self.messages)} messages arrived, expected {count}")
            return list(self.messages)


class Server:
    def __init__(self, inbox: Inbox, port: int):
        self.inbox, self.port = inbox, port

    @property
    def messages(self) -> list[Received]:
        return self.inbox.messages

    @property
    def refuse(self) -> set[str]:
        return self.inbox.refuse

    @property
    def greylist(self) -> set[str]:
        return self.inbox.greylist

    def clear(self) -> None:
        self.inbox.clear()

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        return self.inbox.wait_for(count, timeout)


def _controller(inbox: Inbox, port: int, ssl_context: ssl.SSLContext | None = None) -> Controller:
    # SMTPUTF8 as the Chinese mail services offer it; no size limit a test could hit.
    return Controller(inbox, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True, data_size_limit=None,
                      ssl_context=ssl_context)


@contextmanager
def smtp_server(spool: Path | None = None, *, ssl_context: ssl.SSLContext | None = None):
    """An SMTP server in a thread of this process on a free loopback port, until the block ends.
    With `ssl_context` it speaks TLS from the first byte, as port 465 does (EMAIL_USE_SSL)."""
    inbox = Inbox(spool)
    controller = _controller(inbox, free_port(), ssl_context)
    controller.start()
    try:
        yield Server(inbox, controller.port)
    finally:
        controller.stop()


def use_smtp(settings, server, *, backend: str = "newsroom.mailing.smtp.EmailBackend") -> None:
    """Point pytest-django's `settings` at the server (pytest-django swaps in locmem otherwise)."""
    settings.EMAIL_BACKEND = backend
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10


def smtp_environ(port: int) -> dict:
    """The environment that points a real server or worker (newsroom/settings.py) at the port."""
    return {"NEWSROOM_EMAIL_BACKEND": "newsroom.mailing.smtp.EmailBackend", "NEWSROOM_EMAIL_HOST": "127.0.0.1",
            "NEWSROOM_EMAIL_PORT": str(port), "NEWSROOM_EMAIL_USER": "", "NEWSROOM_EMAIL_PASSWORD": "",
            "NEWSROOM_EMAIL_USE_TLS": "0", "NEWSROOM_EMAIL_USE_SSL": "0"}


# --- as a separate process -----------------------------------------------------------------


@contextmanager
def smtp_process(spool: Path, *, refuse: tuple[str, ...] = ()):
    """`python -m tests.smtpserver` writing into `spool`, on a free port (yielded), until the block ends."""
    spool.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = spool.parent / f"smtp-{port}.log"
    args = [PYTHON, "-m", "tests.smtpserver", "--port", str(port), "--spool", str(spool)]
    args += [arg for address in refuse for arg in ("--refuse", address)]
    with log.open("w") as out:
        process = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=out)
    try:
        _wait_until_up(port, process, log)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(port: int, process, log: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"the SMTP server exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                if conn.recv(3) == b"220":
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the SMTP server did not answer within 30 s")


def spool_count(spool: Path) -> int:
    return sum(1 for _ in spool.glob("*.eml"))


def spooled(spool: Path) -> list[Received]:
    """Every message in the spool, in the order it arrived, with the envelope it was sent with."""
    received = []
    for path in sorted(spool.glob("*.eml")):
        raw = path.read_bytes()
        envelope = dict(line.split(": ", 1) for line in raw.split(b"\r\n", 2)[:2] for line in [line.decode()])
        rcpt_tos = tuple(a.strip() for a in envelope[ENVELOPE_TO].split(","))
        received.append(Received(envelope[ENVELOPE_FROM], rcpt_tos, raw))
    return received


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spool", type=Path, required=True)
    parser.add_argument("--refuse", action="append", default=[], help="an address to answer 550")
    options = parser.parse_args(argv)
    inbox = Inbox(options.spool)
    inbox.refuse.update(a.lower() for a in options.refuse)
    controller = _controller(inbox, options.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
