"""The one form of an email address we store and compare."""
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
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
    # 。 is what "." types in a Chinese input method's own mode; NFKC keeps it (and turns
    # the half-width ｡ into it), IDNA reads it as a dot: so do we.
    address = unicodedata.normalize("NFKC", raw).strip().lower().replace("。", ".")
    if not address:
        raise ValidationError(_("请输入电子邮件地址。"), code="required")
    too_long = ValidationError(
        _("电子邮件地址太长（最多 %(limit)d 个字符）。"), code="max_length", params={"limit": MAX_LENGTH}
    )
    if len(address) > MAX_LENGTH:
        raise too_long
    if any(unicodedata.category(ch).startswith("C") for ch in address):
        raise ValidationError(_("电子邮件地址含有不可见字符。"), code="invalid")
    invalid = ValidationError(
        _("“%(address)s”不是有效的电子邮件地址。"), code="invalid", params={"address": address}
    )
    try:
        _validate(address)
        local, _at, domain = address.rpartition("@")
        # One mailbox, one subscriber: 例子.中国 and xn--fsqu00a.xn--fiqs8s are the same
        # domain, stored as mail servers and providers' bounce reports spell it.
        domain = domain.encode("idna").decode("ascii")
    except (ValidationError, UnicodeError):
        raise invalid from None
    if len(local) + 1 + len(domain) > MAX_LENGTH:  # the ASCII spelling is the longer one
        raise too_long
    return f"{local}@{domain}"
