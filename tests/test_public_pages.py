"""The public reading site: every page, its links, its redirects and its Chinese text."""
import datetime
import json
import re

import pytest
from django.db import DatabaseError
from django.test import override_settings
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

FEATURE_BODY = (
    "<p>新年伊始，国家高新区跑好新年“第一棒”。</p>"
    "<h2>“新”潮涌动</h2><h3>增强创新发展新动能</h3>"
    "<p>成都高新区传来好消息。</p>"
    "<h2>“谋”上发力</h2><p>合肥高新区捷报频传。</p>"
)


@pytest.fixture
def chengdu(make_zone):
    return make_zone(
        "成都高新区", official_name="成都高新技术产业开发区", province="四川省", city="成都市",
        approved_year=1991,
    )


@pytest.fixture
def hefei(make_zone):
    return make_zone("合肥高新区", province="安徽省", city="合肥市", approved_year=1991)


@pytest.fixture
def issue(make_issue):
    return make_issue(1, date=datetime.date(2025, 1, 6))


@pytest.fixture
def feature(make_article, issue, chengdu, hefei):
    return make_article(
        "国家高新区忙开局奋力“开门红”",
        issue=issue,
        kicker="新年新气象",
        subheadline="各地项目建设热火朝天",
        reporters=[("刘琴", "作者")],
        zones=[chengdu, hefei],
        tags=["科技创新"],
        body=FEATURE_BODY,
        publish_at=timezone.make_aware(datetime.datetime(2025, 1, 6, 9, 30)),
    )


@pytest.fixture
def report(make_article, issue, make_zone):
    jinan = make_zone("济南高新区", province="山东省", city="济南市", approved_year=1991)
    return make_article(
        "济南高新区探索对外开放新格局",
        issue=issue,
        position=2,
        reporters=[("韩霄鹏", "记者"), ("张三", "通讯员")],
        zones=[jinan],
        dateline="本报讯",
        body="<p>济南高新区持续扩大开放。</p>",
        publish_at=timezone.make_aware(datetime.datetime(2025, 1, 6, 9, 0)),
    )


def zone_index_page_with(client, province):
    """The page of /zones/ that lists `province` (the reference data fills several pages)."""
    pages = dict(client.get("/zones/").context["province_pages"])
    return client.get(f"/zones/?page={pages[province]}")


def text_of(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
class TestHome:
    def test_shows_the_latest_published_issue_number_and_date(self, client, feature, make_issue):
        make_issue(2, status="draft", date=datetime.date(2025, 1, 13))
        response = client.get("/")
        assert response.status_code == 200
        assert response.context["issue"].number == 1
        assertContains(response, '<a href="/issues/1/">第1期</a>', html=True)
        assertContains(response, '<time datetime="2025-01-06">2025年1月6日</time>', html=True)

    def test_lists_the_issue_articles_in_position_order(self, client, feature, report):
        response = client.get("/")
        assert [a.headline for a in response.context["issue_articles"]] == [
            "国家高新区忙开局奋力“开门红”",
            "济南高新区探索对外开放新格局",
        ]

    def test_lists_latest_articles_newest_first_including_web_only_pieces(self, client, feature, report, make_article):
        web_only = make_article("网络专稿", issue=None)
        response = client.get("/")
        assert [a.pk for a in response.context["page_obj"]] == [web_only.pk, feature.pk, report.pk]

    def test_links_the_zones_of_the_issue(self, client, feature, report, chengdu, hefei):
        response = client.get("/")
        assert [z.name for z in response.context["issue_zones"]] == ["成都高新区", "合肥高新区", "济南高新区"]
        assertContains(response, f'<a href="/zones/{chengdu.slug}/">成都高新区</a>', html=True)

    def test_links_to_each_article_canonical_url(self, client, feature):
        response = client.get("/")
        assertContains(response, f'href="/articles/{feature.pk}/{feature.slug}/"', count=2)

    def test_without_any_published_issue_says_so(self, client, db):
        response = client.get("/")
        assert response.status_code == 200
        assertContains(response, "还没有发布的期刊。")


@pytest.mark.django_db
class TestIssuePages:
    def test_archive_lists_published_issues_with_published_article_counts(self, client, feature, report, make_issue):
        make_issue(2, date=datetime.date(2025, 1, 13))
        response = client.get("/issues/")
        assert response.status_code == 200
        rows = [(i.number, i.article_count) for i in response.context["page_obj"]]
        assert rows == [(2, 0), (1, 2)]
        assertContains(response, '<span class="issue-list__count">2 篇文章</span>', html=True)

    def test_issue_page_is_its_table_of_contents(self, client, feature, report):
        response = client.get("/issues/1/")
        assert response.status_code == 200
        assert [a.pk for a in response.context["articles"]] == [feature.pk, report.pk]
        assertContains(response, '<h1 class="issue-band__number">第1期</h1>', html=True)
        assertContains(response, '<h2 id="toc-heading" class="section-title">本期目录</h2>', html=True)

    def test_unknown_issue_is_404(self, client, db):
        assert client.get("/issues/99/").status_code == 404


@pytest.mark.django_db
class TestArticlePage:
    def test_shows_kicker_headline_and_subheadline(self, client, feature):
        response = client.get(feature.get_absolute_url())
        assert response.status_code == 200
        assertContains(response, '<p class="kicker">新年新气象</p>', html=True)
        assertContains(response, '<h1 class="story__headline">国家高新区忙开局奋力“开门红”</h1>', html=True)
        assertContains(response, '<p class="subheadline story__subheadline">各地项目建设热火朝天</p>', html=True)

    def test_author_role_shows_the_name_alone(self, client, feature):
        response = client.get(feature.get_absolute_url())
        assertContains(
            response,
            '<span class="byline"><span class="byline__person"><a href="/reporters/liu-qin/">刘琴</a></span></span>',
            html=True,
        )

    def test_reporter_and_correspondent_roles_are_printed(self, client, report):
        response = client.get(report.get_absolute_url())
        assertContains(
            response,
            '<span class="byline__person"><span class="byline__role">记者</span> '
            '<a href="/reporters/han-xiao-peng/">韩霄鹏</a></span>',
            html=True,
        )
        assertContains(
            response,
            '<span class="byline__person"><span class="byline__role">通讯员</span> '
            '<a href="/reporters/zhang-san/">张三</a></span>',
            html=True,
        )

    def test_shows_dateline_and_machine_readable_date(self, client, report):
        response = client.get(report.get_absolute_url())
        assertContains(response, '<span class="dateline">本报讯</span>', html=True)
        assertContains(
            response, '<time datetime="2025-01-06T09:00:00+0800">2025年1月6日</time>', html=True
        )

    def test_section_headings_are_h2_with_their_subtitles(self, client, feature):
        response = client.get(feature.get_absolute_url())
        body = re.search(r'<div class="story__body">(.*?)</div>', text_of(response), re.S).group(1)
        assert re.findall(r"<h2>(.*?)</h2>", body) == ["“新”潮涌动", "“谋”上发力"]
        assert re.findall(r"<h3>(.*?)</h3>", body) == ["增强创新发展新动能"]

    def test_links_its_zones_and_topics(self, client, feature, chengdu):
        response = client.get(feature.get_absolute_url())
        assertContains(response, f'<a href="/zones/{chengdu.slug}/">成都高新区</a>', html=True)
        assertContains(response, '<a href="/tags/ke-ji-chuang-xin/">科技创新</a>', html=True)

    def test_related_articles_share_a_zone_or_a_topic(self, client, feature, report, make_article, hefei):
        by_zone = make_article("合肥高新区再出发", zones=[hefei])
        by_tag = make_article("科技创新观察", tags=["科技创新"])
        response = client.get(feature.get_absolute_url())
        assert {a.pk for a in response.context["related"]} == {by_zone.pk, by_tag.pk}

    def test_related_articles_rank_the_most_shared_first(self, client, feature, make_article, chengdu, hefei):
        one = make_article("一个相同的高新区", zones=[chengdu])
        three = make_article("两个高新区一个话题", zones=[chengdu, hefei], tags=["科技创新"])
        response = client.get(feature.get_absolute_url())
        assert [a.pk for a in response.context["related"]] == [three.pk, one.pk]

    def test_without_shared_zones_or_topics_there_is_no_related_section(self, client, make_article):
        article = make_article("孤立的文章")
        make_article("另一篇")
        response = client.get(article.get_absolute_url())
        assert response.context["related"] == []
        assertNotContains(response, "相关文章")

    def test_unknown_article_is_404(self, client, db):
        assert client.get("/articles/999/any-slug/").status_code == 404


@pytest.mark.django_db
class TestArticleRedirects:
    def test_short_url_redirects_permanently_to_the_canonical_url(self, client, feature):
        response = client.get(f"/articles/{feature.pk}/")
        assert response.status_code == 301
        assert response["Location"] == f"/articles/{feature.pk}/guo-jia-gao-xin-qu-mang-kai-ju-fen-li-kai-men-hong/"

    def test_wrong_slug_redirects_permanently_to_the_canonical_url(self, client, feature):
        response = client.get(f"/articles/{feature.pk}/old-headline/")
        assert response.status_code == 301
        assert response["Location"] == feature.get_absolute_url()

    def test_han_characters_in_the_slug_also_redirect(self, client, feature):
        response = client.get(f"/articles/{feature.pk}/国家高新区/")
        assert response.status_code == 301
        assert response["Location"] == feature.get_absolute_url()


@pytest.mark.django_db
class TestZonePages:
    def test_index_groups_zones_by_province_with_published_counts(self, client, feature, report, chengdu):
        response = zone_index_page_with(client, "四川省")
        assert response.status_code == 200
        groups = dict(response.context["groups"])
        sichuan = {zone.name: zone.article_count for zone in groups["四川省"]}
        assert sichuan["成都高新区"] == 1
        assertContains(response, '<h2 id="province-', count=len(groups))

    def test_index_pages_through_provinces_without_splitting_one(self, client, make_zone):
        for n in range(10):
            make_zone(f"分页{n}高新区", province=f"0测试{n:02d}省")
        response = client.get("/zones/?page=2")
        assert response.status_code == 200
        names = [name for name, _ in response.context["groups"]]
        assert len(names) <= 8
        page1 = [name for name, _ in client.get("/zones/").context["groups"]]
        assert not set(names) & set(page1)

    def test_index_page_beyond_the_last_is_404(self, client, db):
        assert client.get("/zones/?page=999").status_code == 404

    def test_zone_page_shows_its_facts(self, client, chengdu):
        response = client.get(f"/zones/{chengdu.slug}/")
        assert response.status_code == 200
        assertContains(response, '<h1 class="page-title">成都高新区</h1>', html=True)
        assertContains(response, "<div><dt>正式名称</dt><dd>成都高新技术产业开发区</dd></div>", html=True)
        assertContains(response, "<div><dt>城市</dt><dd>成都市</dd></div>", html=True)
        assertContains(response, "<div><dt>获批年份</dt><dd>1991年</dd></div>", html=True)

    def test_zone_page_lists_its_published_articles(self, client, feature, report, chengdu):
        response = client.get(f"/zones/{chengdu.slug}/")
        assert [a.pk for a in response.context["page_obj"]] == [feature.pk]
        assertContains(response, "相关报道 1 篇")

    def test_zone_without_articles_still_has_a_page(self, client, make_zone):
        zone = make_zone("无报道高新区")
        response = client.get(f"/zones/{zone.slug}/")
        assert response.status_code == 200
        assertContains(response, "暂无相关报道。")

    def test_unknown_zone_is_404(self, client, db):
        assert client.get("/zones/no-such-zone/").status_code == 404


@pytest.mark.django_db
class TestReporterAndTagPages:
    def test_reporter_page_lists_their_articles(self, client, feature, report):
        response = client.get("/reporters/liu-qin/")
        assert response.status_code == 200
        assert [a.pk for a in response.context["page_obj"]] == [feature.pk]
        assertContains(response, '<h1 class="page-title">刘琴</h1>', html=True)
        assertContains(response, "署名文章 1 篇")

    def test_unknown_reporter_is_404(self, client, db):
        assert client.get("/reporters/nobody/").status_code == 404

    def test_tag_page_lists_its_articles(self, client, feature, report):
        response = client.get("/tags/ke-ji-chuang-xin/")
        assert response.status_code == 200
        assert [a.pk for a in response.context["page_obj"]] == [feature.pk]
        assertContains(response, '<h1 class="page-title">科技创新</h1>', html=True)

    def test_unknown_tag_is_404(self, client, db):
        assert client.get("/tags/no-such-tag/").status_code == 404


@pytest.mark.django_db
class TestPagination:
    @pytest.fixture
    def many(self, make_article, issue, chengdu):
        # 25 articles: one more page than ARTICLES_PER_PAGE (20) on zone, reporter and tag lists.
        return [
            make_article(f"第{n}篇", issue=issue, position=n, zones=[chengdu], tags=["科技创新"],
                         publish_at=timezone.now() - datetime.timedelta(hours=n))
            for n in range(1, 26)
        ]

    @pytest.mark.parametrize(
        "url", ["/zones/cheng-du-gao-xin-qu/", "/reporters/liu-qin/", "/tags/ke-ji-chuang-xin/"]
    )
    def test_article_lists_have_a_second_page(self, client, many, url):
        first, second = client.get(url), client.get(url + "?page=2")
        assert len(first.context["page_obj"]) == 20
        assert len(second.context["page_obj"]) == 5
        assertContains(first, '<a rel="next" href="?page=2">下一页</a>', html=True)
        assertContains(second, '<span class="pagination__current">第 2 页，共 2 页</span>', html=True)

    def test_home_latest_articles_are_paginated(self, client, many):
        response = client.get("/?page=3")
        assert [a.headline for a in response.context["page_obj"]] == [f"第{n}篇" for n in range(21, 26)]

    def test_issue_archive_is_paginated(self, client, make_issue):
        for number in range(1, 27):
            make_issue(number)
        response = client.get("/issues/?page=2")
        assert [i.number for i in response.context["page_obj"]] == [2, 1]

    @pytest.mark.parametrize("page", ["3", "0", "abc"])
    def test_a_page_that_does_not_exist_is_404(self, client, many, page):
        assert client.get(f"/reporters/liu-qin/?page={page}").status_code == 404


@pytest.mark.django_db
class TestMarkup:
    def test_every_page_is_simplified_chinese(self, client, feature):
        for url in ["/", "/issues/", "/issues/1/", feature.get_absolute_url(), "/zones/"]:
            assert '<html lang="zh-Hans">' in text_of(client.get(url)), url

    def test_article_has_canonical_link_and_open_graph_tags(self, client, feature):
        response = client.get(f"{feature.get_absolute_url()}?utm_source=x")
        url = f"http://testserver{feature.get_absolute_url()}"
        assertContains(response, f'<link rel="canonical" href="{url}">', html=True)
        assertContains(response, f'<meta property="og:url" content="{url}">', html=True)
        assertContains(response, '<meta property="og:type" content="article">', html=True)
        assertContains(response, '<meta property="og:title" content="国家高新区忙开局奋力“开门红”">', html=True)
        assertContains(response, '<meta property="og:description" content="新年伊始，国家高新区跑好新年“第一棒”。">', html=True)

    def test_list_canonical_keeps_the_page_number_only(self, client, make_issue):
        for number in range(1, 27):
            make_issue(number)
        response = client.get("/issues/?page=2&x=1")
        assertContains(response, '<link rel="canonical" href="http://testserver/issues/?page=2">', html=True)

    def test_article_json_ld_is_a_news_article(self, client, feature):
        response = client.get(feature.get_absolute_url())
        raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', text_of(response), re.S).group(1)
        data = json.loads(raw)
        assert data["@type"] == "NewsArticle"
        assert data["headline"] == "国家高新区忙开局奋力“开门红”"
        assert data["datePublished"] == "2025-01-06T09:30:00+08:00"
        assert data["author"] == [
            {"@type": "Person", "name": "刘琴", "url": "http://testserver/reporters/liu-qin/"}
        ]
        assert data["publisher"] == {"@type": "Organization", "name": "高新区通讯", "url": "http://testserver/"}

    def test_header_has_the_search_form(self, client, db):
        response = client.get("/")
        assertContains(response, '<form class="search" role="search" method="get" action="/search/">')
        assertContains(response, 'name="q"', count=1)

    def test_article_is_an_article_element_with_one_h1(self, client, feature):
        html = text_of(client.get(feature.get_absolute_url()))
        assert html.count("<h1") == 1
        assert '<article class="story">' in html


HOSTILE_HEADLINE = "</script><script>alert(1)</script>{{ request.META }}{% now 'Y' %}"


@pytest.mark.django_db
class TestEscaping:
    @pytest.fixture
    def hostile(self, make_article, issue):
        return make_article(
            HOSTILE_HEADLINE,
            issue=issue,
            kicker="<b>引题</b>",
            subheadline="<img src=x onerror=alert(1)>",
            reporters=[("<i>坏人</i>", "记者")],
            body="<p>{{ settings.SECRET_KEY }}<script>alert(2)</script>{% debug %}</p>",
        )

    def test_hostile_headline_shows_as_text_on_the_article_page(self, client, hostile):
        response = client.get(hostile.get_absolute_url())
        html = text_of(response)
        assert "<script>alert(1)" not in html
        assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;{{ request.META }}{% now &#x27;Y&#x27; %}" in html
        assertContains(response, '<p class="kicker">&lt;b&gt;引题&lt;/b&gt;</p>', html=True)
        assert "<img src=x" not in html

    def test_hostile_text_cannot_leave_the_json_ld_script(self, client, hostile):
        html = text_of(client.get(hostile.get_absolute_url()))
        raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
        assert "<" not in raw
        assert json.loads(raw)["headline"] == HOSTILE_HEADLINE

    def test_template_syntax_in_the_body_is_not_evaluated(self, client, hostile):
        response = client.get(hostile.get_absolute_url())
        # The sanitizer dropped the script; the braces are text, never rendered.
        assertContains(response, "<p>{{ settings.SECRET_KEY }}{% debug %}</p>", html=True)

    def test_hostile_text_is_escaped_in_lists_and_feeds(self, client, hostile):
        for url in ["/", "/issues/1/", "/feed/"]:
            html = text_of(client.get(url))
            assert "<script>alert(1)" not in html, url
            assert "<i>坏人</i>" not in html, url


@pytest.mark.django_db
class TestOperations:
    def test_robots_txt_points_at_the_sitemap(self, client, db):
        response = client.get("/robots.txt")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content.decode() == (
            "User-agent: *\nDisallow: /admin/\nDisallow: /search/\n"
            "Sitemap: http://testserver/sitemap.xml\n"
        )

    def test_healthz_is_ok_when_the_database_answers(self, client, db):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.content == b"ok"

    def test_healthz_is_503_when_the_database_fails(self, client, db, monkeypatch):
        def broken_cursor(*args, **kwargs):
            raise DatabaseError("connection refused")

        monkeypatch.setattr("newsroom.site.health.connection.cursor", broken_cursor)
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.content == b"database unavailable"

    def test_404_page_is_in_chinese(self, client, db):
        response = client.get("/no/such/page/")
        assert response.status_code == 404
        assertTemplateUsed(response, "404.html")
        assertContains(response, '<h1 class="page-title">页面不存在</h1>', html=True, status_code=404)
        assertContains(response, '<meta name="robots" content="noindex">', html=True, status_code=404)

    @override_settings(DEBUG=False)
    def test_500_page_is_in_chinese(self, client, db, monkeypatch):
        def boom(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr("newsroom.site.issues.render", boom)
        client.raise_request_exception = False
        response = client.get("/issues/")
        assert response.status_code == 500
        assertContains(response, '<h1 class="page-title">服务器出错</h1>', html=True, status_code=500)


@pytest.mark.django_db
class TestSeedIssue:
    """The seed, imported as `make run` does, read as a reader would."""

    def test_home_shows_issue_1_and_both_articles(self, client, imported_seed):
        response = client.get("/")
        assert response.context["issue"] == imported_seed
        assert [a.headline for a in response.context["issue_articles"]] == [
            "国家高新区忙开局奋力“开门红”",
            "济南高新区探索对外开放新格局",
        ]

    def test_feature_has_three_sections_and_twelve_zones(self, client, imported_seed):
        feature = imported_seed.articles.get(position=1)
        response = client.get(feature.get_absolute_url())
        body = re.search(r'<div class="story__body">(.*?)</div>', text_of(response), re.S).group(1)
        assert re.findall(r"<h2>(.*?)</h2>", body) == ["“新”潮涌动", "“谋”上发力", "“优”无止境"]
        assert len(response.context["article"].zones.all()) == 12
        assertContains(response, '<a href="/reporters/liu-qin/">刘琴</a>', html=True, count=1)

    def test_report_shows_its_dateline_and_reporter(self, client, imported_seed):
        report = imported_seed.articles.get(position=2)
        response = client.get(report.get_absolute_url())
        assertContains(response, '<span class="dateline">本报讯</span>', html=True)
        assertContains(response, '<a href="/reporters/han-xiao-peng/">韩霄鹏</a>', html=True)

    def test_zone_directory_counts_the_seed(self, client, imported_seed):
        response = zone_index_page_with(client, "山东省")
        counts = {z.name: z.article_count for _, zones in response.context["groups"] for z in zones}
        assert counts["济南高新区"] == 1


class TestFavicon:
    """Issue 9: the site has an icon, named in every page and served at /favicon.ico."""

    def test_pages_name_the_icon(self, client, db):
        """The home page links the SVG icon."""
        response = client.get("/")
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in response.content.decode()

    def test_favicon_ico_redirects_to_the_icon(self, client, db):
        """/favicon.ico is a permanent redirect to the static icon, not a 404."""
        response = client.get("/favicon.ico")
        assert (response.status_code, response["Location"]) == (301, "/static/favicon.svg")

    def test_the_icon_is_served(self, client, db):
        """The static icon itself is found."""
        from django.contrib.staticfiles import finders

        assert finders.find("favicon.svg") is not None


class TestErrorPageMarkup:
    """Issue 9: markup the Nu Html Checker rejected."""

    def test_404_has_no_canonical_link(self, client, db):
        """A 404 names no canonical address (it had an empty one)."""
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert 'rel="canonical"' not in response.content.decode()
