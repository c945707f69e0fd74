"""Keep the stored cards (and their HTML) in step when a reporter, zone or topic they show changes.

An article's own edits refresh its card where they change its bylines, zones or topics
(Article.refresh_related, ArticleQuerySet.refresh_cards). A rename, a new slug or a
deleted topic changes other models, which know nothing of cards: these receivers, connected
in ArticlesConfig.ready(), refresh every article that shows the row, only when what a card
shows of it changed.
"""
from django.db import transaction
from django.dispatch import Signal
from taggit.models import Tag

from articles.models import Article
from newsroom.models import Reporter
from zones.models import Zone

# Sent after cards were rewritten in bulk (no model signal fires for that), so that the
# site-wide content version moves on after the new cards, whatever order receivers run in.
cards_refreshed = Signal()

# What a card shows of each model, and how to find the articles that show a row of it.
SHOWN = {
    Reporter: (("name", "slug"), "bylines__reporter"),
    Zone: (("name", "slug", "province"), "zone_mentions__zone"),  # province orders the card's zones
    Tag: (("name", "slug"), "tagged_items__tag"),
}


def remember_shown(sender, instance, raw=False, **kwargs) -> None:
    """pre_save: what the card shows of the row before this save (one indexed read)."""
    fields, _lookup = SHOWN[sender]
    instance._card_shown = None
    if not raw and instance.pk is not None:
        instance._card_shown = sender._default_manager.filter(pk=instance.pk).values_list(*fields).first()


def refresh_if_shown_changed(sender, instance, created=False, raw=False, **kwargs) -> None:
    """post_save: a new row is on no card yet; a changed name or slug is rewritten on all of them."""
    fields, lookup = SHOWN[sender]
    before = getattr(instance, "_card_shown", None)
    if raw or created or before is None or before == tuple(getattr(instance, f) for f in fields):
        return
    # The search text holds reporters' and zones' names (not topics'): a search for the new
    # name must find the articles, and one for the old name must not.
    articles = Article.objects.filter(**{lookup: instance}).distinct()
    _refresh(articles, using=kwargs.get("using"), search_text=sender in (Reporter, Zone))


def remember_tagged(sender, instance, **kwargs) -> None:
    """pre_delete of a topic: the articles it is on, before the cascade removes its taggings."""
    instance._card_articles = list(Article.objects.filter(tagged_items__tag=instance).values_list("pk", flat=True))


def refresh_untagged(sender, instance, **kwargs) -> None:
    """post_delete of a topic: the articles it was on lose it from their cards."""
    ids = getattr(instance, "_card_articles", [])
    if ids:
        _refresh(Article.objects.filter(pk__in=ids), using=kwargs.get("using"))


def _refresh(articles, *, using, search_text=False) -> None:
    with transaction.atomic(using=using):
        if articles.refresh_cards(search_text=search_text):
            cards_refreshed.send(sender=Article, using=using)
