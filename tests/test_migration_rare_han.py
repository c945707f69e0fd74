"""Migration 0009 re-tokenizes articles indexed before rare Han characters formed bigrams."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.search.tokenize import article_search_text
from tests.migrating import migrate

BEFORE = [("articles", "0008_default_review_stages")]
AFTER = [("articles", "0009_retokenize_rare_han")]


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    """Later migrations add columns the tests after this one need."""
    yield
    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())


# Serialized: moving the schema back and forth leaves content types that a later test's
# serialized rollback would meet again; this test's own rollback restores the snapshot instead.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestRetokenizeRareHan:
    def test_only_articles_with_rare_han_are_rewritten(self):
        apps = migrate(BEFORE)
        Article = apps.get_model("articles", "Article")
        # search_text as the tokenizer of 0b7e3b6 wrote it: 𠮷 alone, then the bigram 野家.
        rare = Article.objects.create(headline="𠮷野家开业", body="<p>正文。</p>", search_text="𠮷 野家 家开 开业\n正文")
        plain = Article.objects.create(headline="高新区", body="<p>正文。</p>", search_text="unchanged\nbody")
        migrate(AFTER)
        from articles.models import Article as Current

        # The columns later migrations add are not there yet.
        rewritten = Current.objects.defer("summary", "card", "plain_text", "card_html", "lead_image").get(pk=rare.pk)
        assert rewritten.search_text == article_search_text(rewritten)
        assert rewritten.search_text.split("\n")[0] == "𠮷野 野家 家开 开业"
        assert Current.objects.values_list("search_text", flat=True).get(pk=plain.pk) == "unchanged\nbody"
