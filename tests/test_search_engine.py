"""The search engine against the database (SQLite FTS5 or PostgreSQL tsvector) and the seed."""
import datetime

import pytest
from django.utils import timezone

from articles.models import Article, Byline, ZoneMention
from articles.search.engine import matching, search
from articles.search.tokenize import parse_query
from newsroom.models import Reporter

pytestmark = pytest.mark.django_db

HOSTILE = [
    '"', '""', "'", "*", "-", "^", "()", "(((", "NEAR", "NEAR(坐诊 济南)", "坐诊 NOT 出海", "坐诊 OR 出海",
    "headline:济南", "{headline body}: 济南", "济南*", "-济南", "+出海", "坐诊 AND", "a <-> b", "!出海",
    "'; DROP TABLE articles_article; --", "1' OR '1'='1", "\\", "\x00", "坐诊\x00", "%", "_", "&|!:*",
    "x" * 2000, "济南" * 1000, " ".join(["坐诊"] * 500), "\u200b", "<script>alert(1)</script>",
]


def headline_pairs(headline: str) -> list[str]:
    return [headline[i : i + 2] for i in range(len(headline) - 1)]


class TestSeedSearch:
    def test_zuozhen_finds_only_the_feature(self, seed_articles, found):
        feature, _ = seed_articles
        assert found("坐诊") == [feature.pk]

    def test_chuhai_finds_the_jinan_report(self, seed_articles, found):
        _, jinan = seed_articles
        assert found("出海") == [jinan.pk]

    def test_jinan_zone_ranks_the_jinan_report_first(self, seed_articles, found):
        _, jinan = seed_articles
        assert found("济南高新区")[0] == jinan.pk

    @pytest.mark.parametrize("q", ["siRNA", "SIRNA", "sirna", "ｓｉＲＮＡ"])
    def test_latin_words_match_in_any_case_and_width(self, seed_articles, found, q):
        feature, _ = seed_articles
        assert found(q) == [feature.pk]

    def test_every_two_characters_of_every_headline_find_the_article(self, seed_articles, found):
        missing = [
            (article.pk, pair)
            for article in seed_articles
            for pair in headline_pairs(article.headline)
            if article.pk not in found(pair)
        ]
        assert missing == []

    def test_words_are_anded(self, seed_articles, found):
        feature, jinan = seed_articles
        assert (found("坐诊 国家高新区"), found("坐诊 出海")) == ([feature.pk], [])

    def test_a_quoted_phrase_must_appear_as_written(self, seed_articles, found):
        feature, _ = seed_articles
        assert (found('"国家高新区忙开局"'), found('"国家高新区开局"')) == ([feature.pk], [])

    def test_reporters_and_zones_are_indexed(self, seed_articles, found):
        feature, jinan = seed_articles
        assert (found("刘琴"), found("韩霄鹏"), found("昆明高新区")) == ([feature.pk], [jinan.pk], [feature.pk])

    def test_a_single_character_is_found_by_a_scan(self, seed_articles, found):
        feature, _ = seed_articles
        assert found("忙") == [feature.pk]

    def test_a_single_character_and_a_word_together(self, seed_articles, found):
        feature, jinan = seed_articles
        assert (found("忙 坐诊"), found("忙 出海")) == ([feature.pk], [])

    @pytest.mark.parametrize("q", HOSTILE)
    def test_hostile_input_is_safe(self, seed_articles, found, q):
        assert set(found(q)) <= {article.pk for article in seed_articles}

    def test_operators_are_plain_words(self, seed_articles, found):
        feature, jinan = seed_articles
        assert (found("济南*"), found("-出海"), found("NEAR(坐诊 济南)")) == ([jinan.pk], [jinan.pk], [])


class TestVisibility:
    def test_drafts_never_match(self, seed_articles, make_article, found):
        feature, _ = seed_articles
        make_article("坐诊草稿", status="draft", body="<p>坐诊</p>")
        assert found("坐诊") == [feature.pk]

    def test_scheduled_articles_do_not_match_yet(self, seed_articles, make_article, found):
        feature, _ = seed_articles
        make_article("坐诊预告", publish_at=timezone.now() + datetime.timedelta(days=1))
        assert found("坐诊") == [feature.pk]

    def test_articles_of_an_unpublished_issue_do_not_match(self, seed_articles, make_issue, make_article, found):
        feature, _ = seed_articles
        make_article("坐诊下期", issue=make_issue(2, status="draft"))
        assert found("坐诊") == [feature.pk]

    def test_single_character_scans_see_published_only(self, seed_articles, make_article, found):
        make_article("忙草稿", status="draft")
        assert found("忙") == [seed_articles[0].pk]


class TestRanking:
    def test_a_headline_match_outranks_many_body_matches(self, make_article, found):
        body = make_article("其他消息", body="<p>" + "企业出海。" * 30 + "</p>")
        headline = make_article("企业出海新动向", body="<p>正文没有提到。</p>")
        assert found("出海") == [headline.pk, body.pk]

    def test_more_body_matches_rank_higher(self, make_article, found):
        once = make_article("甲", body="<p>企业出海。其他内容很多很多。</p>")
        often = make_article("乙", body="<p>企业出海。出海。出海。</p>")
        assert found("出海") == [often.pk, once.pk]

    def test_a_broad_query_puts_headline_matches_first_then_the_newest(self, make_article):
        older_headline = make_article("出海新动向").pk
        body = [make_article("其他", body="<p>" + "出海。" * n + "</p>").pk for n in (1, 9)]
        results = search(Article.objects.published(), parse_query("出海"), limit=3)
        assert (results.ids, results.more) == ((older_headline, body[1], body[0]), False)
        results = search(Article.objects.published(), parse_query("出海"), limit=2)
        assert (results.ids, results.more) == ((body[1], body[0]), True)

    def test_results_are_bounded_and_say_so(self, make_article):
        ids = [make_article(f"出海{i}").pk for i in range(3)]
        results = search(Article.objects.published(), parse_query("出海"), limit=2)
        assert (set(results.ids), results.more) == (set(ids[1:]), True)


class TestNarrowSearch:
    """narrow=True walks the chosen articles newest first and tests each against the index;
    it finds and orders exactly what walking the index's matches does."""

    @pytest.fixture
    def zone_articles(self, make_article, make_zone):
        zone = make_zone("测试高新区")
        older_headline = make_article("出海新动向", zones=[zone]).pk
        once = make_article("其他", zones=[zone], body="<p>出海。</p>").pk
        newer_headline = make_article("企业出海", zones=[zone]).pk
        often = make_article("其他", zones=[zone], body="<p>" + "出海。" * 9 + "</p>").pk
        make_article("出海在别处")  # not in the zone
        make_article("出海草稿", zones=[zone], status="draft")
        in_zone = Article.objects.published().filter(pk__in=ZoneMention.objects.filter(zone=zone).values("article_id"))
        return in_zone, older_headline, [once, often], newer_headline

    @pytest.mark.parametrize("narrow", [True, False])
    def test_all_matches_are_ranked_by_relevance(self, zone_articles, narrow):
        in_zone, older_headline, body, newer_headline = zone_articles
        results = search(in_zone, parse_query("出海"), limit=4, narrow=narrow)
        assert (results.ids, results.more) == ((newer_headline, older_headline, body[1], body[0]), False)

    @pytest.mark.parametrize("narrow", [True, False])
    def test_past_the_limit_the_newest_come_headline_matches_first(self, zone_articles, narrow):
        in_zone, _, (once, often), newer_headline = zone_articles
        results = search(in_zone, parse_query("出海"), limit=3, narrow=narrow)
        assert (results.ids, results.more) == ((newer_headline, often, once), True)


class TestIndexIsCurrent:
    def test_an_edit_is_searchable_at_once(self, make_article, found):
        article = make_article("旧标题")
        article.headline = "新标题出海"
        article.save()
        assert (found("出海"), found("旧标")) == ([article.pk], [])

    def test_a_deleted_article_leaves_the_index(self, make_article, found):
        article = make_article("出海")
        article.delete()
        assert found("出海") == []

    def test_a_new_byline_is_searchable_after_refresh_related(self, make_article, found):
        article = make_article("标题", reporters=())
        Byline.objects.create(article=article, reporter=Reporter.objects.create(name="王小明"))
        article.refresh_related()
        assert found("小明") == [article.pk]

    def test_a_queryset_update_of_search_text_reindexes(self, make_article, found):
        article = make_article("标题")
        Article.objects.filter(pk=article.pk).update(search_text="出海\n")
        assert found("出海") == [article.pk]


class TestMatching:
    def test_matching_filters_any_queryset_without_ranking(self, seed_articles):
        feature, jinan = seed_articles
        assert list(matching(Article.objects.all(), parse_query("高新区")).order_by("pk")) == sorted(
            [feature, jinan], key=lambda a: a.pk
        )

    def test_an_empty_query_matches_nothing(self, seed_articles):
        assert matching(Article.objects.all(), parse_query("  ")).count() == 0
