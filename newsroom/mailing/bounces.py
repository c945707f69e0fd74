"""Bounces, complaints and unsubscribes reported by a mail provider through django-anymail's
webhooks: a hard bounce or a complaint stops all mail to the address.

anymail turns each provider's payload into one normalised event and sends its `tracking`
signal (connected in MailingConfig.ready). What stops mail is the Subscriber's status:
Subscriber.objects.receiving() leaves the address out of every later mailing, and the engine
skips a delivery still queued for it.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from newsroom.mailing.addresses import normalise_email
from newsroom.mailing.models import Delivery, Subscriber

# anymail's normalised reasons (anymail.signals.RejectReason) that mean the address is dead:
# the mailbox does not exist, or the provider's own list says it bounced before. "blocked",
# "timed_out" and "other" are about this message or this sender, not the address.
DEAD_ADDRESS = {"bounced", "invalid"}


def tracking_event_received(sender, event, esp_name, **kwargs) -> None:
    """anymail's `tracking` receiver: one event of one recipient."""
    recipient = _address(event.recipient)
    if recipient is None:
        return
    if _is_hard_bounce(event):
        subscriber_stop(email=recipient, status=Subscriber.Status.BOUNCED,
                        reason=_("退信（%(esp)s）：%(why)s") % {"esp": esp_name, "why": _why(event)},
                        message_id=event.message_id)
    elif event.event_type == "complained" or _rejected_for(event, "spam"):
        subscriber_stop(email=recipient, status=Subscriber.Status.COMPLAINED,
                        reason=_("投诉（%(esp)s）：%(why)s") % {"esp": esp_name, "why": _why(event)},
                        message_id=event.message_id)
    elif event.event_type == "unsubscribed" or _rejected_for(event, "unsubscribed"):
        subscriber_stop(email=recipient, status=Subscriber.Status.UNSUBSCRIBED,
                        reason=_("在 %(esp)s 退订") % {"esp": esp_name}, message_id=None)
    # Soft bounces ("deferred"), deliveries, opens and clicks change nothing: the provider
    # retries a deferred message itself.


def subscriber_stop(*, email: str, status: str, reason: str, message_id: str | None) -> int:
    """Stop mail to `email` for `reason`; returns how many subscribers changed (0 or 1).

    A bounce or complaint already recorded is kept: it is the stronger reason, and a
    reader's own unsubscribe cannot undo it either. The delivery the event is about, when
    the provider names its message, records what happened to it.
    """
    now = timezone.now()
    with transaction.atomic():
        changed = (
            Subscriber.objects.filter(email=email).exclude(status__in=Subscriber.STOPPED)
            .exclude(status=status).update(status=status, stop_reason=reason[:2000], left_at=now)
        )
        if message_id:
            deliveries = Delivery.objects.filter(email=email, message_id__in=_message_ids(message_id))
            if status == Subscriber.Status.BOUNCED:
                # Not delivered after all; a retry skips the address, which no longer receives.
                deliveries.update(status=Delivery.Status.FAILED, error=reason[:2000], updated_at=now)
            else:
                deliveries.update(error=reason[:2000], updated_at=now)
    return changed


def _is_hard_bounce(event) -> bool:
    if event.event_type == "rejected":
        # The provider refused to send: its suppression list knows the address is dead.
        return event.reject_reason in DEAD_ADDRESS
    if event.event_type != "bounced" or event.reject_reason not in DEAD_ADDRESS:
        return False
    return not _is_soft(event.esp_event)


def _rejected_for(event, reason: str) -> bool:
    """The provider refused to send because of its own list: the address complained or
    unsubscribed there before."""
    return event.event_type == "rejected" and event.reject_reason == reason


def _is_soft(esp_event) -> bool:
    """Providers whose soft bounces anymail reports as "bounced" (reason "bounced") too:
    Postmark's SoftBounce and Transient types, Amazon SES's Transient bounce type, Mailjet's
    bounces without hard_bounce (a full mailbox)."""
    if not isinstance(esp_event, dict):
        return False
    if esp_event.get("Type") in ("SoftBounce", "Transient") or esp_event.get("hard_bounce") is False:
        return True
    bounce = esp_event.get("bounce")
    return isinstance(bounce, dict) and bounce.get("bounceType") == "Transient"


def _why(event) -> str:
    return str(event.description or event.mta_response or event.reject_reason or "")


def _address(raw) -> str | None:
    """The stored form of the reported address; None for what is no address (a hostile payload)."""
    try:
        return normalise_email(raw)
    except ValidationError:
        return None


def _message_ids(message_id: str) -> list[str]:
    # SMTP's Message-ID header has angle brackets; providers report it with or without.
    bare = str(message_id).strip().strip("<>")
    return [bare, f"<{bare}>"]
