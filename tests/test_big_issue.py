"""One very large published issue (1,500 articles, a 2 MB source file) stays fast.

Public pages never load the issue's source text or the search text, lists carry only
the opening of each body, the front page shows a bounded number of the issue's
articles, and the issue page is paged. Query counts are those of a small issue.
"""
import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.body import summary_text
from articles.models import Article, Byline, ZoneMention
from newsroom.models import Issue, Reporter
from newsroom.site.home import HOME_ISSUE_ARTICLES
from newsroom.site.issues import ISSUE_ARTICLES_PER_PAGE
from tests.test_public_queries import BUDGETS, VERSION_READ

ARTICLES = 1500
SOURCE_TEXT = "源文件全文。" * 350_000  # about 2 MB of UTF-8
BODY = "<p>正文第一段，讲成都高新区的新项目。</p>" + "<p>很长的正文。</p>" * 200


@pytest.fixture
def big_issue(db, make_zone):
    """Issue 7 with 1,500 published articles by 刘琴, each naming 成都高新区 and tagged 科技."""
    issue = Issue.objects.create(
        number=7, date=datetime.date(2025, 3, 3), status="published", source_text=SOURCE_TEXT
    )
    due = timezone.now() - datetime.timedelta(hours=1)
    Article.objects.bulk_create(
        Article(
            issue=issue, position=n, headline=f"第{n}篇报道", slug=f"di-{n}-pian-bao-dao", body=BODY,
            search_text="检索文本 " * 5000, summary=summary_text(standfirst="", body=BODY), status="published",
            publish_at=due,
        )
        for n in range(1, ARTICLES + 1)
    )
    articles = list(issue.articles.order_by("position"))
    reporter = Reporter.objects.create(name="刘琴")
    zone = make_zone("成都高新区")
    Byline.objects.bulk_create(Byline(article=a, reporter=reporter) for a in articles)
    ZoneMention.objects.bulk_create(ZoneMention(article=a, zone=zone) for a in articles)
    articles[0].tags.add("科技")
    # Bulk writes bypass the save paths, so they refresh the cards themselves.
    Article.objects.filter(issue=issue).refresh_cards()
    return issue, articles, zone


def public_urls(issue, articles, zone) -> list[str]:
    return [
        "/", "/issues/", issue.get_absolute_url(), f"{issue.get_absolute_url()}?page=15",
        articles[0].get_absolute_url(), articles[-1].get_absolute_url(), "/zones/", zone.get_absolute_url(),
        "/reporters/liu-qin/", reverse("tags:detail", kwargs={"slug": articles[0].tags.get().slug}),
        "/feed/", f"{zone.get_absolute_url()}feed/", "/sitemap.xml", "/search/?q=%E6%8A%A5%E9%81%93",
    ]


def sql_of(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in queries]


# The body column in any form: lists show the stored summary and load none of it.
WHOLE_BODY = re.compile(r'"articles_article"\."body"')


@pytest.mark.django_db
class TestLargeColumnsStayInTheDatabase:
    def test_no_public_page_loads_source_text_or_search_text(self, client, big_issue):
        for url in public_urls(*big_issue):
            statements = sql_of(client, url)
            assert [s for s in statements if '"source_text"' in s or '"search_text"' in s] == [], url

    @pytest.mark.parametrize("page", ["/", "issue", "/feed/", "zone", "/reporters/liu-qin/"])
    def test_lists_load_no_body(self, client, big_issue, page):
        issue, _articles, zone = big_issue
        url = {"issue": issue.get_absolute_url(), "zone": zone.get_absolute_url()}.get(page, page)
        assert [s for s in sql_of(client, url) if WHOLE_BODY.search(s)] == []

    def test_the_article_page_loads_its_body(self, client, big_issue):
        _issue, articles, _zone = big_issue
        statements = sql_of(client, articles[0].get_absolute_url())
        assert len([s for s in statements if WHOLE_BODY.search(s)]) == 1

    def test_excerpts_come_from_the_stored_summary(self, client, big_issue):
        issue, _articles, _zone = big_issue
        html = client.get(issue.get_absolute_url()).content.decode()
        assert html.count('<p class="card__excerpt">正文第一段，讲成都高新区的新项目。</p>') == ISSUE_ARTICLES_PER_PAGE


@pytest.mark.django_db
class TestBoundedPages:
    def test_front_page_shows_the_start_of_the_issue_and_links_to_the_rest(self, client, big_issue):
        issue, _articles, _zone = big_issue
        response = client.get("/")
        shown = [a.position for a in response.context["issue_articles"]]
        assert shown == list(range(1, HOME_ISSUE_ARTICLES + 1))
        html = response.content.decode()
        assert '<p class="front__more"><a href="/issues/7/">查看第7期全部文章</a></p>' in html
        assert [z.name for z in response.context["issue_zones"]] == ["成都高新区"]

    def test_front_page_of_a_small_issue_has_no_link_to_more(self, client, make_issue, make_article):
        issue = make_issue(1)
        for n in range(1, HOME_ISSUE_ARTICLES + 1):
            make_article(f"文章{n}", issue=issue, position=n)
        response = client.get("/")
        assert len(response.context["issue_articles"]) == HOME_ISSUE_ARTICLES
        assert "全部文章" not in response.content.decode()

    def test_issue_page_is_paged_in_issue_order(self, client, big_issue):
        issue, _articles, _zone = big_issue
        last = client.get(f"{issue.get_absolute_url()}?page=15")
        assert [a.position for a in last.context["articles"]] == list(range(1401, 1501))
        html = last.content.decode()
        assert '<ol class="toc" start="1401">' in html
        assert "第 15 页，共 15 页" in html

    @pytest.mark.parametrize("page", ["/", "issue", "article", "/feed/", "/sitemap.xml"])
    def test_query_counts_are_those_of_a_small_issue(self, client, big_issue, page, django_assert_num_queries):
        issue, articles, _zone = big_issue
        url = {"issue": issue.get_absolute_url(), "article": articles[0].get_absolute_url()}.get(page, page)
        budget = BUDGETS[{"issue": "/issues/1/"}.get(page, page)] + VERSION_READ
        with django_assert_num_queries(budget):
            assert client.get(url).status_code == 200
