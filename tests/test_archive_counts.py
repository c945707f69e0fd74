"""Counts that grow with the archive are cached under the content version (newsroom.site.counts):
read, not recounted, until a change readers could see commits or a scheduled article falls due."""
import datetime
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsroom import freshness
from newsroom.site import sitemaps

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _testserver_host(settings):
    settings.ALLOWED_HOSTS = ["testserver"]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """committed(): a block whose changes count as committed, as they are for readers.

    Its on-commit callbacks run (the content version moves on); the test's transaction would
    keep listing them as pending, so they are dropped once run.
    """

    @contextmanager
    def block():
        with django_capture_on_commit_callbacks(execute=True):
            yield
        connection.run_on_commit.clear()

    return block


@pytest.fixture
def world(committed, make_issue, make_zone, make_article):
    with committed():
        issue = make_issue(1)
        zone = make_zone("成都高新区", province="四川省")
        articles = [make_article(f"成都报道{n}", issue=issue, position=n, zones=[zone], tags=["科技创新"],
                                 reporters=[("刘琴", "作者")]) for n in (1, 2)]
    return {"issue": issue, "zone": zone, "articles": articles}


def counts(client, zone) -> dict:
    """What each page says about how many published articles there are."""

    def paginated(url):
        response = client.get(url)
        return response.context["page_obj"].paginator.count if response.status_code == 200 else 0

    page = dict(client.get("/zones/").context["province_pages"])[zone.province]
    directory = client.get("/zones/", {"page": page}).context["groups"]
    locations = client.get("/sitemap-articles.xml").content.decode().count("/articles/")
    return {
        "home": paginated("/"),
        "zone": paginated(zone.get_absolute_url()),
        "topic": paginated("/tags/ke-ji-chuang-xin/"),
        "reporter": paginated("/reporters/liu-qin/"),
        "directory": next(z.article_count for _, zones in directory for z in zones if z.pk == zone.pk),
        "sitemap": locations,
    }


def everywhere(n: int) -> dict:
    return dict.fromkeys(["home", "zone", "topic", "reporter", "directory", "sitemap"], n)


class TestCachedCounts:
    @pytest.fixture(autouse=True)
    def _pages_rendered_every_time(self, settings):
        """Without the page cache, so that the second request renders the page and reads the counts."""
        settings.NEWSROOM_PAGE_CACHE = False

    def test_a_second_reader_counts_nothing(self, client, world):
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/")
        assert response.context["page_obj"].paginator.count == 2
        assert [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]] == []

    def test_counts_are_kept_under_the_content_version(self, client, world):
        client.get("/")
        assert cache.get(f"counts:{freshness.current().number}:published") == 2

    def test_uncommitted_changes_are_counted_afresh_and_never_cached(self, client, world, make_article):
        """A transaction that changed content sees rows no reader sees: it neither reads nor fills the cache."""
        client.get("/")
        make_article("未提交的文章")
        version = freshness.current().number
        assert client.get("/").context["page_obj"].paginator.count == 3
        assert cache.get(f"counts:{version}:published") == 2


class TestChangesAreCountedAtOnce:
    def test_publishing(self, client, world, committed, make_article):
        assert counts(client, world["zone"]) == everywhere(2)
        with committed():
            make_article("成都报道3", issue=world["issue"], position=3, zones=[world["zone"]], tags=["科技创新"])
        assert counts(client, world["zone"]) == everywhere(3)

    def test_unpublishing(self, client, world, committed):
        assert counts(client, world["zone"]) == everywhere(2)
        article = world["articles"][0]
        with committed():
            article.status = "draft"
            article.save()
        assert counts(client, world["zone"]) == everywhere(1)

    def test_deleting(self, client, world, committed):
        assert counts(client, world["zone"]) == everywhere(2)
        with committed():
            world["articles"][0].delete()
        assert counts(client, world["zone"]) == everywhere(1)

    def test_unpublishing_the_issue(self, client, world, committed):
        assert counts(client, world["zone"]) == everywhere(2)
        with committed():
            world["issue"].status = "draft"
            world["issue"].save()
        assert counts(client, world["zone"]) == everywhere(0)

    def test_a_scheduled_article_counts_from_its_minute(self, client, world, committed, make_article, monkeypatch):
        due = timezone.now() + datetime.timedelta(minutes=5)
        with committed():
            make_article("定时发布", issue=world["issue"], position=3, zones=[world["zone"]], tags=["科技创新"],
                         publish_at=due)
        assert counts(client, world["zone"]) == everywhere(2)
        later = due + datetime.timedelta(seconds=1)
        monkeypatch.setattr(timezone, "now", lambda: later)
        assert counts(client, world["zone"]) == everywhere(3)


class TestSitemapPages:
    def test_the_index_lists_every_page_of_a_section(self, client, world, monkeypatch):
        monkeypatch.setattr(sitemaps.ArchiveSitemap, "limit", 1)
        index = client.get("/sitemap.xml").content.decode()
        first, second = (client.get("/sitemap-articles.xml", {"p": p}).content.decode() for p in (1, 2))
        assert ("http://testserver/sitemap-articles.xml?p=2" in index,
                "http://testserver/sitemap-articles.xml?p=3" in index) == (True, False)
        assert (world["articles"][0].get_absolute_url() in first, world["articles"][1].get_absolute_url() in second) \
            == (True, True)
        assert client.get("/sitemap-articles.xml", {"p": 3}).status_code == 404

    def test_an_unknown_section_is_404(self, client, world):
        assert client.get("/sitemap-drafts.xml").status_code == 404


class TestWithoutTheCache:
    def test_a_cache_that_fails_leaves_the_pages_counting(self, client, world, monkeypatch):
        """Redis is another service: when it fails, the pages count for themselves and answer."""
        from newsroom.site import counts as count_cache

        def unavailable(*args, **kwargs):
            raise ConnectionError("cache down")

        monkeypatch.setattr(count_cache.cache, "get", unavailable)
        monkeypatch.setattr(count_cache.cache, "set", unavailable)
        assert counts(client, world["zone"]) == everywhere(2)


class TestRelatedArticles:
    """An article's related articles are kept under the content version like the counts."""

    @pytest.fixture(autouse=True)
    def _pages_rendered_every_time(self, settings):
        settings.NEWSROOM_PAGE_CACHE = False

    def related(self, client, article) -> list[str]:
        return [row.headline for row in client.get(article.get_absolute_url()).context["related"]]

    def test_a_second_reader_does_not_look_them_up_again(self, client, world):
        article = world["articles"][0]
        with CaptureQueriesContext(connection) as first:
            assert self.related(client, article) == ["成都报道2"]
        with CaptureQueriesContext(connection) as second:
            assert self.related(client, article) == ["成都报道2"]
        assert len(second) == len(first) - 1

    def test_a_new_publication_is_related_at_once(self, client, world, committed, make_article):
        article = world["articles"][0]
        assert self.related(client, article) == ["成都报道2"]
        with committed():
            make_article("成都报道3", issue=world["issue"], position=3, zones=[world["zone"]])
        # 报道2 shares the zone and the topic, 报道3 only the zone.
        assert self.related(client, article) == ["成都报道2", "成都报道3"]
