"""The card HTML stored with each article, the pages that place it, and every path that
keeps it in step; and the search text after a rename."""
import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import set_script_prefix
from django.urls.resolvers import URLResolver
from django.utils import timezone

from articles.card_html import stored_fragments
from articles.models import Article, Byline
from articles.revisions.history import article_restore, article_versions
from newsroom.models import Reporter
from tests.migrating import migrate

# 2025-03-04 10:00 in Beijing, the site's time zone.
WHEN = datetime.datetime(2025, 3, 4, 2, 0, tzinfo=datetime.UTC)
LIU_QIN = '<span class="byline__person"><a href="/reporters/liu-qin/">刘琴</a></span>'
HAN_AS_REPORTER = (
    '<span class="byline__person"><span class="byline__role">记者</span> '
    '<a href="/reporters/han-xiao-peng/">韩霄鹏</a></span>'
)
TIME = '<time datetime="2025-03-04T10:00:00+0800">2025年3月4日</time>'


def stored(article) -> dict:
    return Article.objects.values_list("card_html", flat=True).get(pk=article.pk)


def change_url(article) -> str:
    return f"/admin/articles/article/{article.pk}/change/"


@pytest.fixture
def chengdu(make_zone):
    return make_zone("成都高新区", province="四川省")


@pytest.fixture
def story(make_article, make_issue, chengdu):
    """A published article of issue 7 with every part a card shows, and markup in its text."""
    return make_article(
        "成都<高新区>发布“新政”&细则", issue=make_issue(7), kicker="引题<b>", subheadline="副题&说明",
        standfirst="导语<i>在此</i>。", reporters=[("刘琴", "作者"), ("韩霄鹏", "记者")], zones=[chengdu],
        publish_at=WHEN,
    )


def link(article, headline) -> str:
    return f'<a href="/articles/{article.pk}/{article.slug}/">{headline}</a>'


@pytest.mark.django_db
class TestStoredFragments:
    def test_every_part_is_stored_escaped(self, story):
        assert stored(story) == {
            "kicker": '<p class="kicker">引题&lt;b&gt;</p>',
            "link": link(story, "成都&lt;高新区&gt;发布“新政”&amp;细则"),
            "subheadline": '<p class="subheadline">副题&amp;说明</p>',
            "excerpt": '<p class="card__excerpt">导语&lt;i&gt;在此&lt;/i&gt;。</p>',
            "bylines": LIU_QIN + HAN_AS_REPORTER,
        }

    def test_empty_parts_are_empty_strings(self, make_article):
        article = make_article("标题", body="<p>第一段。</p>")
        assert stored(article) == {
            "kicker": "", "link": link(article, "标题"), "subheadline": "",
            "excerpt": '<p class="card__excerpt">第一段。</p>', "bylines": LIU_QIN,
        }

    def test_a_new_article_links_to_its_own_address_from_the_first_save(self, db):
        article = Article.objects.create(headline="新稿")
        assert stored(article)["link"] == f'<a href="/articles/{article.pk}/xin-gao/">新稿</a>'


@pytest.mark.django_db
class TestPagesPlaceTheStoredCard:
    def test_a_list_card_with_its_issue_and_excerpt(self, story, chengdu, client):
        html = client.get(f"/zones/{chengdu.slug}/").content.decode()
        assert (
            '<article class="card">\n'
            '  <p class="kicker">引题&lt;b&gt;</p>\n'
            "  \n"
            f'  <h3 class="card__headline">{link(story, "成都&lt;高新区&gt;发布“新政”&amp;细则")}</h3>\n'
            '  <p class="subheadline">副题&amp;说明</p>\n'
            '  <p class="card__excerpt">导语&lt;i&gt;在此&lt;/i&gt;。</p>\n'
            '  <p class="card__meta">\n'
            f'  <span class="byline">{LIU_QIN}{HAN_AS_REPORTER}\n</span>\n'
            f"  {TIME}\n"
            '  <a class="card__issue" href="/issues/7/">第7期</a>\n'
            "</p>\n"
            "\n</article>\n"
        ) in html

    def test_the_front_page_leads_with_a_level_2_card_without_the_issue_link(self, story, client):
        html = client.get("/").content.decode()
        assert '<article class="card card--lead">\n  <p class="kicker">引题&lt;b&gt;</p>\n  \n  <h2 class="card__headline">' in html
        assert f'  {TIME}\n  \n</p>\n\n</article>' in html

    def test_an_issue_number_change_moves_the_cards_issue_link(self, story, chengdu, client):
        issue = story.issue
        issue.number = 8
        issue.save()
        html = client.get(f"/zones/{chengdu.slug}/").content.decode()
        assert '<a class="card__issue" href="/issues/8/">第8期</a>' in html
        assert "/issues/7/" not in html

    def test_a_new_date_shows_on_the_card(self, story, chengdu, client):
        story.publish_at = WHEN - datetime.timedelta(days=1)
        story.save()
        html = client.get(f"/zones/{chengdu.slug}/").content.decode()
        assert '<time datetime="2025-03-03T10:00:00+0800">2025年3月3日</time>' in html

    def test_a_list_page_reverses_no_url_per_card(self, make_article, make_issue, chengdu, client, monkeypatch, settings):
        settings.NEWSROOM_PAGE_CACHE = False  # the same page twice in one test transaction
        issue = make_issue(3)
        make_article("第一篇", issue=issue, zones=[chengdu])
        reversed_urls = []
        original = URLResolver._reverse_with_prefix

        def counting(self, lookup_view, _prefix, *args, **kwargs):
            reversed_urls.append(lookup_view)
            return original(self, lookup_view, _prefix, *args, **kwargs)

        monkeypatch.setattr(URLResolver, "_reverse_with_prefix", counting)
        client.get(f"/zones/{chengdu.slug}/")  # the issue's link is built once per process
        reversed_urls.clear()
        client.get(f"/zones/{chengdu.slug}/")
        one_card = len(reversed_urls)
        for n in range(5):
            make_article(f"文章{n}", issue=issue, zones=[chengdu])
        reversed_urls.clear()
        html = client.get(f"/zones/{chengdu.slug}/").content.decode()
        assert html.count('<article class="card">') == 6
        assert len(reversed_urls) == one_card


@pytest.mark.django_db
class TestPreviewCardsAreLive:
    def test_an_unpublished_issue_previews_its_cards_live_and_linked_to_previews(
        self, editor_client, make_issue, make_article
    ):
        issue = make_issue(9, status="draft")
        article = make_article("草稿标题", issue=issue, status="draft")
        Article.objects.filter(pk=article.pk).update(card_html={**stored(article), "link": "<a>旧</a>"})
        html = editor_client.get("/preview/issues/9/").content.decode()
        assert f'<a href="/preview/articles/{article.pk}/">草稿标题</a>' in html
        assert "<a>旧</a>" not in html


@pytest.mark.django_db
class TestEditsStoreTheCardAgain:
    def test_a_save_stores_the_new_headline_kicker_subheadline_and_standfirst(self, story):
        story.headline, story.kicker, story.subheadline, story.standfirst = "新标题", "新引题", "", "新导语。"
        story.save()
        assert stored(story) == {
            "kicker": '<p class="kicker">新引题</p>', "link": f'<a href="/articles/{story.pk}/xin-biao-ti/">新标题</a>',
            "subheadline": "", "excerpt": '<p class="card__excerpt">新导语。</p>',
            "bylines": LIU_QIN + HAN_AS_REPORTER,
        }

    def test_an_admin_save_stores_the_changed_byline(self, editor_client, story, article_form_data):
        data = article_form_data(story, **{"bylines-0-role": "记者"})
        assert editor_client.post(change_url(story), data).status_code == 302
        assert stored(story)["bylines"].startswith(
            '<span class="byline__person"><span class="byline__role">记者</span> <a href="/reporters/liu-qin/">刘琴</a></span>'
        )

    def test_refresh_related_stores_a_byline_written_directly(self, story):
        Byline.objects.filter(article=story, reporter__name="韩霄鹏").delete()
        story.refresh_related()
        assert stored(story)["bylines"] == LIU_QIN

    def test_a_restore_brings_back_the_old_card(self, editor_client, story, article_form_data, editor_user):
        editor_client.post(change_url(story), article_form_data(story))
        editor_client.post(change_url(story), article_form_data(story, headline="改过的标题"))
        assert "改过的标题" in stored(story)["link"]
        old = article_versions(article=story)[1]
        article_restore(article=Article.objects.get(pk=story.pk), version=old, user=editor_user)
        restored = Article.objects.get(pk=story.pk)
        assert stored(story)["link"] == link(restored, "成都&lt;高新区&gt;发布“新政”&amp;细则")

    def test_an_import_stores_each_articles_card_with_its_link(self, imported_seed):
        for article in Article.objects.filter(issue=imported_seed):
            assert stored(article) == stored_fragments(article)
            assert stored(article)["link"].startswith(f'<a href="/articles/{article.pk}/')
        feature = Article.objects.get(issue=imported_seed, position=1)
        assert stored(feature)["bylines"] == LIU_QIN

    def test_refreshing_many_cards_stores_their_html_in_the_same_update(self, make_article, chengdu):
        articles = [make_article(f"文章{n}", zones=[chengdu]) for n in range(3)]
        Article.objects.update(card_html={})
        with CaptureQueriesContext(connection) as queries:
            Article.objects.filter(pk__in=[a.pk for a in articles]).refresh_cards()
        assert len(queries) == 5  # the rows, bylines, zones, topics, one UPDATE
        assert [stored(a)["bylines"] for a in articles] == [LIU_QIN] * 3


@pytest.mark.django_db
class TestRenames:
    def test_a_renamed_reporter_is_on_the_stored_card_and_the_list_pages(self, story, chengdu, client):
        reporter = Reporter.objects.get(name="刘琴")
        reporter.name, reporter.slug = "刘芹", "liu-qin-2"
        reporter.save()
        assert stored(story)["bylines"] == '<span class="byline__person"><a href="/reporters/liu-qin-2/">刘芹</a></span>' + HAN_AS_REPORTER
        html = client.get(f"/zones/{chengdu.slug}/").content.decode()
        assert '<a href="/reporters/liu-qin-2/">刘芹</a>' in html
        assert "刘琴" not in html


def search_finds(client, query: str, article) -> bool:
    return f'href="{article.get_absolute_url()}"' in client.get("/search/", {"q": query}).content.decode()


@pytest.fixture
def searchable(story, settings):
    """The story with its search text as the write paths store it (after the bylines), and
    no page cache: each test reads the same search twice in one transaction."""
    settings.NEWSROOM_PAGE_CACHE = False
    story.refresh_related()
    return story


@pytest.mark.django_db
class TestRenamesReachTheSearchText:
    def test_a_renamed_reporter_is_found_by_the_new_name_only(self, searchable, client):
        story = searchable
        assert search_finds(client, "刘琴", story)
        reporter = Reporter.objects.get(name="刘琴")
        reporter.name = "柳芹"
        reporter.save()
        assert search_finds(client, "柳芹", story)
        assert not search_finds(client, "刘琴", story)

    def test_a_renamed_zone_is_found_by_the_new_name_only(self, searchable, chengdu, client):
        story = searchable
        assert search_finds(client, "蓉城", story) is False
        chengdu.name = "蓉城高新区"
        chengdu.save()
        assert search_finds(client, "蓉城", story)
        # 成都 is still in the headline; the zone's old name as a whole is not in the text.
        assert "成都高新区" not in Article.objects.get(pk=story.pk).search_text.replace(" ", "")

    def test_the_search_text_after_a_rename_is_what_a_save_computes(self, searchable):
        story = searchable
        reporter = Reporter.objects.get(name="韩霄鹏")
        reporter.name = "安然"
        reporter.save()
        renamed = Article.objects.get(pk=story.pk)
        expected = renamed.search_text
        renamed.save()
        assert Article.objects.get(pk=story.pk).search_text == expected


BEFORE = [("articles", "0012_search_plain_text")]
AFTER = [("articles", "0013_card_html")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestMigrationFillsCardHtml:
    def test_existing_articles_get_their_card_html(self):
        apps = migrate(BEFORE)
        OldArticle = apps.get_model("articles", "Article")
        article = OldArticle.objects.create(
            headline="旧文章", slug="jiu-wen-zhang", kicker="引题", summary="摘要。",
            card={"bylines": [{"name": "刘琴", "role": "作者", "slug": "liu-qin"}], "zones": [], "topics": []},
            publish_at=timezone.now(),
        )
        try:
            migrate(AFTER)
            assert stored(article) == {
                "kicker": '<p class="kicker">引题</p>',
                "link": f'<a href="/articles/{article.pk}/jiu-wen-zhang/">旧文章</a>',
                "subheadline": "", "excerpt": '<p class="card__excerpt">摘要。</p>', "bylines": LIU_QIN,
            }
        finally:
            executor = MigrationExecutor(connection)
            migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
class TestScriptPrefix:
    """A site served under a path prefix: the stored links carry none, each page adds its own."""

    @pytest.fixture(autouse=True)
    def _prefix_back(self):
        yield
        set_script_prefix("/")

    def test_a_card_saved_under_a_prefix_is_stored_without_it(self, story):
        set_script_prefix("/newsletter/")
        story.headline = "新标题"
        story.save()
        set_script_prefix("/")
        assert stored(story)["link"] == f'<a href="/articles/{story.pk}/xin-biao-ti/">新标题</a>'
        assert stored(story)["bylines"] == LIU_QIN + HAN_AS_REPORTER

    def test_a_list_under_a_prefix_links_with_it_once(self, story, client):
        set_script_prefix("/newsletter/")  # as the WSGI handler sets it from SCRIPT_NAME; the test client does not
        page = client.get("/issues/7/", SCRIPT_NAME="/newsletter").content.decode()
        assert f'<a href="/newsletter/articles/{story.pk}/{story.slug}/">' in page
        assert '<a href="/newsletter/reporters/liu-qin/">刘琴</a>' in page
        assert '<a class="card__issue" href="/newsletter/issues/7/">' not in page  # the issue page lists no issue link
        assert 'href="/articles/' not in page and 'href="/reporters/' not in page
        assert "/newsletter/newsletter/" not in page

    def test_the_article_page_bylines_under_a_prefix(self, story, client):
        path = story.get_absolute_url()
        set_script_prefix("/newsletter/")
        page = client.get(path, SCRIPT_NAME="/newsletter").content.decode()
        assert '<a href="/newsletter/reporters/han-xiao-peng/">韩霄鹏</a>' in page
        assert 'href="/reporters/' not in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's writer holds the whole database: a save cannot interleave")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_edit_saved_during_a_rename_keeps_its_own_card(make_article, monkeypatch):
    """The rename reads the articles it refreshes and writes them back; an editor's save made
    in between must not be overwritten by the card built from the headline it replaced.
    (The editor's save itself still stores the byline names it read before the rename; the
    next save of that article corrects them.)"""
    import threading
    import time

    from django.db import connections

    from articles import models

    article = make_article("旧标题", reporters=[("刘琴", "作者")])
    saved, backend = threading.Event(), {}

    def save_elsewhere():
        try:
            other = Article.objects.get(pk=article.pk)
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend["pid"] = cursor.fetchone()[0]
            other.headline = "新标题"
            other.save()
        finally:
            connections.close_all()
            saved.set()

    original = models.article_cards

    def rows_read_then_an_edit(ids):
        # The rename holds its rows; the editor's save starts now, on another connection.
        editor = threading.Thread(target=save_elsewhere)
        editor.start()
        deadline = time.monotonic() + 30
        while not saved.is_set() and time.monotonic() < deadline:
            if "pid" in backend:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [backend["pid"]])
                    row = cursor.fetchone()
                if row and row[0] == "Lock":
                    break  # waiting for the rename's lock, as it should
            time.sleep(0.01)
        rows_read_then_an_edit.editor = editor
        return original(ids)

    monkeypatch.setattr(models, "article_cards", rows_read_then_an_edit)
    reporter = Reporter.objects.get(name="刘琴")
    reporter.name = "刘芹"
    reporter.save()
    rows_read_then_an_edit.editor.join(30)
    monkeypatch.setattr(models, "article_cards", original)
    article.refresh_from_db()
    assert article.headline == "新标题"
    assert article.card_html["link"] == f'<a href="/articles/{article.pk}/xin-biao-ti/">新标题</a>'
    assert "新标 标题" in article.search_text
