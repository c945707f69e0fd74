"""The site-wide content version: what public pages are cached and revalidated under.

Every change a reader could see (an article, its bylines, zones or topics, an issue, a
reporter, a zone, a topic) moves the number on once its transaction commits, whichever
path made it: admin, bulk action, restore, import, merge, shell. Writes that bypass
model signals (bulk_create, queryset.update) call content_changed() themselves.

Scheduled publishing needs no cron: the visibility rule is evaluated at query time, and
the row keeps the soonest scheduled publication (`next_boundary`). The first request
after that minute moves the number on, with a conditional UPDATE so that only one of
several concurrent requests does it.
"""
from dataclasses import dataclass
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F, Min, Value
from django.db.models.functions import Greatest
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.http import http_date
from taggit.models import Tag, TaggedItem

from articles.cards import cards_refreshed
from articles.models import Article, Byline, TopicRedirect, ZoneMention
from newsroom.models import ContentVersion, Issue, Reporter
from zones.models import Zone

ROW = 1
# Models whose rows appear on a public page, or decide whether something does.
CONTENT_MODELS = (Article, Byline, ZoneMention, Issue, Reporter, Zone, Tag, TaggedItem, TopicRedirect)


@dataclass(frozen=True)
class Version:
    number: int
    changed_at: datetime

    @property
    def etag(self) -> str:
        return f'W/"{self.number}"'

    @property
    def last_modified(self) -> str:
        return http_date(self.changed_at.timestamp())


def next_boundary(now: datetime, *, using: str = DEFAULT_DB_ALIAS):
    """The soonest publish_at still ahead among published articles (index status, publish_at)."""
    return (
        Article.objects.using(using).filter(status=Article.Status.PUBLISHED, publish_at__gt=now)
        .aggregate(soonest=Min("publish_at"))["soonest"]
    )


def bump(*, using: str = DEFAULT_DB_ALIAS, only_if: int | None = None, past: int = 0) -> None:
    """Move the number on and recompute the next boundary; with only_if, only from that number.

    `past` is a number already served: the new one goes beyond it even when the row holds a
    smaller one (a restore brings back the backup's number, and numbers served since then
    name cached pages and ETags of other content)."""
    now = timezone.now()
    rows = ContentVersion.objects.using(using).filter(pk=ROW)
    if only_if is not None:
        rows = rows.filter(number=only_if)
    number = Greatest(F("number"), Value(past)) + 1
    updated = rows.update(number=number, changed_at=now, next_boundary=next_boundary(now, using=using))
    if not updated and only_if is None:
        # A database made before the migration's row (or emptied by a test): start it.
        ContentVersion.objects.using(using).get_or_create(
            pk=ROW, defaults={"number": past + 1, "changed_at": now, "next_boundary": next_boundary(now, using=using)}
        )


def current(*, using: str = DEFAULT_DB_ALIAS) -> Version:
    """The version to serve under: one indexed read, and a bump once a boundary has passed."""
    row = ContentVersion.objects.using(using).filter(pk=ROW).values_list(
        "number", "changed_at", "next_boundary"
    ).first()
    now = timezone.now()
    if row is None or (row[2] is not None and row[2] <= now):
        bump(using=using, only_if=None if row is None else row[0])
        row = ContentVersion.objects.using(using).values_list("number", "changed_at", "next_boundary").get(pk=ROW)
    return Version(number=row[0], changed_at=row[1])


def content_changed(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Bump once the current transaction commits (at once outside one); once per transaction."""
    if change_pending(using=using):
        return  # already due when this transaction commits
    transaction.on_commit(_bumpers[using], using=using)


def change_pending(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """True inside a transaction that has changed content and not committed yet.

    Such a connection sees rows no other reader sees, under a version that does not say
    so: nothing it computes may be cached under that version.
    """
    connection = connections[using]
    return connection.in_atomic_block and any(func is _bumpers[using] for _, func, _ in connection.run_on_commit)


class _Bumper(dict):
    """One callable per database alias, so that a pending bump can be recognised by identity."""

    def __missing__(self, using):
        def bump_after_commit():
            bump(using=using)

        self[using] = bump_after_commit
        return bump_after_commit


_bumpers = _Bumper()


def _on_write(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    content_changed(using=using)


def _on_m2m(sender, action, using=DEFAULT_DB_ALIAS, **kwargs):
    if action.startswith("post_") and (sender in CONTENT_MODELS or sender is Article.excluded_zones.through):
        content_changed(using=using)


def connect_signals() -> None:
    for model in CONTENT_MODELS:
        post_save.connect(_on_write, sender=model, dispatch_uid=f"freshness-save-{model._meta.label}")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"freshness-delete-{model._meta.label}")
    # Relations set through their managers (zones, excluded zones, reporters, topics).
    m2m_changed.connect(_on_m2m, dispatch_uid="freshness-m2m")
    # Cards rewritten in bulk after a rename (articles.cards), which no model signal reports.
    cards_refreshed.connect(_on_write, dispatch_uid="freshness-cards")
