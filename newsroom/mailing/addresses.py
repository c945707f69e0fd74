"""The one form of an email address we store and compare."""
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.encoding import punycode
from django.utils.translation import gettext as _

MAX_LENGTH = 254  # RFC 5321's limit on a path, which every server enforces

_validate = EmailValidator()


def normalise_email(raw: str) -> str:
    """The address as stored: NFKC, trimmed, lower-case; ValidationError when it is not one.

    NFKC because a Chinese input method types full-width letters and ＠, which look right
    and are refused by every mail server. The whole address is lower-cased: the local part is
    case-sensitive in theory, in no mailbox provider in practice, and one reader must not be
    two subscribers because they typed a capital once.
    """
    if not isinstance(raw, str):
        raise ValidationError(_("请输入电子邮件地址。"), code="required")
    address = unicodedata.normalize("NFKC", raw).strip().lower()
    if not address:
        raise ValidationError(_("请输入电子邮件地址。"), code="required")
    if len(address) > MAX_LENGTH:
        raise ValidationError(
            _("电子邮件地址太长（最多 %(limit)d 个字符）。"), code="max_length", params={"limit": MAX_LENGTH}
        )
    if any(unicodedata.category(ch).startswith("C") for ch in address):
        raise ValidationError(_("电子邮件地址含有不可见字符。"), code="invalid")
    try:
        _validate(address)
        # The validator takes a domain of up to 63 characters a label, but a mail server gets
        # it in punycode, which has a 63-byte limit: 60 Han characters pass the one and fail
        # the other, and such an address could never be sent to (Django raises UnicodeError).
        punycode(address.rpartition("@")[2])
    except (ValidationError, UnicodeError):
        raise ValidationError(
            _("“%(address)s”不是有效的电子邮件地址。"), code="invalid", params={"address": address}
        ) from None
    return address
