"""Query budgets: every public page runs a fixed number of queries.

The count must not grow with the zones, reporters or topics on an article, nor with the
number of articles on a list page, so each page is measured twice, with little data and
with a lot, and both counts must equal the pinned budget.
"""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

# Measured on SQLite and PostgreSQL; a new query on any page must be a decision. These are
# the views' own queries. Every public request also reads the content version once, before
# the view runs (newsroom/page_cache.py): a 304 or a cached page costs that read alone, and
# a page rendered afresh, as measured here, costs the read plus its budget.
VERSION_READ = 1
BUDGETS = {
    "/": 5,
    "/issues/": 2,
    "/issues/1/": 3,  # the issue, its count for pagination, its articles with their cards
    "article": 2,  # the article with its card, and its related articles (one UNION)
    "/zones/": 2,
    "zone": 3,
    "/reporters/liu-qin/": 3,
    "/tags/keji/": 3,
    "/feed/": 1,
    "zone_feed": 2,
    "/tags/keji/feed/": 3,
    "/sitemap.xml": 8,  # the index: each section's count (and, for zones, reporters, topics, which rows)
    "/sitemap-articles.xml": 2,  # a page of articles: their count, the page
}
SIZES = {
    "small": {"articles": 2, "zones": 1, "reporters": 1, "tags": 1},
    "large": {"articles": 12, "zones": 6, "reporters": 4, "tags": 5},
}


def count_queries(client, url):
    """(queries, response) of one request."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response


@pytest.fixture
def build(make_issue, make_zone, make_article):
    """An issue of `articles` articles, each with `zones` zones, `reporters` reporters and `tags` tags."""

    def make(*, articles=1, zones=1, reporters=1, tags=1):
        issue = make_issue(1)
        zone_rows = [make_zone(f"第{n}号高新区", province=f"省{n % 3}") for n in range(zones)]
        byline = [(f"记者{n}", "记者") for n in range(reporters - 1)]
        made = [
            make_article(
                f"文章{n}", issue=issue, position=n, zones=zone_rows,
                reporters=[("刘琴", "作者"), *byline],
                tags=["keji", *[f"话题{t}" for t in range(tags - 1)]],
            )
            for n in range(articles)
        ]
        return made, zone_rows[0]

    return make


def urls_for(articles, zone) -> dict[str, str]:
    return {
        "/": "/",
        "/issues/": "/issues/",
        "/issues/1/": "/issues/1/",
        "article": articles[0].get_absolute_url(),
        "/zones/": "/zones/",
        "zone": zone.get_absolute_url(),
        "/reporters/liu-qin/": "/reporters/liu-qin/",
        "/tags/keji/": "/tags/keji/",
        "/feed/": "/feed/",
        "zone_feed": f"{zone.get_absolute_url()}feed/",
        "/tags/keji/feed/": "/tags/keji/feed/",
        "/sitemap.xml": "/sitemap.xml",
        "/sitemap-articles.xml": "/sitemap-articles.xml",
    }


@pytest.mark.django_db
class TestQueryBudgets:
    @pytest.mark.parametrize("size", list(SIZES))
    @pytest.mark.parametrize("page", list(BUDGETS))
    def test_page_runs_its_pinned_number_of_queries(self, client, build, page, size, django_assert_max_num_queries):
        """Small and large data give the same exact count: nothing grows per row."""
        articles, zone = build(**SIZES[size])
        with django_assert_max_num_queries(BUDGETS[page] + VERSION_READ) as captured:
            assert client.get(urls_for(articles, zone)[page]).status_code == 200
        # Exact, so that a page that gets cheaper also gets its budget lowered.
        assert len(captured) == BUDGETS[page] + VERSION_READ


@pytest.mark.django_db
class TestArticleWithManyZones:
    def test_thirty_zones_cost_the_same_queries_as_one(self, client, make_issue, make_zone, make_article):
        issue = make_issue(1)
        zones = [make_zone(f"第{n}号高新区") for n in range(30)]
        one = make_article("一个高新区", issue=issue, zones=zones[:1], tags=["keji"])
        thirty = make_article("三十个高新区", issue=issue, position=2, zones=zones, tags=["keji"])
        make_article("相关文章", issue=issue, position=3, zones=zones[:1])

        one_count, _ = count_queries(client, one.get_absolute_url())
        # The page rendered here, not a second request: that one would come from the cache.
        thirty_count, thirty_page = count_queries(client, thirty.get_absolute_url())
        assert (one_count, thirty_count) == (BUDGETS["article"] + VERSION_READ,) * 2
        assert len(thirty_page.context["article"].zones.all()) == 30
