"""The summary and card stored on each article, and every path that keeps them in step."""
import datetime
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.text import Truncator
from taggit.models import Tag

from articles.cards import cards_refreshed
from articles.models import RELATED_CANDIDATES_PER_FACET, Article, Byline, ZoneMention
from articles.revisions.history import article_restore, article_versions
from articles.topics import topics_merge
from newsroom import freshness
from newsroom.models import Reporter
from tests.migrating import migrate
from zones.models import Zone

LIU_QIN = {"name": "刘琴", "role": "作者", "slug": "liu-qin"}


def change_url(article) -> str:
    return f"/admin/articles/article/{article.pk}/change/"


def stored_card(article) -> dict:
    return Article.objects.values_list("card", flat=True).get(pk=article.pk)


def article_updates(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('UPDATE "articles_article"')]


@pytest.fixture
def chengdu(make_zone):
    return make_zone("成都高新区", province="四川省")


@pytest.fixture
def tagged(make_article, chengdu):
    """A published article by 刘琴 naming 成都高新区, on the topic 科技."""
    return make_article("成都高新区发布新政", zones=[chengdu], tags=["科技"])


@pytest.mark.django_db
class TestSummary:
    def test_the_standfirst_is_the_summary(self, make_article):
        article = make_article(standfirst="导语在此。", body="<p>正文第一段。</p>")
        assert article.summary == "导语在此。"

    def test_without_a_standfirst_the_first_paragraph_after_headings_is(self, make_article):
        article = make_article(body="<h2>小标题</h2><h3>副标题</h3><p>第一段，<strong>加粗</strong>。</p><p>第二段。</p>")
        assert article.summary == "第一段，加粗。"

    def test_the_summary_keeps_one_character_more_than_the_longest_excerpt(self, make_article):
        article = make_article(body=f"<p>{'字' * 500}</p>")
        assert len(article.summary) == 201
        # Cut from the stored 201 characters, exactly as cutting the whole paragraph would be.
        assert article.excerpt(length=200) == Truncator("字" * 500).chars(200)
        assert article.excerpt(length=110) == Truncator("字" * 500).chars(110)

    def test_a_body_without_paragraphs_has_no_summary(self, make_article):
        assert make_article(body="<h2>只有标题</h2>").summary == ""

    def test_an_edit_of_the_standfirst_changes_the_summary(self, tagged):
        tagged.standfirst = "新的导语。"
        tagged.save()
        assert Article.objects.values_list("summary", flat=True).get(pk=tagged.pk) == "新的导语。"


@pytest.mark.django_db
class TestCardContent:
    def test_bylines_in_order_zones_by_province_then_name_topics_as_added(self, make_article, make_zone):
        # Latin province names, which sort the same under every database collation.
        hefei = make_zone("甲高新区", province="A省")
        chengdu = make_zone("乙高新区", province="B省")
        article = make_article(
            reporters=[("刘琴", "作者"), ("韩霄鹏", "记者")], zones=[chengdu, hefei], tags=["乙话题", "甲话题"]
        )
        first, second = Tag.objects.get(name="乙话题"), Tag.objects.get(name="甲话题")
        assert stored_card(article) == {
            "bylines": [LIU_QIN, {"name": "韩霄鹏", "role": "记者", "slug": "han-xiao-peng"}],
            "zones": [
                {"id": hefei.pk, "name": "甲高新区", "slug": "jia-gao-xin-qu"},
                {"id": chengdu.pk, "name": "乙高新区", "slug": "yi-gao-xin-qu"},
            ],
            "topics": [
                {"id": first.pk, "name": "乙话题", "slug": first.slug},
                {"id": second.pk, "name": "甲话题", "slug": second.slug},
            ],
        }

    def test_a_new_article_has_an_empty_card_until_its_relations_are_written(self, db):
        article = Article.objects.create(headline="新稿")
        assert stored_card(article) == {}
        assert (article.credits, article.zone_links, article.topic_links) == ([], [], [])

    def test_refreshing_many_cards_costs_four_queries(self, make_article, chengdu):
        articles = [make_article(f"文章{n}", zones=[chengdu], tags=["科技"]) for n in range(3)]
        Article.objects.update(card={})
        with CaptureQueriesContext(connection) as queries:
            assert Article.objects.filter(pk__in=[a.pk for a in articles]).refresh_cards() == 3
        assert len(queries) == 5  # the ids, bylines, zones, topics, one UPDATE
        assert [stored_card(a)["bylines"] for a in articles] == [[LIU_QIN]] * 3


@pytest.mark.django_db
class TestEditsRefreshTheCard:
    def test_an_admin_save_stores_the_changed_byline_and_topics(
        self, editor_client, tagged, article_form_data, client
    ):
        data = article_form_data(tagged, **{"bylines-0-role": "记者"}, tags=[], new_tags="新能源")
        assert editor_client.post(change_url(tagged), data).status_code == 302
        topic = Tag.objects.get(name="新能源")
        card = stored_card(tagged)
        assert (card["bylines"], card["topics"]) == (
            [{**LIU_QIN, "role": "记者"}], [{"id": topic.pk, "name": "新能源", "slug": topic.slug}]
        )
        html = client.get(tagged.get_absolute_url()).content.decode()
        assert '<span class="byline__person"><span class="byline__role">记者</span> <a href="/reporters/liu-qin/">刘琴</a></span>' in html
        assert f'<li><a href="/tags/{topic.slug}/">新能源</a></li>' in html
        assert ">科技</a>" not in html

    def test_zone_detection_on_an_admin_save_stores_the_newly_named_zone(
        self, editor_client, tagged, article_form_data, make_zone
    ):
        named = make_zone("甲高新区", province="A省")  # before 四川省 under every collation
        data = article_form_data(tagged, body="<p>成都高新区与甲高新区签约。</p>")
        assert editor_client.post(change_url(tagged), data).status_code == 302
        assert [zone["name"] for zone in stored_card(tagged)["zones"]] == ["甲高新区", "成都高新区"]
        assert ZoneMention.objects.filter(article=tagged, zone=named).exists()

    def test_a_restore_brings_back_the_old_card(self, editor_client, tagged, article_form_data, editor_user):
        editor_client.post(change_url(tagged), article_form_data(tagged))
        editor_client.post(change_url(tagged), article_form_data(tagged, tags=[], new_tags="新能源"))
        with_old_topic = article_versions(article=tagged)[1]
        article_restore(article=Article.objects.get(pk=tagged.pk), version=with_old_topic, user=editor_user)
        assert [topic["name"] for topic in stored_card(tagged)["topics"]] == ["科技"]

    def test_an_import_stores_the_cards_of_its_articles(self, imported_seed):
        feature = Article.objects.get(issue=imported_seed, position=1)
        card = feature.card
        assert card["bylines"] == [LIU_QIN]
        # In Zone's order (province, then name), which is the database collation's.
        zones = Zone.objects.filter(mentions__article=feature).order_by("province", "name")
        assert [zone["name"] for zone in card["zones"]] == [zone.name for zone in zones]
        assert {zone["name"] for zone in card["zones"]} == {
            "合肥高新区", "广州高新区", "武汉东湖高新区", "孝感高新区", "襄阳高新区", "江阴高新区",
            "南通高新区", "洛阳高新区", "宝鸡高新区", "威海火炬高新区", "成都高新区", "昆明高新区",
        }
        assert card["topics"] == []


@pytest.mark.django_db
class TestRenamesRefreshTheCards:
    def test_a_renamed_reporter_shows_under_the_new_name_and_address(self, tagged, client):
        reporter = Reporter.objects.get(name="刘琴")
        reporter.name, reporter.slug = "刘芹", "liu-qin-2"
        reporter.save()
        assert stored_card(tagged)["bylines"] == [{"name": "刘芹", "role": "作者", "slug": "liu-qin-2"}]
        html = client.get(tagged.get_absolute_url()).content.decode()
        assert '<a href="/reporters/liu-qin-2/">刘芹</a>' in html
        assert "刘琴" not in html

    def test_a_renamed_zone_shows_under_its_new_name_on_list_cards_and_the_page(self, tagged, chengdu, client):
        chengdu.name = "成都高新技术产业开发区"
        chengdu.save()
        assert stored_card(tagged)["zones"] == [
            {"id": chengdu.pk, "name": "成都高新技术产业开发区", "slug": chengdu.slug}
        ]
        html = client.get(tagged.get_absolute_url()).content.decode()
        assert f'<li><a href="/zones/{chengdu.slug}/">成都高新技术产业开发区</a></li>' in html

    def test_a_zone_moved_to_another_province_reorders_the_cards(self, make_article, make_zone):
        # Latin province names, which sort the same under every database collation.
        first = make_zone("甲高新区", province="B省")
        second = make_zone("乙高新区", province="C省")
        article = make_article(zones=[first, second])
        second.province = "A省"
        second.save()
        assert [zone["name"] for zone in stored_card(article)["zones"]] == ["乙高新区", "甲高新区"]

    def test_a_renamed_topic_shows_under_its_new_name_and_slug(self, tagged, client):
        topic = Tag.objects.get(name="科技")
        topic.name, topic.slug = "科技创新", "ke-ji-chuang-xin"
        topic.save()
        assert stored_card(tagged)["topics"] == [{"id": topic.pk, "name": "科技创新", "slug": "ke-ji-chuang-xin"}]
        html = client.get("/feed/").content.decode()
        assert '<category term="科技创新"/>' in html

    def test_a_merged_topic_is_replaced_by_its_target(self, make_article, editor_user, client):
        article = make_article(tags=["科技", "创新"])
        result = topics_merge(tags=Tag.objects.filter(name__in=["科技", "创新"]), into="科技创新", user=editor_user)
        assert stored_card(article)["topics"] == [
            {"id": result.target.pk, "name": "科技创新", "slug": result.target.slug}
        ]
        html = client.get(article.get_absolute_url()).content.decode()
        assert f'<li><a href="/tags/{result.target.slug}/">科技创新</a></li>' in html

    def test_a_deleted_topic_leaves_the_cards(self, tagged, client):
        Tag.objects.get(name="科技").delete()
        assert stored_card(tagged)["topics"] == []
        assert "话题</h2>" not in client.get(tagged.get_absolute_url()).content.decode()

    def test_saving_a_zone_without_changing_what_cards_show_rewrites_no_card(self, tagged, chengdu):
        chengdu.official_name = "成都高新技术产业开发区"
        with CaptureQueriesContext(connection) as queries:
            chengdu.save()
        assert article_updates(queries) == []

    def test_a_new_reporter_rewrites_no_card(self, tagged):
        with CaptureQueriesContext(connection) as queries:
            Reporter.objects.create(name="新记者")
        assert article_updates(queries) == []



@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestCardsAndTheContentVersion:
    def test_cards_rewritten_in_bulk_move_the_content_version_on(self):
        before = freshness.current().number
        cards_refreshed.send(sender=Article, using="default")
        assert freshness.current().number == before + 1

    def test_a_rename_outside_a_transaction_is_on_the_cards_under_a_new_version(self, tagged):
        before = freshness.current().number
        Reporter.objects.filter(name="刘琴").get().save()  # nothing shown changed: no card rewrite
        unchanged = freshness.current().number
        reporter = Reporter.objects.get(name="刘琴")
        reporter.name = "刘芹"
        reporter.save()
        assert unchanged == before + 1
        assert freshness.current().number == unchanged + 2  # the reporter row, then the cards
        assert stored_card(tagged)["bylines"] == [{**LIU_QIN, "name": "刘芹"}]


@pytest.mark.django_db
class TestBylineRows:
    def test_the_card_follows_the_byline_rows_not_the_reporters_relation(self, tagged):
        """A second byline written directly is on the card once the path refreshes it."""
        reporter = Reporter.objects.create(name="韩霄鹏")
        Byline.objects.create(article=tagged, reporter=reporter, role="通讯员", position=2)
        tagged.refresh_related()
        assert [b["name"] for b in stored_card(tagged)["bylines"]] == ["刘琴", "韩霄鹏"]
        assert tagged.byline_names() == ["刘琴", "韩霄鹏"]


# Reporters as they were then too: their photo became a library picture in newsroom 0007.
BEFORE = [("articles", "0009_retokenize_rare_han"), ("newsroom", "0006_archive_indexes")]
AFTER = [("articles", "0010_article_summary_card"), ("newsroom", "0006_archive_indexes")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestMigrationFillsCards:
    def test_existing_articles_get_their_summary_and_card(self):
        apps = migrate(BEFORE)
        Article0009 = apps.get_model("articles", "Article")
        Reporter0009 = apps.get_model("newsroom", "Reporter")
        Byline0009 = apps.get_model("articles", "Byline")
        article = Article0009.objects.create(headline="旧文章", body="<h2>标题</h2><p>旧文章的第一段。</p>")
        reporter = Reporter0009.objects.create(name="刘琴", slug="liu-qin")
        Byline0009.objects.create(article=article, reporter=reporter, role="作者", position=1)
        try:
            migrate(AFTER)
            summary, card = Article.objects.values_list("summary", "card").get(pk=article.pk)
            assert summary == "旧文章的第一段。"
            assert card == {"bylines": [LIU_QIN], "zones": [], "topics": []}
        finally:
            executor = MigrationExecutor(connection)
            migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
class TestRelatedArticles:
    def test_only_published_and_due_articles_are_related(self, tagged, make_article, chengdu):
        shown = make_article("已发布", zones=[chengdu])
        make_article("草稿", zones=[chengdu], status="draft")
        make_article("定时", zones=[chengdu], publish_at=timezone.now() + datetime.timedelta(days=1))
        assert [a.headline for a in Article.objects.related_to(tagged)] == [shown.headline]

    def test_equal_shares_are_ordered_newest_first(self, tagged, make_article, chengdu):
        now = timezone.now()
        older = make_article("较早", zones=[chengdu], publish_at=now - datetime.timedelta(days=2))
        newer = make_article("较新", zones=[chengdu], publish_at=now - datetime.timedelta(days=1))
        assert [a.pk for a in Article.objects.related_to(tagged)] == [newer.pk, older.pk]

    def test_the_share_counts_every_zone_and_topic_in_common(self, make_article, make_zone):
        zones = [make_zone(f"第{n}号高新区") for n in range(3)]
        article = make_article("本文", zones=zones, tags=["甲", "乙"])
        two = make_article("二", zones=zones[:2])
        four = make_article("四", zones=zones[1:], tags=["甲", "乙"])
        one = make_article("一", tags=["乙"])
        assert [a.pk for a in Article.objects.related_to(article)] == [four.pk, two.pk, one.pk]

    def test_related_cards_show_their_own_bylines(self, tagged, make_article, chengdu, client):
        make_article("相关报道", zones=[chengdu], reporters=[("韩霄鹏", "记者")])
        html = client.get(tagged.get_absolute_url()).content.decode()
        related = html.split('<aside class="related"', 1)[1]
        assert '<span class="byline__role">记者</span> <a href="/reporters/han-xiao-peng/">韩霄鹏</a>' in related

    def test_candidates_are_the_most_recently_linked_of_each_zone_and_topic(self, tagged, make_article, chengdu):
        """An article that shares more is left out once RELATED_CANDIDATES_PER_FACET articles
        linked later fill its every list: that bound is what keeps the query flat as the
        archive grows."""
        now = timezone.now()
        make_article("旧而相近", zones=[chengdu], tags=["科技"], publish_at=now - datetime.timedelta(days=30))
        hours = [now - datetime.timedelta(hours=n + 1) for n in range(RELATED_CANDIDATES_PER_FACET)]
        by_zone = [make_article(f"同区{n}", zones=[chengdu], publish_at=at) for n, at in enumerate(hours)]
        by_topic = [
            make_article(f"同话题{n}", tags=["科技"], publish_at=at - datetime.timedelta(minutes=30))
            for n, at in enumerate(hours)
        ]
        # Both lists are full of articles linked later, so the old one is no candidate at all.
        related = Article.objects.related_to(tagged, limit=100)
        assert "旧而相近" not in [a.headline for a in related]
        assert len(related) == 2 * RELATED_CANDIDATES_PER_FACET
        assert [a.pk for a in related[:3]] == [by_zone[0].pk, by_topic[0].pk, by_zone[1].pk]


@pytest.mark.django_db
class TestRelatedQueryPlan:
    def test_related_articles_walk_the_newest_links_by_index(self, tagged, make_article, chengdu):
        """No scan of the article or link tables: each zone and topic is read from its newest link."""
        make_article("相关", zones=[chengdu], tags=["科技"])
        candidates = Article.objects.all()._related_candidates(tagged.pk, tagged.card_zone_ids, tagged.card_topic_ids)
        queryset = Article.objects.for_reading().defer("body").filter(pk__in=candidates)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")  # tiny tables would be read whole
        plan = queryset.explain()
        if connection.vendor == "postgresql":
            assert "Seq Scan" not in plan
            # Which index the planner takes on tables this small varies; at 100,000 articles
            # it is zonemention_zone_newest and taggeditem_tag_newest, walked backward.
            assert re.search(r"Index (Only )?Scan (Backward )?using \S+ on articles_zonemention\b", plan)
            assert re.search(r"Index (Only )?Scan (Backward )?using \S+ on taggit_taggeditem\b", plan)
        else:
            assert [line for line in plan.splitlines() if " SCAN " in f" {line}" and "facet" not in line] == []
            assert "SEARCH articles_zonemention USING INDEX" in plan
            assert "SEARCH taggit_taggeditem USING INDEX" in plan
