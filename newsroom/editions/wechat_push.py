"""推送到草稿箱: an article's 公众号版 sent to the account's draft box, on the worker.

push_start() (in the request, through newsroom.tasks.article_wechat_push) validates and
writes the QUEUED row; push_run() (on the worker) claims it, uploads the body pictures
(media/uploadimg) and the cover (material/add_material), points the body's <img> at the
uploaded copies, and calls draft/add. A human still publishes in the WeChat back office.

Any article may be pushed, drafts too: the 草稿箱 is a draft box, nothing there reaches a
reader until an editor publishes it in WeChat, and an article is often prepared for the
account before it is published on the site.
"""
import datetime
import hashlib
from dataclasses import dataclass
from html.parser import HTMLParser

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Article
from newsroom.editions.models import WechatPush, WechatUpload
from newsroom.editions.wechat import attribute_value, wechat_article
from newsroom.editions.wechat_api import (
    BODY_IMAGE_MAX_BYTES,
    WechatClient,
    WechatError,
    WechatUnavailable,
    image_type,
)

# A push whose worker has shown nothing for this long died (worker killed, machine restarted):
# it no longer blocks a new push. A live push makes four kinds of calls, each with its timeout.
PUSH_INTERRUPTED_AFTER = datetime.timedelta(minutes=15)
# A push still queued after this long waits for a worker that is not running; it is given up
# (its task, if it ever runs, finds it no longer queued and does nothing), so the article
# can be pushed again. Longer than a busy queue (a print edition or a mailing ahead of it).
PUSH_NEVER_STARTED_AFTER = datetime.timedelta(hours=1)


class PushRefused(Exception):
    """Why a push cannot start; the message is for the editor."""


class PushProblem(Exception):
    """Why a push failed before WeChat could say so (a picture it would refuse, no cover)."""

    @property
    def problem(self) -> str:
        return self.args[0]


def configured() -> bool:
    return bool(settings.NEWSROOM_WECHAT_APPID and settings.NEWSROOM_WECHAT_SECRET)


def push_start(*, article, by) -> WechatPush:
    """The QUEUED row for one push, or PushRefused; call inside the transaction that enqueues it."""
    if not configured():
        raise PushRefused(_("未配置公众号：请设置 NEWSROOM_WECHAT_APPID 和 NEWSROOM_WECHAT_SECRET。"))
    _release_interrupted(article)
    if _push_unfinished(article):
        raise PushRefused(_("这篇文章正在推送到草稿箱，请等它完成。"))
    # What the 公众号版 page already warns of, WeChat would refuse: said now, not after a run.
    # The page lists them just below the message; the count is enough here.
    if refusals := wechat_article(article).refusals:
        raise PushRefused(_("公众号会拒绝这篇文章，没有推送：请先修改公众号版列出的 %(count)s 处问题。")
                          % {"count": len(refusals)})
    try:
        with transaction.atomic():
            return WechatPush.objects.create(
                article=article, requested_by=by, article_version=article.version,
                status=WechatPush.Status.QUEUED,
            )
    except IntegrityError:
        # Another editor's push was written between the check and ours (the constraint).
        raise PushRefused(_("这篇文章正在推送到草稿箱，请等它完成。")) from None


def push_blocks(push: WechatPush, *, now: datetime.datetime | None = None) -> bool:
    """Whether this push still stops the article from being pushed again: unfinished, and
    neither interrupted nor never started (those push_start gives up, as _release_interrupted)."""
    now = now or timezone.now()
    if push.status == WechatPush.Status.PUSHING:
        return push.started_at is None or push.started_at >= now - PUSH_INTERRUPTED_AFTER
    if push.status == WechatPush.Status.QUEUED:
        return push.requested_at >= now - PUSH_NEVER_STARTED_AFTER
    return False


def refused_message(refusals) -> str:
    """For the push's row, read later and away from the page's warnings: each problem in full."""
    return _("公众号会拒绝这篇文章，没有推送。请先修改：%(refusals)s") % {"refusals": "".join(refusals)}


def _push_unfinished(article) -> bool:
    return WechatPush.objects.filter(article=article, status__in=WechatPush.UNFINISHED).exists()


def _release_interrupted(article) -> None:
    now = timezone.now()
    pushes = WechatPush.objects.filter(article=article)
    pushes.filter(status=WechatPush.Status.PUSHING, started_at__lt=now - PUSH_INTERRUPTED_AFTER).update(
        status=WechatPush.Status.FAILED, finished_at=now, problem=_("推送中断（后台任务没有完成），请重新推送。"))
    pushes.filter(status=WechatPush.Status.QUEUED, requested_at__lt=now - PUSH_NEVER_STARTED_AFTER).update(
        status=WechatPush.Status.FAILED, finished_at=now, problem=_("推送一直没有开始（后台任务没有运行），已取消。"))


def push_run(push_id: int) -> str:
    """Run one queued push; its final status (a push no longer queued is left as it is)."""
    push = _claim(push_id)
    if push is None:
        return WechatPush.objects.filter(pk=push_id).values_list("status", flat=True).first() or ""
    try:
        media_id = article_push(push.article, client=WechatClient.from_settings())
    except (WechatError, WechatUnavailable, PushProblem) as error:
        return _finish(push, status=WechatPush.Status.FAILED, problem=error.problem)
    except Exception:
        # Recorded, so that the article can be pushed again; the worker keeps the traceback.
        _finish(push, status=WechatPush.Status.FAILED, problem=_("推送出错（程序错误），请联系技术人员。"))
        raise
    return _finish(push, status=WechatPush.Status.DONE, media_id=media_id)


def _claim(push_id: int) -> WechatPush | None:
    with transaction.atomic():
        push = (WechatPush.objects.select_for_update()
                .filter(pk=push_id, status=WechatPush.Status.QUEUED).first())
        if push is None:
            return None
        # The version this run reads and pushes, which may be newer than the one asked for.
        version = Article.objects.filter(pk=push.article_id).values_list("version", flat=True).get()
        push.status, push.started_at, push.article_version = WechatPush.Status.PUSHING, timezone.now(), version
        push.save(update_fields=["status", "started_at", "article_version"])
    return WechatPush.objects.select_related("article").get(pk=push_id)


def _finish(push: WechatPush, *, status: str, media_id: str = "", problem: str = "") -> str:
    WechatPush.objects.filter(pk=push.pk).update(
        status=status, media_id=media_id, problem=problem, finished_at=timezone.now(),
    )
    return status


# --- the push itself


def article_push(article, *, client: WechatClient) -> str:
    """Upload what the article's 公众号版 shows and create its draft; the draft's media_id."""
    edition = wechat_article(article)
    if edition.refusals:  # changed since the push was asked for
        raise PushProblem(refused_message(edition.refusals))
    if edition.cover is None:
        raise PushProblem(_("公众号草稿需要封面图片：请为文章设置主图或插入一张图片。"))
    content = body_with_uploaded_images(edition, client=client)
    fields = {
        "title": edition.title, "author": edition.author, "digest": edition.digest,
        "content": content, "content_source_url": edition.source_url,
        "need_open_comment": 0, "only_fans_can_comment": 0,
    }
    cover = picture(edition.cover)
    try:
        return _add_draft(client, {**fields, "thumb_media_id": cover_media_id(cover, client=client)})
    except WechatError as error:
        if error.errcode != 40007:
            raise
    # The cover we kept was deleted in the back office: upload it again, once.
    WechatUpload.objects.filter(appid=client.appid, sha256=cover.sha256, kind=WechatUpload.Kind.COVER).delete()
    return _add_draft(client, {**fields, "thumb_media_id": cover_media_id(cover, client=client)})


def _add_draft(client: WechatClient, fields: dict) -> str:
    try:
        return client.add_draft([fields])
    except WechatUnavailable as lost:
        if not lost.sent:
            raise  # refused before sending: no draft was made, pushing again is safe
        # WeChat may have made the draft before the answer was lost: a second push would make two.
        raise PushProblem(
            _("推送草稿时与微信的连接中断（%(reason)s）：草稿可能已经建立，重新推送前请先查看公众号草稿箱。")
            % {"reason": lost.args[0]}
        ) from lost


@dataclass(frozen=True)
class Picture:
    src: str  # as the 公众号版's <img> names it
    data: bytes
    sha256: str

    @property
    def filename(self) -> str:
        return self.sha256[:16] + (".png" if image_type(self.data) == "image/png" else ".jpg")


def picture(image) -> Picture:
    """The bytes of one picture of the 公众号版 (an item of WechatArticle.images, or its cover)."""
    try:
        with default_storage.open(image.name, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        raise PushProblem(_("图片文件 %(name)s 不在存储中，无法上传。") % {"name": image.name}) from None
    return Picture(src=image.url, data=data, sha256=hashlib.sha256(data).hexdigest())


def body_with_uploaded_images(edition, *, client: WechatClient) -> str:
    """The body with every <img> pointing at its copy on WeChat's servers: the only pictures
    draft/add keeps."""
    content, uploaded = edition.html, set()
    for image in edition.images:
        item = picture(image)
        if image_type(item.data) not in ("image/jpeg", "image/png"):
            raise PushProblem(_("图片“%(title)s”不是 JPEG 或 PNG，公众号正文不接受。") % {"title": image.title})
        if len(item.data) >= BODY_IMAGE_MAX_BYTES:
            raise PushProblem(_("图片“%(title)s”超过 1MB，公众号正文不接受。") % {"title": image.title})
        url = _uploaded(item, WechatUpload.Kind.BODY, client=client).url
        content = content.replace(f'src="{attribute_value(item.src)}"', f'src="{attribute_value(url)}"')
        uploaded.add(url)
    left = [src for src in image_sources(content) if src not in uploaded]
    if left:
        raise PushProblem(_("正文中有未能上传的图片：%(sources)s") % {"sources": "、".join(left)})
    return content


def cover_media_id(cover: Picture, *, client: WechatClient) -> str:
    return _uploaded(cover, WechatUpload.Kind.COVER, client=client).media_id


def _uploaded(item: Picture, kind: str, *, client: WechatClient) -> "WechatUpload":
    """The copy of a picture on WeChat's servers, uploaded once per account and kind."""
    known = WechatUpload.objects.filter(appid=client.appid, sha256=item.sha256, kind=kind).first()
    if known is not None:
        return known
    if kind == WechatUpload.Kind.BODY:
        url, media_id = client.upload_body_image(item.data, item.filename), ""
    else:
        media_id, url = client.add_image_material(item.data, item.filename)
    try:
        with transaction.atomic():
            return WechatUpload.objects.create(
                appid=client.appid, sha256=item.sha256, kind=kind, url=url, media_id=media_id,
            )
    except IntegrityError:
        # Another push uploaded the same picture meanwhile: theirs is as good.
        return WechatUpload.objects.get(appid=client.appid, sha256=item.sha256, kind=kind)


class _Sources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.found.append(dict(attrs).get("src") or "")


def image_sources(markup: str) -> list[str]:
    parser = _Sources()
    parser.feed(markup)
    parser.close()
    return parser.found
