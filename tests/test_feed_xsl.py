"""The Atom feeds carry an XSL stylesheet, so a person who opens one in a browser reads a page."""
import datetime
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.test_browser_site import browser_test, reference_zones  # noqa: F401 (a fixture)

XSL = Path(__file__).resolve().parent.parent / "static" / "feed.xsl"
PROLOGUE = ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<?xml-stylesheet href="/static/feed.xsl" media="screen" type="text/xsl"?>')
XSL_NS = "{http://www.w3.org/1999/XSL/Transform}"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def published(make_article, make_zone):
    chengdu = make_zone("成都高新区", province="四川省", city="成都市")
    make_article("成都高新区新药获批", zones=[chengdu], tags=["生物医药"], standfirst="新药获批临床。")
    return chengdu


@pytest.mark.django_db
class TestFeedsNameTheStylesheet:
    @pytest.mark.parametrize("url", ["/feed/", "/zones/cheng-du-gao-xin-qu/feed/", "/tags/sheng-wu-yi-yao/feed/"])
    def test_every_feed_names_the_stylesheet_before_its_first_element(self, client, published, url):
        response = client.get(url)
        assert response["Content-Type"] == "application/xml; charset=utf-8"
        assert response.content.decode().startswith(PROLOGUE + "<feed ")

    def test_the_feed_stays_atom(self, client, published):
        feed = ET.fromstring(client.get("/feed/").content)
        assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
        assert [e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed.iter("{http://www.w3.org/2005/Atom}entry")] == [
            "成都高新区新药获批"]


@pytest.mark.django_db
def test_entries_are_dated_in_beijing_time(client, make_article):
    """The feed page shows the date part: 00:30 in Beijing is 16:30 the day before in UTC."""
    make_article("凌晨发布", publish_at=datetime.datetime(2025, 1, 5, 16, 30, tzinfo=datetime.UTC))
    published = ET.fromstring(client.get("/feed/").content).findtext(f"{ATOM}entry/{ATOM}published")
    assert published == "2025-01-06T00:30:00+08:00"


class TestStylesheetFile:
    def test_is_well_formed_xslt(self):
        root = ET.parse(XSL).getroot()
        assert root.tag == f"{XSL_NS}stylesheet"
        assert root.find(f"{XSL_NS}output").get("method") == "html"

    def test_loads_nothing_from_elsewhere(self):
        """Only site paths (and the feed's own links, copied in as {…} templates)."""
        addresses = [value for element in ET.parse(XSL).iter() for name, value in element.attrib.items()
                     if name in ("href", "src")]
        assert addresses and all(a.startswith(("/", "{")) for a in addresses), addresses

    def test_never_writes_feed_text_as_markup(self):
        """A headline or summary is copied as text, so it can never become an element."""
        elements = list(ET.parse(XSL).iter())
        assert [e for e in elements if "disable-output-escaping" in e.attrib] == []
        assert [e.get("select") for e in elements if e.tag == f"{XSL_NS}copy-of"] == []


# Chromium 156 applies XSLT but marks it deprecated: it injects a banner (<xslt-warning-banner>)
# whose inline styles and inline click handler the site's CSP blocks. Those are the browser's,
# not the page's: the page the stylesheet makes has no inline style or script of its own.
OWN_INLINE = """() => [...document.querySelectorAll('[style], script, style, [onclick]')]
    .filter((e) => !e.closest('xslt-warning-banner')).map((e) => e.outerHTML.slice(0, 80))"""


@browser_test
class TestFeedInTheBrowser:
    @pytest.mark.usefixtures("reference_zones")  # before `published`: a flush may have taken them
    def test_chromium_shows_the_feed_as_a_styled_chinese_page(self, browser, live_server, published):
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        response = page.goto(live_server.url + "/feed/")
        assert response.headers["content-type"] == "application/xml; charset=utf-8"
        expect(page.locator("h1")).to_have_text("这是一个 Atom 订阅源")
        expect(page.locator(".masthead__title")).to_have_text("高新区通讯")
        expect(page.locator(".feed-entry .card__headline a")).to_have_text(["成都高新区新药获批"])
        expect(page.locator(".feed-entry .card__excerpt")).to_have_text(["新药获批临床。"])
        expect(page.locator(".feed-intro__address code")).to_have_text(live_server.url + "/feed/")
        expect(page.get_by_role("link", name="邮件订阅")).to_have_attribute("href", "/subscribe/")
        # The site's stylesheet applied: the masthead is in the newspaper red.
        color = page.locator(".masthead__title").evaluate("e => getComputedStyle(e).color")
        assert color == "rgb(168, 7, 26)"
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", page.locator(".feed-entry time").inner_text())
        assert page.evaluate(OWN_INLINE) == []
        context.close()

    def test_markup_in_a_headline_stays_text(self, browser, live_server, make_article):
        make_article("<b>粗</b><img src=x onerror=alert(1)>", standfirst="<i>斜</i> R&D “引号” 'x' &amp;")
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.goto(live_server.url + "/feed/")
        expect(page.locator(".feed-entry .card__headline a")).to_have_text(["<b>粗</b><img src=x onerror=alert(1)>"])
        # The summary is HTML-typed (escaped once): shown as a feed reader shows it, as text.
        expect(page.locator(".feed-entry .card__excerpt")).to_have_text(["<i>斜</i> R&D “引号” 'x' &amp;"])
        assert page.locator("main b, main i, main img").count() == 0
        context.close()
