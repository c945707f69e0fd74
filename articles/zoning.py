"""Re-detect an article's zones after an edit, keeping the editors' manual choices."""
from django.db import transaction

from articles.body import body_text
from articles.models import Article, ZoneMention
from zones.mentions import ZoneIndex, ZoneScan


def detection_text(article: Article) -> str:
    """The text zones are detected in: the headline lines and the body, for import and edit alike."""
    parts = [article.kicker, article.headline, article.subheadline, body_text(article.body)]
    return "\n".join(p for p in parts if p)


def article_zones_redetect(*, article: Article, scan: ZoneScan | None = None) -> None:
    """Link the zones the text names, except those removed by hand; keep manual additions.

    Also records the unknown `…高新区` names for the editor to confirm. `scan` is the
    detection already made of this text, if the caller has it.
    """
    scan = scan or ZoneIndex.from_db().scan(detection_text(article))
    excluded = set(article.excluded_zones.values_list("pk", flat=True))
    counts = {zone.pk: n for zone, n in scan.counts.items() if zone.pk not in excluded}
    with transaction.atomic():
        existing = {m.zone_id: m for m in article.zone_mentions.all()}
        for zone_id, mention in existing.items():
            if zone_id in excluded or (zone_id not in counts and not mention.manual):
                mention.delete()
            elif zone_id in counts and mention.mentions != counts[zone_id]:
                mention.mentions = counts[zone_id]
                mention.save(update_fields=["mentions"])
        for zone_id, n in counts.items():
            if zone_id not in existing:
                # One create per zone (a handful) so that revisions see the new rows.
                ZoneMention.objects.create(article=article, zone_id=zone_id, mentions=n)
        article.unknown_zones = dict(scan.unknown)
        Article.objects.filter(pk=article.pk).update(unknown_zones=article.unknown_zones)
