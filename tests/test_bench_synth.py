"""The synthetic archive stores what a real save stores, so that benchmarks on it measure
the pages readers get (cards with bylines, zones and topics, excerpts, related articles)."""
import pytest

from articles.models import Article, article_cards
from bench.synth import synthesize

pytestmark = pytest.mark.django_db


def test_synthetic_articles_store_the_derived_fields_a_save_stores():
    made = synthesize(articles=60, seed=3)
    assert made["articles"] == 60
    articles = list(Article.objects.order_by("pk"))
    assert len(articles) == 60
    cards = article_cards([a.pk for a in articles])
    for article in articles:
        stored = (article.body, article.summary, article.plain_text, article.slug, article.search_text, article.card)
        # What save() would store for the same row and relations.
        article.compute_derived()
        assert stored == (article.body, article.summary, article.plain_text, article.slug, article.search_text, cards[article.pk])
    assert all(a.summary and a.card["bylines"] and a.card["zones"] for a in articles)
    assert sum(1 for a in articles if a.card["topics"]) > 0
