"""Zone and topic alerts: at most one digest a day of the newly published articles that
mention the zones or carry the topics a subscriber chose.

What each subscriber has already been sent is read from the delivery records, not kept
beside them: a digest covers the articles that became visible in (covered, until], where
`covered` is the end of the window of the subscriber's last digest that may have reached
them. So a digest that failed leaves its articles for the next one (nothing lost), and one
that was sent, or whose fate is unknown after a crash, is never repeated (nothing twice).
`Subscriber.digest_until` is that same bound, stored when a digest is sent (digest_sent)
so the admin can show it; the computation never trusts a copy.
"""
import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from taggit.models import TaggedItem

from articles.models import Article, ZoneMention
from newsroom.mailing import compose
from newsroom.mailing.models import Delivery, Mailing, Subscriber

# Deliveries whose digest may have reached the reader. SENDING counts too: another worker
# may be past the point of no return with it right now, or a killed one left it (UNKNOWN
# next); the engine never sends those again, so their articles count as sent.
COVERING = (Delivery.Status.SENT, Delivery.Status.UNKNOWN, Delivery.Status.SENDING)
# How far back a digest reaches at most.
REACH = datetime.timedelta(days=7)


def digest_due(now: datetime.datetime, *, hour: int, last_day: datetime.date | None) -> bool:
    """Is a digest due at `now`: past `hour` o'clock local time (settings.TIME_ZONE) and none made today?"""
    local = timezone.localtime(now)
    return local.hour >= hour and last_day != local.date()


def last_digest_day() -> datetime.date | None:
    return Mailing.objects.filter(kind=Mailing.Kind.DIGEST).aggregate(day=Max("day"))["day"]


def digest_mailing_start(now: datetime.datetime) -> Mailing | None:
    """Today's digest mailing, with a QUEUED delivery for each receiving subscriber who has news.

    None when today's exists already: the unique day makes a second scheduler's insert
    fail (on PostgreSQL it waits for the first one's commit), so two at once make one.
    A mailing that found nobody with news is DONE at once.
    """
    day = timezone.localdate(now)
    with transaction.atomic():
        try:
            # A savepoint: the failed insert must not break the transaction we return from.
            with transaction.atomic():
                mailing = Mailing.objects.create(
                    kind=Mailing.Kind.DIGEST, day=day, since=_previous_until(day), until=now,
                    status=Mailing.Status.SENDING, heartbeat=now,
                )
        except IntegrityError:
            return None
        deliveries = [
            Delivery(mailing=mailing, subscriber_id=pk, email=email, status=Delivery.Status.QUEUED)
            for pk, email in _subscribers_with_news(mailing)
        ]
        Delivery.objects.bulk_create(deliveries, batch_size=1000)
        if not deliveries:
            mailing.status, mailing.finished_at = Mailing.Status.DONE, now
            mailing.save(update_fields=["status", "finished_at"])
    return mailing


def digest_articles(sub: Subscriber, mailing: Mailing) -> list[Article]:
    """The articles `sub`'s digest in `mailing` carries, computed now (at send time): what
    was unpublished since it was queued is left out, and a later digest already sent to
    the subscriber makes this one empty."""
    since = _since(_covered_until(sub, other_than=mailing), sub.confirmed_at or sub.created_at, mailing)
    if since >= mailing.until:
        return []
    zones = sub.zones.values("pk")
    topics = sub.topics.values("pk")
    return list(
        _new_articles(since, mailing.until)
        .filter(Q(pk__in=ZoneMention.objects.filter(zone__in=zones).values("article"))
                | Q(pk__in=_tagged().filter(tag__in=topics).values("object_id")))
        .for_reading().select_related("lead_image")
        .order_by("visible_at", "pk")
    )


def digest_messages(mailing: Mailing):
    """How the engine (sending.mailing_run's `messages`) makes a DIGEST mailing's messages:
    one per subscriber, or None when nothing is new for them (the delivery is SKIPPED)."""
    return lambda sub: digest_message(sub, mailing)


def digest_message(sub: Subscriber, mailing: Mailing):
    # A subscriber without zones or topics matches no article: no message, no extra check.
    articles = digest_articles(sub, mailing)
    return compose.digest_message(sub, articles, day=mailing.day) if articles else None


def digest_sent(delivery: Delivery) -> None:
    """The engine's on_sent for DIGEST mailings, in the transaction that marks `delivery`
    SENT: the subscriber's digest_until moves to the mailing's end. Never backwards (digests
    sent out of order); one query."""
    until = Subquery(Mailing.objects.filter(pk=delivery.mailing_id).values("until"))
    (Subscriber.objects.filter(pk=delivery.subscriber_id)
     .filter(Q(digest_until__isnull=True) | Q(digest_until__lt=until))
     .update(digest_until=until))


def _previous_until(day: datetime.date) -> datetime.datetime | None:
    previous = Mailing.objects.filter(kind=Mailing.Kind.DIGEST, day__lt=day).order_by("-day").first()
    return previous.until if previous else None


def _since(covered, confirmed, mailing: Mailing) -> datetime.datetime:
    """Where a subscriber's digest starts: after their last one, or when they confirmed (no
    archive in the first email), and never more than REACH back (a reader back from a pause
    gets the news, not months of articles)."""
    return max(covered or confirmed, mailing.until - REACH)


def _covered_until(sub: Subscriber, *, other_than: Mailing) -> datetime.datetime | None:
    return (
        Delivery.objects.filter(subscriber=sub, mailing__kind=Mailing.Kind.DIGEST, status__in=COVERING)
        .exclude(mailing=other_than)
        .aggregate(until=Max("mailing__until"))["until"]
    )


def _new_articles(since: datetime.datetime, until: datetime.datetime):
    """Published articles that became visible in (since, until].

    An article becomes visible at its publish_at, or when its issue was first published if
    that was later: an article dated last week in an issue published today is news today.
    """
    return (
        Article.objects.published()
        .filter(Q(publish_at__gt=since) | Q(issue__published_at__gt=since))
        .alias(visible_at=_visible_at())
        .filter(visible_at__gt=since, visible_at__lte=until)
    )


def _visible_at():
    return Greatest("publish_at", Coalesce("issue__published_at", "publish_at"))


def _tagged():
    # taggit's rows can tag any model.
    return TaggedItem.objects.filter(content_type=ContentType.objects.get_for_model(Article))


def _subscribers_with_news(mailing: Mailing) -> list[tuple[int, str]]:
    """(pk, email) of the receiving subscribers who chose zones or topics and have at least
    one new article; a fixed number of queries, whatever the number of subscribers."""
    chose = Q(Exists(Subscriber.zones.through.objects.filter(subscriber=OuterRef("pk")))) | Q(
        Exists(Subscriber.topics.through.objects.filter(subscriber=OuterRef("pk"))))
    subscribers = list(
        Subscriber.objects.receiving().filter(chose).values_list("pk", "email", "confirmed_at", "created_at")
    )
    if not subscribers:
        return []
    covered = dict(
        Delivery.objects.filter(mailing__kind=Mailing.Kind.DIGEST, status__in=COVERING)
        .exclude(mailing=mailing)
        .values("subscriber").annotate(until=Max("mailing__until")).values_list("subscriber", "until")
    )
    since = {pk: _since(covered.get(pk), confirmed or created, mailing) for pk, _, confirmed, created in subscribers}
    articles = _facets_of(_new_articles(min(since.values()), mailing.until))
    zones, topics = _choices()
    return [
        (pk, email) for pk, email, _, _ in subscribers
        if any(visible > since[pk] and (zone_ids & zones.get(pk, set()) or topic_ids & topics.get(pk, set()))
               for visible, zone_ids, topic_ids in articles)
    ]


def _facets_of(articles) -> list[tuple[datetime.datetime, set[int], set[int]]]:
    """(visible_at, zone ids, topic ids) of each article; three queries."""
    rows = {
        pk: (visible, set(), set())
        for pk, visible in articles.annotate(visible=_visible_at()).values_list("pk", "visible")
    }
    # Subqueries, not lists of ids: a database caps the values one query may carry. An
    # article published between two of these queries is in the later ones only: skipped.
    ids = articles.values("pk")
    for article, zone in ZoneMention.objects.filter(article__in=ids).order_by().values_list("article", "zone"):
        if article in rows:
            rows[article][1].add(zone)
    for article, tag in _tagged().filter(object_id__in=ids).values_list("object_id", "tag"):
        if article in rows:
            rows[article][2].add(tag)
    return list(rows.values())


def _choices() -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Each subscriber's zone ids and topic ids."""
    zones: dict[int, set[int]] = {}
    for sub, zone in Subscriber.zones.through.objects.values_list("subscriber", "zone"):
        zones.setdefault(sub, set()).add(zone)
    topics: dict[int, set[int]] = {}
    for sub, tag in Subscriber.topics.through.objects.values_list("subscriber", "tag"):
        topics.setdefault(sub, set()).add(tag)
    return zones, topics
