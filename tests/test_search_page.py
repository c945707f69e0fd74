"""The public search page, /search/?q=: results, highlighting, filters, pagination, budgets."""
import datetime
import re

import pytest
from django.utils import timezone

from newsroom.site.pagination import ARTICLES_PER_PAGE

pytestmark = pytest.mark.django_db

# Results (2) + articles with their cards (1) + filter choices (3: the issue is typed, not
# listed) + a filter lookup each.
QUERY_BUDGET = 8


@pytest.fixture(autouse=True)
def _testserver_host(settings):
    settings.ALLOWED_HOSTS = ["testserver"]


def page(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response.content.decode()


def heading(html: str) -> str:
    return " ".join(re.search(r'id="results-heading"[^>]*>(.*?)</h2>', html, re.S).group(1).split())


def result_headlines(html: str) -> list[str]:
    found = re.findall(r'<h3 class="card__headline"><a href="[^"]*">(.*?)</a></h3>', html)
    return [re.sub(r"</?mark>", "", headline) for headline in found]


class TestResults:
    def test_results_show_count_and_highlighted_headline(self, client, seed_articles):
        html = page(client, q="济南高新区")
        assert heading(html) == "找到 1 篇"
        url = seed_articles[1].get_absolute_url()
        assert f'<a href="{url}"><mark>济南高新区</mark>探索对外开放新格局</a>' in html

    def test_the_snippet_highlights_the_match(self, client, seed_articles):
        html = page(client, q="坐诊")
        assert result_headlines(html) == [seed_articles[0].headline]
        assert re.search(r'<p class="card__excerpt">[^<]*<mark>坐诊</mark>', html)

    def test_ranked_headline_match_first(self, client, seed_articles):
        feature, jinan = seed_articles
        assert result_headlines(page(client, q="高新区 开放")) == [jinan.headline, feature.headline]

    def test_hostile_text_in_an_article_stays_inert(self, client, make_article):
        make_article('出海<img src=x onerror="alert(1)">', standfirst='<script>alert("出海")</script>')
        html = page(client, q="出海 img")
        assert "<img" not in html.split('id="results-heading"')[1]
        assert "<script>alert" not in html
        assert '<mark>出海</mark>&lt;<mark>img</mark> src=x onerror=&quot;alert(1)&quot;&gt;' in html

    @pytest.mark.parametrize("q", ['"><script>alert(1)</script>', "' OR 1=1 --", "NEAR(*)", "x" * 2000])
    def test_hostile_queries_render_a_page(self, client, seed_articles, q):
        html = page(client, q=q)
        assert "<script>alert(1)" not in html

    def test_a_nul_in_the_query_is_a_bad_request(self, client, seed_articles):
        response = client.get("/search/", {"q": "\x00坐诊"})
        assert response.status_code == 400
        assert "网址或查询中含有无效字符" in response.content.decode()

    def test_the_query_is_echoed_escaped(self, client, seed_articles):
        html = page(client, q='<b>坐诊</b>')
        assert 'value="&lt;b&gt;坐诊&lt;/b&gt;"' in html
        assert "<b>坐诊" not in html


class TestVisibility:
    def test_drafts_never_surface_nor_count(self, client, seed_articles, make_article):
        make_article("坐诊草稿", status="draft", body="<p>坐诊</p>")
        make_article("坐诊预告", publish_at=timezone.now() + datetime.timedelta(days=1))
        html = page(client, q="坐诊")
        assert (heading(html), result_headlines(html)) == ("找到 1 篇", [seed_articles[0].headline])

    def test_filter_choices_list_what_published_articles_use(self, client, seed_articles, make_article, make_zone):
        make_article("草稿", status="draft", reporters=(("隐身记者", "记者"),), zones=[make_zone("测试高新区")])
        html = page(client, q="")
        assert ("隐身记者" in html, "测试高新区" in html, "韩霄鹏" in html) == (False, False, True)


class TestFilters:
    def test_filter_labels_use_full_width_colons(self, client, seed_articles):
        """Issue 9: every filter label ends in the full-width colon, none in ':'."""
        html = page(client, q="高新区")
        assert ('<label for="id_zone">高新区：</label>' in html, 'for="id_zone">高新区:</label>' in html) == (True, False)
        assert html.count("：</label>") == 6

    def test_zone_filter(self, client, seed_articles):
        html = page(client, q="高新区", zone="kun-ming-gao-xin-qu")
        assert result_headlines(html) == [seed_articles[0].headline]

    def test_the_chosen_filter_stays_selected(self, client, seed_articles):
        html = page(client, q="高新区", zone="kun-ming-gao-xin-qu")
        assert re.findall(r'<option value="[^"]*" selected>[^<]*</option>', html) == [
            '<option value="kun-ming-gao-xin-qu" selected>昆明高新区</option>',
            '<option value="" selected>全部话题</option>',
            '<option value="" selected>全部记者</option>',
        ]

    def test_option_labels_are_escaped(self, client, seed_articles, make_article):
        make_article("话题文章", tags=['研发&<"转化">'])
        html = page(client, q="高新区")
        assert re.findall(r'<option value="[^"]*">研发[^<]*</option>', html)[0].endswith(">研发&amp;&lt;&quot;转化&quot;&gt;</option>")

    def test_the_issue_is_typed_not_listed(self, client, seed_articles):
        html = page(client, q="高新区", issue="1")
        assert '<input type="number" name="issue" value="1" min="1" placeholder="期号" id="id_issue">' in html

    def test_reporter_filter(self, client, seed_articles):
        html = page(client, q="高新区", reporter=seed_articles[1].reporters.get().slug)
        assert result_headlines(html) == [seed_articles[1].headline]

    def test_topic_filter(self, client, seed_articles):
        seed_articles[1].tags.add("对外开放")
        html = page(client, q="高新区", tag=seed_articles[1].tags.get().slug)
        assert result_headlines(html) == [seed_articles[1].headline]

    def test_issue_filter(self, client, seed_articles, make_issue, make_article):
        make_article("坐诊第二期", issue=make_issue(2))
        assert result_headlines(page(client, q="坐诊", issue="2")) == ["坐诊第二期"]

    def test_date_range(self, client, seed_articles, make_article):
        make_article("坐诊旧闻", publish_at=timezone.make_aware(datetime.datetime(2020, 5, 1, 9)))
        html = page(client, q="坐诊", date_from="2020-04-30", date_to="2020-05-01")
        assert result_headlines(html) == ["坐诊旧闻"]

    def test_invalid_filters_are_ignored(self, client, seed_articles):
        html = page(client, q="坐诊", zone="no-such-zone", issue="x", date_from="2025-13-45", page="abc")
        assert heading(html) == "找到 1 篇"


class TestNothingFound:
    def test_suggests_single_words_and_dropping_filters(self, client, seed_articles):
        html = page(client, q="坐诊 出海", zone="ji-nan-gao-xin-qu")
        assert heading(html) == "找到 0 篇"
        assert "没有找到与“坐诊 出海”相关的文章。" in html
        assert "?q=%E5%9D%90%E8%AF%8A&amp;zone=ji-nan-gao-xin-qu" in html  # 坐诊 alone
        assert "取消全部筛选" in html

    def test_an_empty_query_shows_tips(self, client, seed_articles):
        html = page(client, q="")
        assert "请输入要搜索的关键词。" in html and 'id="results-heading"' not in html


class TestPagination:
    def test_pages_keep_the_query_and_filters(self, client, make_article):
        for i in range(ARTICLES_PER_PAGE + 1):
            make_article(f"出海报道{i}")
        first = page(client, q="出海")
        second = page(client, q="出海", page="2")
        assert heading(first) == f"找到 {ARTICLES_PER_PAGE + 1} 篇"
        assert 'href="?q=%E5%87%BA%E6%B5%B7&amp;page=2"' in first
        assert (len(result_headlines(first)), len(result_headlines(second))) == (ARTICLES_PER_PAGE, 1)


class TestQueryBudget:
    def test_query_count_is_fixed(self, client, make_article, make_zone, make_issue, django_assert_max_num_queries):
        issue = make_issue(1)
        zone = make_zone("成都高新区")
        for i in range(ARTICLES_PER_PAGE + 5):
            make_article(f"出海{i}", issue=issue, zones=[zone], tags=[f"话题{i}"],
                         reporters=((f"记者{i}", "记者"), (f"通讯员{i}", "通讯员")))
        with django_assert_max_num_queries(QUERY_BUDGET):
            page(client, q="出海")
        with django_assert_max_num_queries(QUERY_BUDGET + 2):
            page(client, q="出海 忙", zone=zone.slug, issue="1")
