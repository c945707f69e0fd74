"""Sending a mailing to each of its recipients exactly once, in batches, on the worker.

Every recipient has a Delivery row before anything is sent (one per mailing and
subscriber: a database constraint). A run claims a batch of QUEUED rows (the claim is
written in a short transaction: PostgreSQL skips rows another run holds locked, SQLite's
IMMEDIATE transactions take turns), opens one connection, and for each message commits
the row as SENDING at the point of no return (newsroom/mailing/smtp.py: just before the
final dot of SMTP, or just before an API call for other backends), then SENT, or FAILED
when the server refused it. So at any moment a row says what may have happened:

- QUEUED: not sent; a run may take it.
- SENDING: maybe delivered. A run that is alive finishes it; one that died leaves it, and
  resuming marks it UNKNOWN. Neither is ever sent again by itself: never twice beats
  always. (An editor can see them; the window is one round trip per killed run.)
- SENT, FAILED (refused, definitely not delivered), SKIPPED (the reader stopped receiving
  after being queued): final; mailing_retry_failed() queues the failed ones again.

A connection that breaks before the point of no return puts the row back to QUEUED; after
MAX_ATTEMPTS it is FAILED. The mailing is DONE when no row is QUEUED or SENDING.
"""
import datetime
import smtplib
import threading
import uuid
from collections.abc import Callable
from email.utils import make_msgid, parseaddr

import requests
import urllib3
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django import db
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from newsroom.mailing import compose
from newsroom.mailing.models import Delivery, Mailing, Subscriber
from newsroom.mailing.smtp import EmailBackend as SmtpBackend
from newsroom.models import Issue

# Tries of one message whose failure was temporary (a 4xx reply, a connection lost before
# the point of no return); after that it is FAILED and waits for 重试失败的收件人.
MAX_ATTEMPTS = 3
# A SENDING mailing without progress for this long was interrupted (its worker died): a
# batch records progress at least every HEARTBEAT_EVERY, even when its server is slow.
INTERRUPTED_AFTER = datetime.timedelta(minutes=10)
# How long a message waits after the n-th "try later" (4xx, a provider busy) before the
# next try: greylisting servers accept a retry after a few minutes (postgrey: 5), and a
# throttling provider (QQ 邮箱's 421) wants the sender to slow down. A connection lost
# before the point of no return is tried again at once, on a new connection.
RETRY_AFTER = (datetime.timedelta(minutes=5), datetime.timedelta(minutes=20))
HEARTBEAT_EVERY = datetime.timedelta(seconds=30)

Status = Delivery.Status
# How a mailing makes the message of one reader; None means there is nothing to send them.
MessageMaker = Callable[[Subscriber], EmailMessage | None]


class MailingRefused(Exception):
    """A mailing that must not start; the message is for the editor."""


class MailServerUnavailable(Exception):
    """The mail server cannot be reached or refuses our login: nothing can be sent now. The
    run stops and says why on the mailing (Mailing.problem), instead of failing recipients
    one by one; the scheduler tries again after INTERRUPTED_AFTER, an editor at once."""


# --- starting ------------------------------------------------------------------------------


def issue_mailing_start(*, issue: Issue, by) -> Mailing:
    """The issue's mailing with one QUEUED delivery per receiving subscriber, in one transaction.

    Once per issue, ever (a database constraint backs the check when two editors click at
    once); refused for an unpublished issue and when nobody would receive it."""
    if issue.status != Issue.Status.PUBLISHED:
        raise MailingRefused(_("本期尚未发布，不能发送。"))
    with transaction.atomic():
        recipients = list(Subscriber.objects.receiving().order_by("pk").values_list("pk", "email"))
        if not recipients:
            raise MailingRefused(_("还没有已确认的订阅者，无人可发。"))
        if Mailing.objects.filter(kind=Mailing.Kind.ISSUE, issue=issue).exists():
            raise MailingRefused(_("本期已经发送过，不会再发第二次。"))
        try:
            with transaction.atomic():
                mailing = Mailing.objects.create(
                    kind=Mailing.Kind.ISSUE, issue=issue, created_by=by, heartbeat=timezone.now()
                )
        except IntegrityError:
            raise MailingRefused(_("本期已经发送过，不会再发第二次。")) from None
        Delivery.objects.bulk_create(
            [Delivery(mailing=mailing, subscriber_id=pk, email=email) for pk, email in recipients],
            batch_size=1000,
        )
    return mailing


def issue_messages(mailing: Mailing) -> MessageMaker:
    """The issue rendered once (compose.issue_parts); each message only fills in its links."""
    parts = compose.issue_parts(mailing.issue)
    return lambda sub: compose.render_for(parts, sub)


# --- running -------------------------------------------------------------------------------


class _Withdrawn(Exception):
    """The row may not be sent after all: raised at the point of no return, before the dot."""


COUNTS = ("sent", "failed", "skipped", "unknown", "requeued")


class _Run:
    """One loop of claims and sends over its own SMTP connection (and database connection)."""

    def __init__(self, mailing: Mailing, make: MessageMaker, on_sent: Callable[[Delivery], None] | None = None):
        self.mailing, self.make, self.on_sent = mailing, make, on_sent
        self.token = uuid.uuid4().hex
        self.beat = timezone.now()
        self.lost = False
        self.counts = dict.fromkeys(COUNTS, 0)


def mailing_run(mailing_id: int, *, batch_size: int | None = None, connections: int | None = None,
                messages: Callable[[Mailing], MessageMaker] = issue_messages,
                on_sent: Callable[[Delivery], None] | None = None) -> dict:
    """Send the mailing's QUEUED deliveries; returns what this run did, by outcome.

    `connections` runs (settings.NEWSROOM_MAIL_CONNECTIONS) go at once, each in a thread
    with its own SMTP and database connection, sharing the rows as two workers would: a
    message spends most of its time waiting for the mail server and the database, and
    the other run works meanwhile. `messages(mailing)` makes each reader's message;
    `on_sent(delivery)` runs in the transaction that records a delivery SENT (what a
    digest covered, for instance). Safe to run twice at once (on two workers) and again
    after a crash (mailing_resume first). Stops early if a resume declared it dead."""
    mailing = Mailing.objects.select_related("issue").get(pk=mailing_id)
    # A DONE mailing may still hold queued rows if a finish and a retry ever crossed: they
    # are sent rather than left, so the status alone does not end a run.
    if mailing.status == Mailing.Status.DONE and not _queued(mailing):
        return dict.fromkeys(COUNTS, 0)
    make = messages(mailing)
    if mailing.problem:  # a new try; it says so again if it meets the same problem
        Mailing.objects.filter(pk=mailing.pk).update(problem="", problem_at=None)
    size = batch_size or settings.NEWSROOM_MAIL_BATCH
    runs = [_Run(mailing, make, on_sent) for _ in range(connections or settings.NEWSROOM_MAIL_CONNECTIONS)]
    errors = []
    threads = [threading.Thread(target=_in_thread, args=(run, size, errors)) for run in runs[1:]]
    for thread in threads:
        thread.start()
    try:
        _run(runs[0], size)
    finally:
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return {key: sum(run.counts[key] for run in runs) for key in COUNTS}


def _in_thread(run: _Run, size: int, errors: list) -> None:
    try:
        _run(run, size)
    except Exception as error:  # re-raised by mailing_run in the calling thread
        errors.append(error)
    finally:
        db.connections.close_all()  # this thread's own connections


def _run(run: _Run, size: int) -> None:
    try:
        while not run.lost and (batch := _claim(run, size)):
            _send_batch(run, batch)
    except MailServerUnavailable as error:
        _record_problem(run.mailing, str(error))
        raise
    finally:
        Delivery.objects.filter(mailing=run.mailing, claim=run.token, status=Status.QUEUED).update(claim="")
    if not run.lost:
        _finish_if_done(run.mailing)


def _record_problem(mailing: Mailing, problem: str) -> None:
    # The heartbeat stays at the last progress, so that the scheduler tries again after
    # INTERRUPTED_AFTER: a server that was down for a while is used when it is back.
    Mailing.objects.filter(pk=mailing.pk).update(problem=problem, problem_at=timezone.now())


def _claim(run: _Run, size: int) -> list[Delivery]:
    with transaction.atomic():
        free = Delivery.objects.select_for_update(skip_locked=True).filter(
            _due(), mailing=run.mailing, status=Status.QUEUED, claim=""
        )
        ids = list(free.order_by("pk").values_list("pk", flat=True)[:size])
        if ids:
            Delivery.objects.filter(pk__in=ids).update(claim=run.token)
            _beat(run)
    batch = list(Delivery.objects.filter(pk__in=ids, claim=run.token).select_related("subscriber").order_by("pk"))
    for delivery in batch:
        delivery.mailing = run.mailing  # what on_sent may read, without a query each
    return batch


def _due() -> Q:
    """Queued rows that may be tried now: not waiting for a "try later" to pass."""
    return Q(retry_at__isnull=True) | Q(retry_at__lte=timezone.now())


def _beat(run: _Run) -> None:
    run.beat = timezone.now()
    Mailing.objects.filter(pk=run.mailing.pk).update(heartbeat=run.beat)


def _send_batch(run: _Run, batch: list[Delivery]) -> None:
    """One connection for the batch; it is opened for the first message that needs it."""
    connection = mail.get_connection(fail_silently=False)
    try:
        for delivery in batch:
            _send_one(run, connection, delivery)
            if run.lost:
                return
    finally:
        _close(connection)


def _close(connection) -> None:
    if isinstance(connection, SmtpBackend):
        try:
            connection.close()
        except (smtplib.SMTPException, OSError):
            connection.discard()
    else:
        connection.close()


def _send_one(run: _Run, connection, delivery: Delivery) -> None:
    sub = delivery.subscriber
    if sub is None or sub.status != Subscriber.Status.CONFIRMED:
        return _skip(run, delivery, sub)
    message = run.make(sub)
    if message is None:
        return _skip(run, delivery, sub, reason=_("没有要发给此订阅者的内容。"))
    if isinstance(connection, SmtpBackend):
        try:
            connection.open()
        except (smtplib.SMTPException, OSError) as error:
            raise MailServerUnavailable(_("无法连接邮件服务器 %(host)s:%(port)s：%(error)s") % {
                "host": connection.host, "port": connection.port, "error": error or type(error).__name__,
            }) from error
    message_id = make_msgid(idstring=f"d{delivery.pk}", domain=_mail_domain())
    message.extra_headers["Message-ID"] = message_id
    committed = []

    def point_of_no_return():
        if not _mark_sending(run, delivery, message_id, message.to[0]):
            raise _Withdrawn
        committed.append(True)

    try:
        if isinstance(connection, SmtpBackend):
            connection.send_one(message, before_dot=point_of_no_return)
        else:
            point_of_no_return()
            connection.send_messages([message])
    except _Withdrawn:
        if isinstance(connection, SmtpBackend):
            connection.discard()  # dropped without the dot; the next message needs a new one
        _withdrawn(run, delivery)
    except smtplib.SMTPRecipientsRefused as refused:
        code, reply = next(iter(refused.recipients.values()))
        _smtp_refused(run, delivery, code, reply)
    except smtplib.SMTPResponseException as error:
        # MAIL FROM or DATA refused, or a reply other than 250 after the dot: not delivered.
        _smtp_refused(run, delivery, error.smtp_code, error.smtp_error)
        if error.smtp_code == 421 and isinstance(connection, SmtpBackend):
            connection.discard()  # 421: the server is closing the connection
    except AnymailRecipientsRefused as error:
        _refused(run, delivery, _("服务商拒收：%(error)s") % {"error": error}, temporary=False)
    except AnymailAPIError as error:
        # The provider answered with an error status: it did not take the message. Without
        # an answer (status_code None) the request may have arrived, unless it never left.
        if _never_reached(error):
            Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
                status=Status.QUEUED, claim="", attempts=F("attempts") - 1, updated_at=timezone.now())
            raise MailServerUnavailable(_("无法连接邮件服务商：%(error)s") % {"error": error.__cause__ or error}) from error
        if error.status_code is None:
            _lost_connection(run, delivery, error, after_dot=True)
        else:
            busy = error.status_code == 429 or error.status_code >= 500
            _refused(run, delivery, _("服务商拒收：%(error)s") % {"error": error}, temporary=busy)
    except ValueError as error:
        # The message could not be written for this address (Django's UnicodeError for a
        # domain punycode refuses, anymail's AnymailInvalidAddress), before anything left:
        # this row fails, and the rest of the mailing goes on instead of stopping on it.
        if isinstance(connection, SmtpBackend):
            connection.discard()
        _refused(run, delivery, _("邮件无法生成：%(error)s") % {"error": error}, temporary=False)
    except (smtplib.SMTPException, OSError) as error:
        # The connection broke; the row is SENDING only if the dot may have reached the server.
        _lost_connection(run, delivery, error, after_dot=bool(committed))
        if isinstance(connection, SmtpBackend):
            connection.discard()
    else:
        _mark_sent(run, delivery, _provider_id(message) or message_id)


def _never_reached(error: AnymailAPIError) -> bool:
    """Whether the provider's API was not reached at all (connection refused, no such host,
    connect timeout): then nothing was sent, the row can go back to the queue, and the run
    stops as it does for an SMTP server that is down. anymail raises from requests' error."""
    cause = error.__cause__
    if isinstance(cause, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(cause, requests.exceptions.ConnectionError) and cause.args:
        return isinstance(getattr(cause.args[0], "reason", None), urllib3.exceptions.NewConnectionError)
    return False


def _mail_domain() -> str:
    """The sender's domain, which a Message-ID names (RFC 5322 3.6.4)."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"


def _provider_id(message) -> str:
    """The provider's own id of the message (django-anymail), which its webhooks name."""
    status = getattr(message, "anymail_status", None)
    return (status.message_id or "") if status is not None and isinstance(status.message_id, str) else ""


def _mark_sending(run: _Run, delivery: Delivery, message_id: str, to: str) -> bool:
    """Commit QUEUED → SENDING if this run still holds the row and the reader still receives.

    One statement, committed on its own (autocommit): the condition and the change are one
    UPDATE, and a transaction around it would cost PostgreSQL two more round trips a
    message. (On SQLite a writing statement takes the write lock before it reads.)

    The subscriber is a subquery, not a join: Django writes an UPDATE with a join as
    `id IN (SELECT …)` with every condition inside, and PostgreSQL, when the row changed
    while the statement waited for its lock, re-checks only the outer conditions."""
    now = timezone.now()
    receiving = Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED).values("pk")
    taken = Delivery.objects.filter(
        pk=delivery.pk, status=Status.QUEUED, claim=run.token, subscriber__in=receiving,
    ).update(status=Status.SENDING, message_id=message_id, attempts=F("attempts") + 1, updated_at=now,
             email=to)  # where it goes: the address may have been edited since it was queued
    if taken and now - run.beat > HEARTBEAT_EVERY:
        _beat(run)
    return bool(taken)


def _settle(delivery: Delivery, **fields) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(claim="", updated_at=timezone.now(), **fields)


def _mark_sent(run: _Run, delivery: Delivery, message_id: str) -> None:
    # Unconditional: a resume may have called the row UNKNOWN meanwhile; it was sent.
    fields = {"status": Status.SENT, "sent_at": timezone.now(), "message_id": message_id, "error": ""}
    if run.on_sent is None:
        _settle(delivery, **fields)
    else:
        with transaction.atomic():
            _settle(delivery, **fields)
            run.on_sent(delivery)
    run.counts["sent"] += 1


def _skip(run: _Run, delivery: Delivery, sub: Subscriber | None, *, reason: str = "") -> None:
    if not reason:
        reason = _("订阅者已删除。") if sub is None else _("订阅者已不再接收邮件（%(status)s）。") % {
            "status": sub.get_status_display()}
    _settle(delivery, status=Status.SKIPPED, error=reason)
    run.counts["skipped"] += 1


def _withdrawn(run: _Run, delivery: Delivery) -> None:
    """The row was not sent at its point of no return: the reader left, or the row is no
    longer this run's (a resume took it back: this run is presumed dead, so it stops)."""
    row = Delivery.objects.select_related("subscriber").get(pk=delivery.pk)
    if row.status != Status.QUEUED or row.claim != run.token:
        run.lost = True
        return
    _skip(run, row, row.subscriber)


def _smtp_refused(run: _Run, delivery: Delivery, code: int, reply) -> None:
    reply = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    reason = _("收件服务器拒收：%(code)s %(reply)s") % {"code": code, "reply": reply}
    _refused(run, delivery, reason, temporary=400 <= code < 500)


def _refused(run: _Run, delivery: Delivery, reason: str, *, temporary: bool) -> None:
    """Not delivered: tried again later if the refusal was temporary, else FAILED."""
    if temporary:
        return _temporary(run, delivery, reason, later=True)
    _settle(delivery, status=Status.FAILED, error=reason, attempts=F("attempts") + _uncounted(delivery))
    run.counts["failed"] += 1


def _uncounted(delivery: Delivery) -> int:
    """1 if the attempt was refused before its point of no return, which counts attempts."""
    return int(Delivery.objects.filter(pk=delivery.pk, status=Status.QUEUED).exists())


def _temporary(run: _Run, delivery: Delivery, reason: str, *, later: bool = False) -> None:
    """Back to the queue, or FAILED after MAX_ATTEMPTS; `later` waits RETRY_AFTER first."""
    attempts = Delivery.objects.values_list("attempts", flat=True).get(pk=delivery.pk) + _uncounted(delivery)
    if attempts >= MAX_ATTEMPTS:
        _settle(delivery, status=Status.FAILED, attempts=attempts, retry_at=None,
                error=_("%(attempts)d 次尝试均未发出：%(reason)s") % {"attempts": attempts, "reason": reason})
        run.counts["failed"] += 1
        return
    wait = RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1] if later else None
    _settle(delivery, status=Status.QUEUED, attempts=attempts, error=reason,
            retry_at=timezone.now() + wait if wait else None)
    run.counts["requeued"] += 1


def _lost_connection(run: _Run, delivery: Delivery, error: Exception, *, after_dot: bool) -> None:
    if after_dot:
        _settle(delivery, status=Status.UNKNOWN, error=_(
            "邮件发出后连接中断，可能已送达，不会自动重发：%(error)s") % {"error": error})
        run.counts["unknown"] += 1
        return
    _temporary(run, delivery, _("连接中断：%(error)s") % {"error": error or type(error).__name__})


def _queued(mailing: Mailing) -> bool:
    return Delivery.objects.filter(mailing=mailing, status=Status.QUEUED).exists()


def _finish_if_done(mailing: Mailing) -> None:
    with transaction.atomic():
        # The mailing's row is locked first, as mailing_retry_failed locks it: on PostgreSQL
        # a retry committed meanwhile is then seen (READ COMMITTED reads anew after the
        # lock), instead of this check missing its rows and calling the mailing DONE.
        Mailing.objects.select_for_update().filter(pk=mailing.pk).values_list("pk").first()
        if not Delivery.objects.filter(mailing=mailing, status__in=[Status.QUEUED, Status.SENDING]).exists():
            now = timezone.now()
            Mailing.objects.filter(pk=mailing.pk, status=Mailing.Status.SENDING).update(
                status=Mailing.Status.DONE, finished_at=now, heartbeat=now
            )


# --- after an interruption or a failure ----------------------------------------------------


def _reset_interrupted(mailing_id: int) -> int:
    """Rows a dead run left: SENDING → UNKNOWN (never re-sent), its claims freed. The count made UNKNOWN."""
    now = timezone.now()
    unknown = Delivery.objects.filter(mailing_id=mailing_id, status=Status.SENDING).update(
        status=Status.UNKNOWN, claim="", updated_at=now,
        error=_("发送中断：邮件可能已送达，不会自动重发。"),
    )
    Delivery.objects.filter(mailing_id=mailing_id, status=Status.QUEUED).exclude(claim="").update(claim="")
    Mailing.objects.filter(pk=mailing_id).update(heartbeat=now)
    return unknown


def mailing_take_over(mailing_id: int) -> bool:
    """An editor's 继续发送 of one mailing, now: reset it as for a dead run; False unless it is
    still sending. Safe even if its run is alive after all: the run finds its claims gone at
    its next point of no return and stops (at most the message it had in flight becomes
    UNKNOWN), and nobody is sent the mailing twice."""
    with transaction.atomic():
        if not Mailing.objects.select_for_update().filter(pk=mailing_id, status=Mailing.Status.SENDING).exists():
            return False
        _reset_interrupted(mailing_id)
    return True


def mailing_resume(mailing_id: int, *, batch_size: int | None = None,
                   messages: Callable[[Mailing], MessageMaker] = issue_messages,
                   on_sent: Callable[[Delivery], None] | None = None) -> dict:
    """Take over a mailing whose run died: what it left SENDING becomes UNKNOWN, then the rest
    is sent. Only for a mailing no live run is sending (see mailings_resume_interrupted)."""
    with transaction.atomic():
        _reset_interrupted(mailing_id)
    return mailing_run(mailing_id, batch_size=batch_size, messages=messages, on_sent=on_sent)


def stalled(older_than: datetime.timedelta):
    """SENDING mailings without progress for `older_than` that have work a run would do now:
    a row left SENDING, or a queued row that is due. One whose rows all wait for a "try
    later" to pass is waiting, not stalled (next_retry_at says until when)."""
    cutoff = timezone.now() - older_than
    work = Delivery.objects.filter(mailing=OuterRef("pk")).filter(
        Q(status=Status.SENDING) | Q(_due(), status=Status.QUEUED)
    )
    return Mailing.objects.filter(
        Q(heartbeat__lte=cutoff) | Q(heartbeat__isnull=True), Exists(work), status=Mailing.Status.SENDING
    )


def next_retry_at(mailing_id: int) -> datetime.datetime | None:
    """When the first of the mailing's queued rows waiting for a "try later" becomes due."""
    return Delivery.objects.filter(
        mailing_id=mailing_id, status=Status.QUEUED, retry_at__gt=timezone.now()
    ).aggregate(first=Min("retry_at"))["first"]


def mailings_resume_interrupted(older_than: datetime.timedelta = INTERRUPTED_AFTER) -> list[int]:
    """Reset every stalled mailing (as mailing_resume does) and return their ids, for the
    caller to run again on the worker (tasks.mailings_resume).

    Two callers at once do not both take a mailing: the reset refreshes its heartbeat."""
    with transaction.atomic():
        stale = stalled(older_than).select_for_update(skip_locked=True)
        ids = list(stale.order_by("pk").values_list("pk", flat=True))
        for mailing_id in ids:
            _reset_interrupted(mailing_id)
    return ids


def mailing_retry_failed(mailing: Mailing) -> int:
    """Queue the FAILED deliveries again (attempts kept) and reopen the mailing; how many.
    The caller runs it again (tasks.mailing_retry)."""
    now = timezone.now()
    with transaction.atomic():
        Mailing.objects.select_for_update().filter(pk=mailing.pk).values_list("pk").first()  # see _finish_if_done
        count = Delivery.objects.filter(mailing=mailing, status=Status.FAILED).update(
            status=Status.QUEUED, claim="", error="", retry_at=None, updated_at=now
        )
        if count:
            Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENDING, finished_at=None, heartbeat=now)
    mailing.refresh_from_db(fields=["status", "finished_at", "heartbeat"])
    return count


def mailing_progress(mailing: Mailing) -> dict:
    """How many deliveries are in each status (every status, zeros included) and in all."""
    rows = Delivery.objects.filter(mailing=mailing).values_list("status").annotate(n=Count("pk")).order_by()
    counts = {status.value: 0 for status in Status}
    counts.update(dict(rows))
    counts["total"] = sum(counts.values())
    return counts
