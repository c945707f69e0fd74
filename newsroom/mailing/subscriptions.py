"""What a reader can do to their own subscription: ask, confirm, choose, pause, resume, leave.

Every function locks the subscriber's row and writes once, in one transaction, so that two
clicks at once (a reader's and a link scanner's, or two tabs) leave one consistent state.
The views (newsroom/site/subscribe.py) prove who the reader is: the confirm and manage
links are signed (newsroom/mailing/tokens.py); the subscribe form proves nothing, so it may
only ever lead to a confirmation mail, never change a confirmed reader's choices.
"""
from django.db import transaction
from django.utils import timezone

from newsroom.mailing.models import Subscriber

Status = Subscriber.Status


def _locked(sub: Subscriber) -> Subscriber:
    return Subscriber.objects.select_for_update().get(pk=sub.pk)


def subscriber_request(*, email: str, zones, topics) -> Subscriber | None:
    """The subscribe form sent with a valid, normalised address: the subscriber who must be
    sent a confirmation mail, or None when nobody is to be mailed.

    A new address, or one that is pending, paused or unsubscribed, (re)starts as pending
    with the zones and topics chosen; a confirmed one is left as it is (anyone can type an
    address); one that bounced or complained is never mailed again.
    """
    with transaction.atomic():
        sub, created = Subscriber.objects.get_or_create(email=email, defaults={"source": Subscriber.Source.FORM})
        sub = _locked(sub)
        if sub.status == Status.CONFIRMED or sub.status in Subscriber.STOPPED:
            return None
        if sub.status != Status.PENDING:
            sub.status = Status.PENDING
            sub.save(update_fields=["status"])
        sub.zones.set(zones)
        sub.topics.set(topics)
    return sub


def subscriber_confirm(*, sub: Subscriber) -> bool:
    """Pending → confirmed; False when the subscriber was not pending (already confirmed, or
    unsubscribed or stopped since the mail went out: an old link must not undo that)."""
    with transaction.atomic():
        sub = _locked(sub)
        if sub.status != Status.PENDING:
            return False
        sub.status, sub.confirmed_at, sub.left_at = Status.CONFIRMED, timezone.now(), None
        sub.save(update_fields=["status", "confirmed_at", "left_at"])
    return True


def subscriber_set_interests(*, sub: Subscriber, zones, topics) -> None:
    with transaction.atomic():
        sub = _locked(sub)
        sub.zones.set(zones)
        sub.topics.set(topics)


def subscriber_pause(*, sub: Subscriber) -> bool:
    return _move(sub, from_statuses=(Status.CONFIRMED,), to=Status.PAUSED)


def subscriber_resume(*, sub: Subscriber) -> bool:
    """Paused, unsubscribed or pending → confirmed. The manage link came in a mail to the
    address, so following it proves the mailbox as the confirmation link does. Pending too:
    anyone may type a paused reader's address into the subscribe form, which makes it
    pending, and the reader's own link must still bring their mail back."""
    return _move(sub, from_statuses=(Status.PENDING, Status.PAUSED, Status.UNSUBSCRIBED), to=Status.CONFIRMED)


def subscriber_unsubscribe(*, sub: Subscriber) -> bool:
    """Anything but stopped → unsubscribed; False when there was nothing to do (already
    unsubscribed, or stopped by a bounce or a complaint, which stays the stronger reason)."""
    leaving = (Status.PENDING, Status.CONFIRMED, Status.PAUSED)
    return _move(sub, from_statuses=leaving, to=Status.UNSUBSCRIBED)


def _move(sub: Subscriber, *, from_statuses, to: str) -> bool:
    with transaction.atomic():
        sub = _locked(sub)
        if sub.status not in from_statuses:
            return False
        sub.status = to
        fields = ["status"]
        if to == Status.UNSUBSCRIBED:
            sub.left_at = timezone.now()
            fields.append("left_at")
        elif to == Status.CONFIRMED:
            sub.left_at = None
            sub.confirmed_at = sub.confirmed_at or timezone.now()
            fields += ["left_at", "confirmed_at"]
        sub.save(update_fields=fields)
    return True
