"""The index in the database: kept in sync by the database, rebuilt by a command."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from articles.models import Article
from articles.search import index as search_index

pytestmark = pytest.mark.django_db


class TestRebuildCommand:
    def test_rebuild_recomputes_search_text_and_reports_the_count(self, seed_articles, found):
        feature, _ = seed_articles
        Article.objects.filter(pk=feature.pk).update(search_text="")
        out = StringIO()
        call_command("rebuild_search_index", stdout=out, stderr=StringIO())
        assert out.getvalue() == "已重建 2 篇文章的检索索引。\n"
        assert found("坐诊") == [feature.pk]

    def test_rebuild_indexes_names_through_relations(self, make_article, found):
        article = make_article("标题", reporters=(("王小明", "记者"),))
        assert found("小明") == []  # the fixture writes bylines without re-indexing
        call_command("rebuild_search_index", stdout=StringIO(), stderr=StringIO())
        assert found("小明") == [article.pk]

    def test_rebuild_does_not_count_as_an_edit(self, make_article):
        article = make_article("标题")
        call_command("rebuild_search_index", stdout=StringIO(), stderr=StringIO())
        assert Article.objects.get(pk=article.pk).version == article.version


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps the FTS5 table in sync with triggers")
class TestSQLiteTriggers:
    def test_a_dropped_trigger_is_restored_and_the_index_refilled(self, make_article, found):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER {search_index.TRIGGERS[0]}")
        article = make_article("出海")  # inserted while the trigger was gone
        assert (search_index.ensure(connection), found("出海")) == (True, [article.pk])
        assert search_index.missing_sqlite_triggers(connection) == []

    def test_ensure_does_nothing_when_all_is_in_place(self):
        assert search_index.ensure(connection) is False

    def test_the_fts5_index_passes_its_integrity_check(self, seed_articles, make_article):
        make_article("出海").delete()
        seed_articles[0].save()
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {search_index.FTS_TABLE}({search_index.FTS_TABLE}) VALUES ('integrity-check')")


class TestInstall:
    # Before any row is written: PostgreSQL refuses ALTER TABLE while the test's
    # transaction still has deferred foreign-key checks pending.
    def test_uninstall_then_install_gives_a_working_index(self, make_article, found):
        search_index.uninstall(connection)
        search_index.install(connection)
        article = make_article("出海")
        assert found("出海") == [article.pk]
