"""Unpublished articles and issues appear on no public surface, and their URLs are 404.

Every test runs once per way of being hidden: a draft, an article in review, an
archived one, one scheduled for the future, and one in an unpublished issue. The hidden
article shares its zone, topic and reporter with a visible one, so a leak would show
up in the lists, counts and related articles of the visible one.
"""
import datetime

import pytest
from django.utils import timezone

HIDDEN = "不该出现的文章"
HIDDEN_CASES = ["draft", "review", "archived", "scheduled", "unpublished_issue"]


@pytest.fixture
def zone(make_zone):
    return make_zone("成都高新区", province="四川省", city="成都市")


@pytest.fixture
def issue(make_issue):
    return make_issue(1)


@pytest.fixture
def visible(make_article, issue, zone):
    return make_article("看得见的文章", issue=issue, zones=[zone], tags=["科技创新"])


@pytest.fixture(params=HIDDEN_CASES)
def hidden(request, make_article, make_issue, make_zone, issue, zone, visible):
    """The hidden article, built for each case; it shares zone, tag and reporter with `visible`.

    It also names a zone of its own, which no public page may count or list for it.
    """
    own_zone = make_zone("隐秘高新区", province="四川省")
    kwargs = {"issue": issue, "position": 2, "zones": [zone, own_zone], "tags": ["科技创新"]}
    case = request.param
    if case in {"draft", "review", "archived"}:
        kwargs["status"] = case
    elif case == "scheduled":
        kwargs["publish_at"] = timezone.now() + datetime.timedelta(days=1)
    else:
        kwargs["issue"] = make_issue(2, status="draft")
    return make_article(HIDDEN, **kwargs)


def get_text(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


@pytest.mark.django_db
class TestHiddenArticles:
    def test_its_urls_are_404(self, client, hidden):
        assert client.get(hidden.get_absolute_url()).status_code == 404
        assert client.get(f"/articles/{hidden.pk}/").status_code == 404
        assert client.get(f"/articles/{hidden.pk}/wrong-slug/").status_code == 404

    def test_home_lists_only_the_visible_article(self, client, hidden, visible, zone):
        response = client.get("/")
        assert [a.pk for a in response.context["issue_articles"]] == [visible.pk]
        assert [a.pk for a in response.context["page_obj"]] == [visible.pk]
        assert response.context["issue_zones"] == [zone]
        assert HIDDEN not in response.content.decode()

    def test_issue_table_of_contents_leaves_it_out(self, client, hidden, visible):
        response = client.get("/issues/1/")
        assert [a.pk for a in response.context["articles"]] == [visible.pk]
        assert HIDDEN not in response.content.decode()

    def test_issue_archive_does_not_count_it(self, client, hidden):
        response = client.get("/issues/")
        assert [(i.number, i.article_count) for i in response.context["page_obj"]] == [(1, 1)]

    def test_zone_index_does_not_count_it(self, client, hidden, zone):
        pages = dict(client.get("/zones/").context["province_pages"])
        response = client.get(f"/zones/?page={pages['四川省']}")
        counts = {z.name: z.article_count for _, zones in response.context["groups"] for z in zones}
        assert (counts["成都高新区"], counts["隐秘高新区"]) == (1, 0)

    def test_zone_page_leaves_it_out(self, client, hidden, visible, zone):
        response = client.get(zone.get_absolute_url())
        assert [a.pk for a in response.context["page_obj"]] == [visible.pk]
        assert HIDDEN not in response.content.decode()

    def test_its_own_zone_page_lists_nothing(self, client, hidden):
        response = client.get("/zones/yin-mi-gao-xin-qu/")
        assert response.status_code == 200
        assert list(response.context["page_obj"]) == []
        assert HIDDEN not in response.content.decode()

    def test_reporter_page_leaves_it_out(self, client, hidden, visible):
        response = client.get("/reporters/liu-qin/")
        assert [a.pk for a in response.context["page_obj"]] == [visible.pk]
        assert HIDDEN not in response.content.decode()

    def test_tag_page_leaves_it_out(self, client, hidden, visible):
        response = client.get("/tags/ke-ji-chuang-xin/")
        assert [a.pk for a in response.context["page_obj"]] == [visible.pk]

    def test_it_is_never_a_related_article(self, client, hidden, visible):
        response = client.get(visible.get_absolute_url())
        assert response.context["related"] == []
        assert HIDDEN not in response.content.decode()

    @pytest.mark.parametrize("url", ["/feed/", "/zones/cheng-du-gao-xin-qu/feed/", "/tags/ke-ji-chuang-xin/feed/"])
    def test_feeds_leave_it_out(self, client, hidden, visible, url):
        xml = get_text(client, url)
        assert xml.count("<entry>") == 1
        assert HIDDEN not in xml
        assert f"/articles/{hidden.pk}/" not in xml

    def test_sitemap_leaves_it_out(self, client, hidden, visible, sitemap_locations):
        xml = "\n".join(sitemap_locations(client))
        assert f"/articles/{visible.pk}/" in xml
        assert f"/articles/{hidden.pk}/" not in xml


@pytest.mark.django_db
class TestHiddenOnlyPages:
    """Pages whose only articles are hidden must not exist, or they would reveal them."""

    @pytest.fixture(params=HIDDEN_CASES)
    def only_hidden(self, request, make_article, make_issue, make_zone):
        issue = make_issue(1, status="draft" if request.param == "unpublished_issue" else "published")
        kwargs = {"issue": issue, "reporters": [("王秘密", "记者")], "tags": ["秘密话题"],
                  "zones": [make_zone("成都高新区", province="四川省")]}
        if request.param in {"draft", "review", "archived"}:
            kwargs["status"] = request.param
        elif request.param == "scheduled":
            kwargs["publish_at"] = timezone.now() + datetime.timedelta(days=1)
        return make_article(HIDDEN, **kwargs)

    def test_reporter_page_is_404(self, client, only_hidden):
        assert client.get("/reporters/wang-mi-mi/").status_code == 404

    def test_tag_page_and_feed_are_404(self, client, only_hidden):
        assert client.get("/tags/秘密话题/").status_code == 404
        assert client.get("/tags/秘密话题/feed/").status_code == 404

    def test_home_and_feed_are_empty(self, client, only_hidden):
        response = client.get("/")
        assert list(response.context["page_obj"]) == []
        assert get_text(client, "/feed/").count("<entry>") == 0

    def test_sitemap_lists_no_article_reporter_or_tag(self, client, only_hidden, sitemap_locations):
        xml = "\n".join(sitemap_locations(client))
        assert "/articles/" not in xml
        assert "/reporters/" not in xml
        assert "/tags/" not in xml
        assert "/zones/cheng-du" not in xml


@pytest.mark.django_db
class TestUnpublishedIssues:
    @pytest.fixture
    def draft_issue(self, make_issue, make_article):
        issue = make_issue(7, status="draft")
        make_article("草稿期的文章", issue=issue)
        return issue

    def test_its_page_is_404(self, client, draft_issue):
        assert client.get("/issues/7/").status_code == 404

    def test_it_is_not_in_the_archive_or_on_the_home_page(self, client, draft_issue, make_issue):
        make_issue(1)
        assert [i.number for i in client.get("/issues/").context["page_obj"]] == [1]
        assert client.get("/").context["issue"].number == 1

    def test_it_is_not_in_the_sitemap(self, client, draft_issue, make_issue, sitemap_locations):
        make_issue(1)
        locations = sitemap_locations(client)
        assert ("http://testserver/issues/1/" in locations, "http://testserver/issues/7/" in locations) == (True, False)
