"""The plain text stored at save time, which search results cut their snippets from."""
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import Article
from tests.migrating import migrate


@pytest.fixture(autouse=True)
def _testserver_host(settings):
    settings.ALLOWED_HOSTS = ["testserver"]


def snippets(client, q: str) -> list[str]:
    html = client.get("/search/", {"q": q}).content.decode()
    return re.findall(r'<p class="card__excerpt">(.*?)</p>', html)


@pytest.mark.django_db
class TestStoredPlainText:
    def test_save_stores_the_standfirst_and_the_body_as_one_line(self, make_article):
        article = make_article(standfirst="导语。", body="<p>第一段。</p><p>第二段。</p>")
        assert Article.objects.values_list("plain_text", flat=True).get(pk=article.pk) == "导语。 第一段。 第二段。"

    def test_an_edited_body_is_the_next_snippet(self, client, make_article):
        article = make_article(body="<p>园区企业加快出海。</p>")
        article.body = "<p>园区企业加快转型。</p>"
        article.save()
        assert snippets(client, "转型") == ["园区企业加快<mark>转型</mark>。"]
        assert snippets(client, "出海") == []

    def test_markup_in_the_body_is_text_in_the_snippet(self, client, make_article):
        make_article(body="<p>园区&lt;出海&gt;计划</p>")
        assert snippets(client, "出海") == ["园区&lt;<mark>出海</mark>&gt;计划"]


BEFORE = [("articles", "0011_archive_indexes")]
AFTER = [("articles", "0012_search_plain_text")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestMigrationFillsPlainText:
    def test_existing_articles_get_their_plain_text(self):
        apps = migrate(BEFORE)
        Article0011 = apps.get_model("articles", "Article")
        article = Article0011.objects.create(headline="旧文章", standfirst="导语", body="<h2>标题</h2><p>旧文章的第一段。</p>")
        try:
            migrate(AFTER)
            assert Article.objects.values_list("plain_text", flat=True).get(pk=article.pk) == "导语 标题 旧文章的第一段。"
        finally:
            executor = MigrationExecutor(connection)
            migrate(executor.loader.graph.leaf_nodes())
