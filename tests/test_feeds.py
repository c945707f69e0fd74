"""Atom feeds and the sitemap."""
import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def chengdu(make_zone):
    return make_zone("成都高新区", province="四川省", city="成都市")


@pytest.fixture
def articles(make_issue, make_article, chengdu):
    issue = make_issue(1)
    now = timezone.now()
    older = make_article(
        "成都高新区新药获批", issue=issue, zones=[chengdu], tags=["生物医药"],
        reporters=[("刘琴", "作者"), ("张三", "通讯员")],
        standfirst="成都高新区企业自主研发的1类新药获批临床。",
        publish_at=now - datetime.timedelta(days=2),
    )
    newer = make_article("济南高新区扩大开放", issue=issue, position=2, reporters=[("韩霄鹏", "记者")],
                         publish_at=now - datetime.timedelta(days=1))
    return older, newer


def atom(client, url):
    response = client.get(url)
    assert response.status_code == 200
    # application/xml: Chromium shows atom+xml as raw text and styles only XML (static/feed.xsl).
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return ET.fromstring(response.content)


def entry_titles(feed) -> list[str]:
    return [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]


@pytest.mark.django_db
class TestLatestFeed:
    def test_is_atom_with_the_newest_article_first(self, client, articles):
        feed = atom(client, "/feed/")
        assert feed.findtext(f"{ATOM}title") == "高新区通讯"
        assert entry_titles(feed) == ["济南高新区扩大开放", "成都高新区新药获批"]

    def test_entry_has_link_authors_summary_and_topics(self, client, articles):
        older = articles[0]
        entry = list(atom(client, "/feed/").iter(f"{ATOM}entry"))[1]
        assert entry.find(f"{ATOM}link").get("href") == f"http://testserver{older.get_absolute_url()}"
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == "刘琴、张三"
        assert entry.findtext(f"{ATOM}summary") == "成都高新区企业自主研发的1类新药获批临床。"
        assert [c.get("term") for c in entry.iter(f"{ATOM}category")] == ["生物医药"]

    def test_holds_at_most_twenty_entries(self, client, make_article):
        for n in range(25):
            make_article(f"第{n}篇")
        assert len(entry_titles(atom(client, "/feed/"))) == 20


@pytest.mark.django_db
class TestZoneAndTagFeeds:
    def test_zone_feed_has_only_that_zone(self, client, articles, chengdu):
        feed = atom(client, f"/zones/{chengdu.slug}/feed/")
        assert feed.findtext(f"{ATOM}title") == "高新区通讯 · 成都高新区"
        assert entry_titles(feed) == ["成都高新区新药获批"]

    def test_tag_feed_has_only_that_topic(self, client, articles):
        feed = atom(client, "/tags/sheng-wu-yi-yao/feed/")
        assert feed.findtext(f"{ATOM}title") == "高新区通讯 · 话题：生物医药"
        assert entry_titles(feed) == ["成都高新区新药获批"]

    def test_unknown_zone_or_tag_feed_is_404(self, client, db):
        assert client.get("/zones/no-such-zone/feed/").status_code == 404
        assert client.get("/tags/no-such-tag/feed/").status_code == 404

    def test_pages_advertise_their_feed(self, client, articles, chengdu):
        html = client.get(chengdu.get_absolute_url()).content.decode()
        assert f'<link rel="alternate" type="application/atom+xml" title="成都高新区" href="/zones/{chengdu.slug}/feed/">' in html


@pytest.mark.django_db
class TestSitemap:
    def test_index_lists_one_sitemap_a_section(self, client, articles):
        response = client.get("/sitemap.xml")
        assert response.status_code == 200
        locations = [loc.text for loc in ET.fromstring(response.content).iter(f"{SITEMAP}loc")]
        assert locations == [f"http://testserver/sitemap-{section}.xml"
                             for section in ("sections", "articles", "issues", "zones", "reporters", "tags")]

    def test_lists_sections_articles_issues_zones_reporters_and_topics(self, client, articles, chengdu,
                                                                       sitemap_locations):
        """Articles oldest first, so that a new one joins the last page and the others stay as they were."""
        older, newer = articles
        base = "http://testserver"
        assert sitemap_locations(client) == [
            f"{base}/",
            f"{base}/issues/",
            f"{base}/zones/",
            f"{base}{older.get_absolute_url()}",
            f"{base}{newer.get_absolute_url()}",
            f"{base}/issues/1/",
            f"{base}/zones/{chengdu.slug}/",
            f"{base}/reporters/liu-qin/",
            f"{base}/reporters/zhang-san/",
            f"{base}/reporters/han-xiao-peng/",
            f"{base}/tags/sheng-wu-yi-yao/",
        ]
