"""The page cache (newsroom/page_cache.py): validators, 304s, what is stored, and for whom."""
import datetime

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from newsroom import freshness, page_cache
from tests.test_public_queries import build, urls_for  # noqa: F401, F811 (build is a fixture)

CACHE_CONTROL = "public, max-age=0, s-maxage=5, stale-while-revalidate=30"


def get(url, client=None, **headers):
    """(response, queries) of one request, by default an anonymous reader's."""
    with CaptureQueriesContext(connection) as queries:
        response = (client or Client()).get(url, headers=headers)
    return response, len(queries)


def head(url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = Client().head(url, headers=headers)
    return response, len(queries)


@pytest.fixture
def pages(build) -> dict[str, str]:  # noqa: F811
    """Every kind of public page, over a small published issue."""
    articles, zone = build(articles=2)
    return {**urls_for(articles, zone), "search": "/search/?q=%E6%96%87%E7%AB%A0", "robots": "/robots.txt"}


@pytest.fixture
def release():
    """Forget the process's release id before and after the test that changes it."""
    page_cache.release.cache_clear()
    yield
    page_cache.release.cache_clear()


def current_validators() -> page_cache.Validators:
    return page_cache.Validators.of(freshness.current())


@pytest.mark.django_db
class TestValidators:
    def test_a_public_page_carries_the_content_versions_validators(self, pages):
        response, _ = get("/")
        version = freshness.current()
        assert response.status_code == 200
        assert response["ETag"] == current_validators().etag
        assert response["ETag"].startswith(f'W/"{version.number}-')
        assert response["Last-Modified"] == http_date(int(version.changed_at.timestamp()))
        assert response["Cache-Control"] == CACHE_CONTROL

    def test_one_language_means_no_vary_for_shared_caches(self, pages):
        """The locale middleware's Vary: Accept-Language would split a CDN's copies by browser."""
        response, _ = get("/")
        assert response.get("Vary") is None
        assert response["Content-Language"] == "zh-hans"

    @pytest.mark.parametrize("page", ["/", "article", "zone", "/tags/keji/", "/feed/", "/sitemap.xml", "search"])
    def test_if_none_match_is_answered_304_before_any_view_runs(self, pages, page):
        url = pages[page]
        etag = get(url)[0]["ETag"]
        response, queries = get(url, if_none_match=etag)
        assert (response.status_code, queries, response.content) == (304, 1, b"")
        assert (response["ETag"], response["Cache-Control"]) == (etag, CACHE_CONTROL)

    def test_a_head_request_is_answered_304_too(self, pages):
        etag = get("/")[0]["ETag"]
        response, queries = head("/", if_none_match=etag)
        assert (response.status_code, queries) == (304, 1)

    def test_if_modified_since_the_last_change_is_answered_304(self, pages):
        last_modified = get("/")[0]["Last-Modified"]
        response, queries = get("/", if_modified_since=last_modified)
        assert (response.status_code, queries) == (304, 1)

    def test_if_modified_since_before_the_last_change_gets_the_page(self, pages):
        version = freshness.current()
        earlier = http_date(int(version.changed_at.timestamp()) - 1)
        assert get("/", if_modified_since=earlier)[0].status_code == 200

    def test_if_none_match_decides_over_if_modified_since(self, pages):
        last_modified = get("/")[0]["Last-Modified"]
        response, _ = get("/", if_none_match='W/"0-stale"', if_modified_since=last_modified)
        assert response.status_code == 200

    def test_after_a_change_the_old_etag_gets_the_new_page(self, pages):
        old = get("/")[0]["ETag"]
        freshness.bump()
        response, _ = get("/", if_none_match=old)
        assert response.status_code == 200
        assert response["ETag"] == current_validators().etag != old

    def test_a_new_release_changes_the_etag(self, pages, settings, release):
        settings.NEWSROOM_RELEASE = "2026.11.1"
        old = get("/")[0]["ETag"]
        settings.NEWSROOM_RELEASE = "2026.11.2"
        page_cache.release.cache_clear()
        response, queries = get("/", if_none_match=old)
        assert response.status_code == 200
        assert queries > 1  # rendered anew, not the page cached under the old release

    def test_the_default_release_is_a_hash_of_the_files(self, settings, release, tmp_path):
        settings.NEWSROOM_RELEASE = ""
        settings.BASE_DIR = tmp_path
        (tmp_path / "templates").mkdir()
        template = tmp_path / "templates" / "base.html"
        template.write_text("<p>一</p>", encoding="utf-8")
        first = page_cache.release()
        page_cache.release.cache_clear()
        assert page_cache.release() == first
        template.write_text("<p>二</p>", encoding="utf-8")
        page_cache.release.cache_clear()
        assert page_cache.release() != first
        assert len(first) == 12


@pytest.mark.django_db
class TestStoredPages:
    # Not robots.txt: it costs no query to make, so a hit looks the same as a miss.
    @pytest.mark.parametrize("page", ["/", "/issues/", "/issues/1/", "article", "/zones/", "zone",
                                      "/reporters/liu-qin/", "/tags/keji/", "/feed/", "zone_feed",
                                      "/tags/keji/feed/", "/sitemap.xml", "search"])
    def test_the_second_read_comes_from_the_cache(self, pages, page):
        first, rendered = get(pages[page])
        second, queries = get(pages[page])
        assert (first.status_code, second.status_code, queries) == (200, 200, 1)
        assert rendered > 1
        assert second.content == first.content
        assert second["Content-Type"] == first["Content-Type"]
        assert (second["ETag"], second["Cache-Control"]) == (first["ETag"], CACHE_CONTROL)

    def test_with_the_cache_off_every_read_renders_but_keeps_its_validators(self, pages, settings):
        settings.NEWSROOM_PAGE_CACHE = False
        get("/")
        response, queries = get("/")
        assert queries > 1
        assert response["ETag"] == current_validators().etag
        assert get("/", if_none_match=response["ETag"])[0].status_code == 304

    def test_head_is_served_from_the_entry_of_get(self, pages):
        get("/")
        response, queries = head("/")
        assert (response.status_code, queries) == (200, 1)

    def test_head_does_not_fill_the_cache(self, pages):
        head("/")
        assert get("/")[1] > 1

    def test_each_host_has_its_own_entry(self, pages):
        """Feeds and the sitemap carry the host in every address."""
        Client().get("/sitemap.xml", headers={"host": "localhost"})
        response, queries = get("/sitemap.xml", host="127.0.0.1")
        assert queries > 1
        assert "<loc>http://127.0.0.1/sitemap-articles.xml</loc>" in response.content.decode()
        assert "localhost" not in response.content.decode()

    def test_the_query_string_is_part_of_the_key(self, pages):
        found = get("/search/?q=%E6%96%87%E7%AB%A0")[0].content.decode()  # 文章
        response, queries = get("/search/?q=%E6%B2%A1%E6%9C%89")  # 没有
        assert queries > 1
        assert response.content.decode() != found

    def test_a_missing_page_is_neither_stored_nor_validated(self, pages):
        first, _ = get("/articles/999999/missing/")
        second, queries = get("/articles/999999/missing/")
        assert (first.status_code, second.status_code) == (404, 404)
        assert queries > 1
        assert "ETag" not in second
        assert "Cache-Control" not in second

    @pytest.mark.parametrize("url", ["/admin/login/", "/healthz", "/preview/articles/1/"])
    def test_the_desk_the_preview_and_the_health_check_are_left_alone(self, pages, url):
        Client().get(url)
        with CaptureQueriesContext(connection) as queries:
            response = Client().get(url)
        assert "ETag" not in response
        assert response.get("Cache-Control") in (None, "max-age=0, no-cache, no-store, must-revalidate, private")
        assert [q["sql"] for q in queries if "newsroom_contentversion" in q["sql"]] == []


@pytest.mark.django_db
class TestNoCookies:
    @pytest.mark.parametrize("page", ["/", "/issues/", "/issues/1/", "article", "/zones/", "zone",
                                      "/reporters/liu-qin/", "/tags/keji/", "/feed/", "zone_feed",
                                      "/tags/keji/feed/", "/sitemap.xml", "search", "robots"])
    def test_a_public_page_sets_no_cookie_and_does_not_vary_by_cookie(self, pages, page):
        for response in (get(pages[page])[0], get(pages[page])[0]):  # rendered, then from the cache
            assert response.status_code == 200
            assert response.cookies == {}
            assert "Set-Cookie" not in response.serialize_headers().decode()
            assert "Cookie" not in response.get("Vary", "")


@pytest.mark.django_db
class TestSignedInEditors:
    def test_an_editor_gets_the_page_rendered_with_private_validators(self, pages, editor_client):
        get("/")  # cached for readers
        response, queries = get("/", client=editor_client)
        assert response.status_code == 200
        assert queries > 1
        assert response["ETag"] == current_validators().etag
        assert response["Cache-Control"] == "private, no-cache"

    def test_an_editors_page_is_not_stored_for_readers(self, pages, editor_client):
        get("/", client=editor_client)
        assert get("/")[1] > 1

    def test_an_editor_gets_304_too(self, pages, editor_client):
        etag = get("/", client=editor_client)[0]["ETag"]
        response, queries = get("/", client=editor_client, if_none_match=etag)
        assert (response.status_code, queries, response["Cache-Control"]) == (304, 1, "private, no-cache")


@pytest.mark.django_db
class TestUnpublishedArticlesNeverReachReaders:
    def test_a_previewed_draft_is_not_served_to_a_reader(self, draft_article, editor_client, make_issue):
        preview = editor_client.get(f"/preview/articles/{draft_article.pk}/")
        assert preview.status_code == 200
        assert draft_article.headline in preview.content.decode()
        assert get(draft_article.get_absolute_url())[0].status_code == 404
        assert draft_article.headline not in get("/")[0].content.decode()

    def test_an_editor_reading_public_pages_leaves_nothing_for_readers(self, draft_article, editor_client):
        assert editor_client.get(draft_article.get_absolute_url()).status_code == 404
        editor_client.get("/")
        assert get(draft_article.get_absolute_url())[0].status_code == 404
        assert get("/")[1] > 1

    # Transactional: the soonest scheduled publication is recorded when the save commits. The
    # serialized rollback keeps a later serialized test's setup from meeting the flush's rows.
    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_a_scheduled_article_appears_at_its_minute_not_before(self, make_article, monkeypatch):
        due = timezone.now() + datetime.timedelta(hours=1)
        article = make_article("定时发布的文章", publish_at=due)
        home, _ = get("/")
        assert article.headline not in home.content.decode()
        assert get("/")[1] == 1  # cached, still without it
        assert get(article.get_absolute_url())[0].status_code == 404
        monkeypatch.setattr(timezone, "now", lambda: due + datetime.timedelta(minutes=1))
        assert article.headline in get("/")[0].content.decode()
        assert get(article.get_absolute_url())[0].status_code == 200


@pytest.mark.django_db
class TestShareable:
    def shareable(self, response, **request_attributes) -> bool:
        request = RequestFactory().get("/")
        for name, value in request_attributes.items():
            setattr(request, name, value)
        return page_cache.shareable(request, response)

    def test_a_plain_page_is_shareable(self):
        assert self.shareable(HttpResponse("页面", headers={"Vary": "Accept-Language"})) is True

    def test_a_page_with_a_csp_nonce_is_not(self):
        """The nonce in the page must match the one in its header, which is new each time."""
        assert self.shareable(HttpResponse("页面"), _csp_nonce="abc") is False

    def test_a_page_that_chose_its_own_caching_is_not(self):
        assert self.shareable(HttpResponse("页面", headers={"Cache-Control": "private"})) is False

    def test_a_page_that_varies_with_the_cookie_is_not(self):
        assert self.shareable(HttpResponse("页面", headers={"Vary": "Accept-Language, Cookie"})) is False

    def test_a_page_that_sets_a_cookie_is_not(self):
        response = HttpResponse("页面")
        response.set_cookie("csrftoken", "x")
        assert self.shareable(response) is False

    def test_other_statuses_are_not(self):
        assert self.shareable(HttpResponse("页面", status=404)) is False


@pytest.mark.django_db
class TestCacheFailure:
    def test_a_failing_cache_costs_speed_not_the_page(self, pages, monkeypatch):
        class Down:
            def get(self, *args, **kwargs):
                raise ConnectionError("cache down")

            set = get

        monkeypatch.setattr(page_cache, "page_store", Down())
        response, _ = get("/")
        assert response.status_code == 200
        assert response["ETag"] == current_validators().etag
