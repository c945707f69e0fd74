"""Work that runs on the background worker (`manage.py db_worker`) instead of in a request.

The tasks API is Django's (`django.tasks` from Django 6 on); until then the django-tasks
backport provides it, imported here and nowhere else, so moving to Django 6 changes the
one import below. settings.TASKS picks the backend: the database by default, so a task
enqueued inside a transaction is stored with it and runs only if that transaction commits.

Arguments and return values are stored as JSON: pass ids, never model instances.
"""
import datetime
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, task

from articles.models import Article
from articles.search import index
from newsroom.editions import printing, wechat_push
from newsroom.editions.models import PrintEdition, WechatPush
from newsroom.freshness import content_changed
from newsroom.images.models import FOCAL_RANGE, Image
from newsroom.images.renditions import make_renditions
from newsroom.images.storing import clean_alt, image_add
from newsroom.mailing import compose, digests, sending
from newsroom.mailing.models import Mailing, Subscriber
from newsroom.models import Issue

REINDEX_CHUNK = 1000

# TaskResultStatus is re-exported so that nothing else imports the tasks API.
__all__ = [
    "TaskResultStatus", "image_describe", "image_refocus", "image_upload", "rebuild_search_index", "reindex_articles",
    "delete_media_files", "render_image", "search_index_rebuild", "send_confirmation", "send_test_issue",
    "send_mailing", "issue_mailing_send", "mailing_retry", "mailing_continue", "mailings_resume", "send_digests", "MailScheduler",
    "issue_print_request", "issues_reprint_withdrawn", "print_issue", "print_issue_when_due", "article_wechat_push", "push_to_wechat",
]


def search_index_rebuild(*, using: str = DEFAULT_DB_ALIAS, batch_size: int = 500, progress=None) -> int:
    """Re-derive every article's search text and the whole index; returns the article count.

    One transaction, unlike reindex_articles: the index is emptied and refilled, and readers
    must see the old index or the new one, never half of each. On SQLite that holds the
    write lock for the whole rebuild (editors' saves wait, and past the busy timeout are
    answered 503), so a full rebuild is for maintenance; after an import, reindex_articles
    re-indexes just the new rows in short chunks."""
    with transaction.atomic(using=using):
        count = index.rebuild(articles=Article.objects.using(using), batch_size=batch_size, progress=progress)
        # bulk_update sends no signal, and the search results may have changed.
        content_changed(using=using)
    return count


@task()
def rebuild_search_index() -> int:
    """The whole index again (`rebuild_search_index --background`)."""
    return search_index_rebuild()


@task()
def reindex_articles(article_ids: list[int]) -> int:
    """The search text of these articles again, e.g. after a large import wrote them in bulk.

    Ids of articles deleted since are skipped; returns how many were re-indexed. The ids go
    in chunks, each in its own transaction: a database caps the values one query may carry
    (SQLite 32,766, PostgreSQL 65,535), and a chunk holds SQLite's write lock only briefly.
    """
    count = 0
    for start in range(0, len(article_ids), REINDEX_CHUNK):
        with transaction.atomic():
            done = index.reindex(articles=Article.objects.filter(pk__in=article_ids[start:start + REINDEX_CHUNK]))
            if done:
                content_changed()
        count += done
    return count


# How long the files of replaced renditions stay: a page cached by a CDN (max-age plus
# stale-while-revalidate) or open in a reader's browser still points at them.
RETIRED_RENDITIONS_KEPT = datetime.timedelta(days=1)


@task()
def render_image(image_id: int) -> int:
    """The renditions of one picture (newsroom.images.renditions); the number of files made.

    Once they are ready the stored cards of the articles it leads are rendered again, so
    that lists show the renditions instead of the master, and the content version moves on.
    The replaced renditions' files are deleted a day later (delete_media_files).
    """
    made = make_renditions(image_id, retire=retire_files)
    if made:
        with transaction.atomic():
            Article.objects.filter(lead_image_id=image_id).refresh_cards()
            content_changed()
    return made


def retire_files(names: list[str]) -> None:
    if not delete_media_files.get_backend().supports_defer:
        # Without a worker (NEWSROOM_TASKS_IMMEDIATE) nothing can run later: they go now.
        transaction.on_commit(lambda: delete_media_files.call(names))
        return
    delete_media_files.using(run_after=timezone.now() + RETIRED_RENDITIONS_KEPT).enqueue(names)


@task()
def delete_media_files(names: list[str]) -> int:
    """Delete these files from the media storage (those still there); returns how many went."""
    gone = 0
    for name in names:
        if default_storage.exists(name):
            default_storage.delete(name)
            gone += 1
    return gone


def image_upload(*, data: bytes, title: str = "", alt: str, caption: str = "", credit: str = "", user=None):
    """Add a picture to the library (newsroom.images.storing.image_add) and have the worker
    make its renditions. Every path that adds pictures (admin, importer, shell) comes here."""
    with transaction.atomic():
        image, created = image_add(data=data, title=title, alt=alt, caption=caption, credit=credit, user=user)
        if not image.ready:
            # Stored in this transaction with the database backend: it runs only if the image is kept.
            render_image.enqueue(image.pk)
    return image, created


def image_refocus(*, image: Image, focal_x: float, focal_y: float) -> bool:
    """Move the focal point; the crops are made again in the background. False if unchanged.

    The version moves on in the same UPDATE, so renditions being made for the old point are
    thrown away when they finish (newsroom.images.renditions._record)."""
    for value in (focal_x, focal_y):
        # NaN passes both range validators (every comparison with it is false).
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise ValidationError(_("焦点坐标必须是 0 到 1 之间的数。"), code="invalid")
        for validator in FOCAL_RANGE:
            validator(value)
    with transaction.atomic():
        locked = Image.objects.select_for_update().get(pk=image.pk)
        if (locked.focal_x, locked.focal_y) == (focal_x, focal_y):
            return False
        locked.focal_x, locked.focal_y, locked.version = focal_x, focal_y, locked.version + 1
        locked.save(update_fields=["focal_x", "focal_y", "version"])
        render_image.enqueue(locked.pk)
    image.focal_x, image.focal_y, image.version = locked.focal_x, locked.focal_y, locked.version
    return True


# What image_describe() writes: the words about a picture, not the picture.
DESCRIPTION_FIELDS = ("title", "alt", "caption", "credit")


def image_describe(*, image: Image, **changes: str) -> Image:
    """Save what is said of a picture: its title, alt text, caption and credit as given in
    `changes`; only those are written, so a field another editor changed meanwhile stays.
    Every path that edits them comes here (the admin's change form too), because model
    signals do not see what depends on them.

    Validated before anything is written; then one transaction: the row, the stored cards of
    the articles it leads (their <img> carries its alt text) when the alt text changed, and
    the content version, so that every page showing its caption or credit is rendered afresh.
    """
    unknown = set(changes) - set(DESCRIPTION_FIELDS)
    if unknown:
        raise TypeError(f"image_describe() cannot change {sorted(unknown)}")
    for field, value in changes.items():
        setattr(image, field, " ".join(value.split()))
    image.alt = clean_alt(image.alt)
    image.full_clean(exclude=["file", "uploaded_by", "sha256"])
    with transaction.atomic():
        previous_alt = Image.objects.select_for_update().values_list("alt", flat=True).get(pk=image.pk)
        image.save(update_fields=list(changes))
        if "alt" in changes and image.alt != previous_alt:
            Article.objects.filter(lead_image=image).refresh_cards()
        content_changed()
    return image


def images_render_enqueue(*, everything: bool = False) -> int:
    """Queue render_image for every picture whose renditions are missing or stale, or for all
    of them (`everything`, e.g. after a change of qualities); returns how many were queued.

    Readiness is compared in Python: `sources` is JSON, and comparing one of its keys with
    a column is written differently on SQLite and PostgreSQL."""
    rows = Image.objects.order_by("pk").values_list("pk", "version", "sources")
    ids = [pk for pk, version, sources in rows if everything or (sources or {}).get("version") != version]
    with transaction.atomic():
        if everything:
            # A new version each: its renditions get new names, so no URL a browser or CDN
            # has kept for a year ever shows other bytes. Pages show the old ones meanwhile.
            Image.objects.update(version=F("version") + 1)
        for pk in ids:
            render_image.enqueue(pk)
    return len(ids)


@task()
def send_confirmation(subscriber_id: int) -> bool:
    """The double opt-in mail with its signed, expiring link; False when there is no one to
    ask (the subscriber was deleted, confirmed meanwhile, or their address stopped us)."""
    sub = Subscriber.objects.filter(pk=subscriber_id, status=Subscriber.Status.PENDING).first()
    if sub is None:
        return False
    compose.confirmation_message(sub).send()
    Subscriber.objects.filter(pk=sub.pk).update(confirmation_sent_at=timezone.now())
    return True


# How each kind of mailing makes its messages (newsroom.mailing.sending.MessageMaker), and
# what else records a sent delivery (in the same transaction); digests add theirs.
MAILING_MESSAGES = {Mailing.Kind.ISSUE: sending.issue_messages, Mailing.Kind.DIGEST: digests.digest_messages}
MAILING_ON_SENT = {Mailing.Kind.DIGEST: digests.digest_sent}


@task()
def send_mailing(mailing_id: int) -> dict:
    """Send a mailing's queued deliveries (newsroom.mailing.sending.mailing_run); what was done.

    Safe to enqueue twice (a resume, two clicks): two runs share the rows, and nobody
    receives the mailing twice."""
    kind = Mailing.objects.values_list("kind", flat=True).get(pk=mailing_id)
    done = sending.mailing_run(mailing_id, messages=MAILING_MESSAGES[kind], on_sent=MAILING_ON_SENT.get(kind))
    # Rows a server asked us to try later: a run of their own when the first is due. (Without
    # a worker that can wait, the scheduler takes them up once due: sending.stalled.)
    if (due := sending.next_retry_at(mailing_id)) and send_mailing.get_backend().supports_defer:
        send_mailing.using(run_after=due).enqueue(mailing_id)
    return done


def _enqueue_send(mailing_id: int) -> None:
    # Without a worker the send runs after the commit, so that each delivery's progress is
    # committed on its own.
    _enqueue_after_commit(send_mailing, mailing_id)


def issue_mailing_send(*, issue, by) -> Mailing:
    """发送本期: the issue's mailing and its deliveries, and its send on the worker, in one
    transaction. Raises sending.MailingRefused (a message for the editor)."""
    with transaction.atomic():
        mailing = sending.issue_mailing_start(issue=issue, by=by)
        _enqueue_send(mailing.pk)
    return mailing


def mailing_retry(mailing: Mailing) -> int:
    """重试失败的收件人: the failed deliveries queued again and sent on the worker; how many."""
    with transaction.atomic():
        count = sending.mailing_retry_failed(mailing)
        if count:
            _enqueue_send(mailing.pk)
    return count


def mailings_resume(*, older_than: datetime.timedelta = sending.INTERRUPTED_AFTER) -> list[int]:
    """Mailings whose run died (no progress for `older_than`) continue on the worker; their ids.

    What the dead run may have sent is marked UNKNOWN and not sent again. Run by
    `manage.py send_mailings --resume`, and periodically by the scheduler."""
    with transaction.atomic():
        ids = sending.mailings_resume_interrupted(older_than)
        for mailing_id in ids:
            _enqueue_send(mailing_id)
    return ids


def mailing_continue(mailing: Mailing) -> bool:
    """继续发送, asked by an editor: the mailing continues on the worker at once (see
    sending.mailing_take_over); False when it is not sending any more."""
    with transaction.atomic():
        if not sending.mailing_take_over(mailing.pk):
            return False
        _enqueue_send(mailing.pk)
    return True


@task()
def send_digests() -> int | None:
    """Today's zone and topic digest (newsroom/mailing/digests.py): its mailing made, at
    most once a day, and sent; its id, or None when today's was made already."""
    with transaction.atomic():
        mailing = digests.digest_mailing_start(timezone.now())
        if mailing is not None and mailing.status == Mailing.Status.SENDING:
            _enqueue_send(mailing.pk)
    return mailing.pk if mailing else None


class MailScheduler:
    """What `manage.py mail_scheduler` does every minute: ask the worker for the day's digest
    once the hour (settings.NEWSROOM_DIGEST_HOUR, local time) has passed, and to continue
    the mailings whose run died (mailings_resume)."""

    # Asked but still not made (the worker down or busy): ask again after this long. One
    # ask too many is harmless, the mailing is made once a day whatever the number.
    ASK_AGAIN_AFTER = datetime.timedelta(minutes=15)

    def __init__(self):
        self.asked_at: datetime.datetime | None = None

    def tick(self, now: datetime.datetime) -> list[str]:
        """One check; what it asked for (task names)."""
        asked = []
        due = digests.digest_due(now, hour=settings.NEWSROOM_DIGEST_HOUR, last_day=digests.last_digest_day())
        if due and (self.asked_at is None or now - self.asked_at >= self.ASK_AGAIN_AFTER):
            send_digests.enqueue()
            self.asked_at = now
            asked.append("send_digests")
        asked += ["send_mailing"] * len(mailings_resume())
        return asked


@task()
def send_test_issue(issue_id: int, to: str) -> bool:
    """发送测试邮件: the issue's email to one editor, marked 测试, with no list headers; False
    when the issue is gone."""
    issue = Issue.objects.filter(pk=issue_id).first()
    if issue is None:
        return False
    compose.issue_message(issue, to=to, sub=None).send()
    return True


def _enqueue_after_commit(task_, *args) -> None:
    """Enqueue with the caller's transaction; without a worker (NEWSROOM_TASKS_IMMEDIATE),
    run once it commits, so the task sees the rows it was asked for and the caller's lock
    is not held through the work."""
    if task_.get_backend().supports_defer:
        task_.enqueue(*args)
    else:
        transaction.on_commit(lambda: task_.enqueue(*args))


@task()
def print_issue(issue_id: int, generation: int) -> str:
    """The issue's print edition: the PDF and its pages (newsroom.editions.printing)."""
    # The replaced edition's files go a day later, like renditions: cached 数字报 pages name them.
    status = printing.print_edition_make(issue_id, generation, retire=retire_files)
    if status != "superseded":  # else the newer run looks
        _print_when_due(issue_id)
    return status


def _print_when_due(issue_id: int) -> None:
    """An article scheduled for later is not printed; when it becomes readable, the issue is
    printed again (without a worker that can wait, the desk sees 已过期 and reprints)."""
    due = printing.next_due(issue_id)
    if due is not None and print_issue_when_due.get_backend().supports_defer:
        print_issue_when_due.using(run_after=due).enqueue(issue_id, due.isoformat())


@task()
def print_issue_when_due(issue_id: int, due: str) -> int | None:
    """The issue's article scheduled for `due` is now readable: a new print edition with it,
    unless a print was asked for since then (it has it already). The new generation, or None."""
    issue = Issue.objects.published().filter(pk=issue_id).first()
    edition = PrintEdition.objects.filter(issue_id=issue_id).only("requested_at").first()
    if issue is None or edition is None:
        return None
    if edition.requested_at and edition.requested_at >= datetime.datetime.fromisoformat(due):
        return None
    return issue_print_request(issue=issue).generation


def issue_print_request(*, issue, by=None) -> PrintEdition:
    """Ask for the issue's print edition (again): a new generation, made on the worker.

    Publishing calls it (in its transaction), and so does 重新生成 in the admin. A run
    started for an older request finds the generation moved on and drops its result."""
    by = by if by is not None and by.is_authenticated else None
    fields = {"status": PrintEdition.Status.PENDING, "requested_at": timezone.now(), "requested_by": by, "problem": ""}
    # No savepoint of its own: inside publishing it is one more write of that transaction.
    with transaction.atomic(savepoint=False):
        edition, created = PrintEdition.objects.select_for_update().get_or_create(
            issue_id=issue.pk, defaults={"generation": 1, **fields}
        )
        if not created:
            for name, value in {"generation": edition.generation + 1, **fields}.items():
                setattr(edition, name, value)
            edition.save(update_fields=["generation", *fields])
        _enqueue_after_commit(print_issue, issue.pk, edition.generation)
    return edition


def issues_reprint_withdrawn(*, issue_ids, by=None) -> list[Issue]:
    """Print again every edition of these issues that readers can open and that shows an
    article they can no longer read: a withdrawn article must not stay in the PDF and the
    page pictures. The issues asked for; the desk calls it after taking articles down."""
    editions = PrintEdition.objects.ready().filter(issue_id__in={pk for pk in issue_ids if pk is not None})
    issues = [edition.issue for edition in editions.select_related("issue").defer("issue__source_text", "pages")
              if printing.withdrawn_articles(edition)]
    for issue in issues:
        issue_print_request(issue=issue, by=by)
    return issues


@task()
def push_to_wechat(push_id: int) -> str:
    """推送到草稿箱 (newsroom.editions.wechat_push.push_run); the push's final status."""
    return wechat_push.push_run(push_id)


def article_wechat_push(*, article, by) -> WechatPush:
    """推送到草稿箱: the push row and its run on the worker, in one transaction. Raises
    wechat_push.PushRefused (a message for the editor) before writing anything."""
    with transaction.atomic():
        push = wechat_push.push_start(article=article, by=by)
        _enqueue_after_commit(push_to_wechat, push.pk)
    return push
