"""Re-detect an article's zones after an edit, keeping the editors' manual choices."""
from django.db import transaction

from articles.body import blocks_text, body_text
from articles.models import Article, ZoneMention
from zones.mentions import ZoneIndex, ZoneScan


def detection_text(article: Article, *, blocks: list[dict] | None = None) -> str:
    """The text zones are detected in: the headline lines and the body, for import and edit alike.

    `blocks` is the body already parsed, when the caller has it.
    """
    body = body_text(article.body) if blocks is None else blocks_text(blocks)
    parts = [article.kicker, article.headline, article.subheadline, body]
    return "\n".join(p for p in parts if p)


def article_zones_redetect(*, article: Article, index: ZoneIndex | None = None, scan: ZoneScan | None = None) -> None:
    """Link the zones the text names, except those removed by hand; keep manual additions.

    Also records the unknown `…高新区` names for the editor to confirm. The importer
    passes the scan it already made of the same text.
    """
    if scan is None:
        scan = (index or ZoneIndex.from_db()).scan(detection_text(article))
    excluded = set(article.excluded_zones.values_list("pk", flat=True))
    counts = {zone.pk: n for zone, n in scan.counts.items() if zone.pk not in excluded}
    # The zone rows themselves, so that a revision's description of a mention (its
    # __str__ names the zone) costs no query per mention.
    zones = {zone.pk: zone for zone in scan.counts}
    with transaction.atomic():
        existing = {m.zone_id: m for m in article.zone_mentions.select_related("zone")}
        for zone_id, mention in existing.items():
            if zone_id in excluded or (zone_id not in counts and not mention.manual):
                mention.delete()
            elif zone_id in counts and mention.mentions != counts[zone_id]:
                mention.mentions = counts[zone_id]
                mention.save(update_fields=["mentions"])
        for zone_id, n in counts.items():
            if zone_id not in existing:
                # One create per zone (a handful) so that revisions see the new rows.
                ZoneMention.objects.create(article=article, zone=zones[zone_id], mentions=n)
        article.unknown_zones = dict(scan.unknown)
        Article.objects.filter(pk=article.pk).update(unknown_zones=article.unknown_zones)
