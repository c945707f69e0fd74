"""The signed links in every email: no account, no session, only the signature.

The signed value is the subscriber's id and key; rotating the key revokes every link sent
before. Tokens are safe in a URL path (Django's signer uses URL-safe base64 and ':').
"""
import datetime

from django.core import signing

from newsroom.mailing.models import Subscriber

# A confirmation link expires: an address typed by someone else must not be confirmable
# forever by whoever finds the mail later.
CONFIRM_MAX_AGE = datetime.timedelta(days=3)

_CONFIRM_SALT = "newsroom.mailing.confirm"
_MANAGE_SALT = "newsroom.mailing.manage"


def _value(sub: Subscriber) -> str:
    return f"{sub.pk}.{sub.key}"


def _subscriber(value: str) -> Subscriber | None:
    pk, _dot, key = value.partition(".")
    if not pk.isdigit() or not key:
        return None
    sub = Subscriber.objects.filter(pk=int(pk)).first()
    if sub is None or not signing.constant_time_compare(sub.key, key):
        return None
    return sub


def confirm_token(sub: Subscriber) -> str:
    return signing.TimestampSigner(salt=_CONFIRM_SALT).sign(_value(sub))


def subscriber_for_confirm(token: str) -> Subscriber | None:
    """The subscriber a confirmation link names; None when forged, expired or revoked."""
    try:
        value = signing.TimestampSigner(salt=_CONFIRM_SALT).unsign(token, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    return _subscriber(value)


def manage_token(sub: Subscriber) -> str:
    return signing.Signer(salt=_MANAGE_SALT).sign(_value(sub))


def subscriber_for_manage(token: str) -> Subscriber | None:
    """The subscriber of a manage or unsubscribe link; these never expire, so that an old
    email can still unsubscribe."""
    try:
        value = signing.Signer(salt=_MANAGE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return _subscriber(value)
