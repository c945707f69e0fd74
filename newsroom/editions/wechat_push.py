"""推送到草稿箱 (the wxpush helper replaces this module)."""
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from newsroom.editions.models import WechatPush


class PushRefused(Exception):
    """Why a push cannot start, for the editor."""


def push_start(*, article, by) -> WechatPush:
    try:
        with transaction.atomic():
            return WechatPush.objects.create(article=article, requested_by=by, article_version=article.version)
    except IntegrityError:
        raise PushRefused(_("这篇文章正在推送中。")) from None


def push_run(push_id: int) -> str:
    raise NotImplementedError
