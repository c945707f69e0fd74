"""公众号版 in Chromium: 复制正文 puts the edition on the clipboard as rich HTML and as plain
text, exactly as the page holds it; 复制 puts a field's value; the page passes axe, the CSP
watch and the Nu Html Checker.

Locally these tests skip when /usr/bin/chromium is missing; in CI a missing browser fails.
"""
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from newsroom.editions.wechat import wechat_article
from tests.test_browser_admin import open_page, superuser  # noqa: F401  (fixtures)
from tests.test_browser_csp import reference_zones  # noqa: F401  (fixture)
from tests.test_browser_site import BLOCKING_IMPACTS
from tests.test_wechat_html import wechat_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SITE = "https://news.example.cn"  # tests.test_wechat_html checks pictures against it

READ_CLIPBOARD = """async () => {
  // Unsanitized: Chromium would otherwise parse the HTML into this page, under its CSP.
  const [item] = await navigator.clipboard.read({unsanitized: ["text/html"]});
  const read = async (type) => item.types.includes(type) ? (await item.getType(type)).text() : null;
  return {types: [...item.types].sort(), html: await read("text/html"), text: await read("text/plain")};
}"""


@pytest.fixture
def wechat_page(open_page, live_server, settings, imported_seed):  # noqa: F811
    settings.NEWSROOM_SITE_URL = SITE
    feature = imported_seed.articles.get(position=1)
    page = open_page(superuser("chief", "王芳"))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/admin/articles/article/{feature.pk}/change/")
    page.locator(".object-tools").get_by_role("link", name="公众号版").click()
    expect(page.get_by_role("heading", name="正文")).to_be_visible()
    return page, feature


@pytest.mark.usefixtures("reference_zones")
class TestWechatPage:
    def test_copy_body_puts_the_wechat_html_and_its_text_on_the_clipboard(self, wechat_page, csp_watch):
        page, feature = wechat_page
        edition = wechat_article(feature)
        page.get_by_role("button", name="复制正文").click()
        expect(page.get_by_role("status")).to_have_text("已复制正文，可以粘贴到公众号编辑器。")
        csp_watch.assert_clean(page)
        copied = page.evaluate(READ_CLIPBOARD)
        assert copied["types"] == ["text/html", "text/plain"]
        assert copied["html"] == edition.html
        assert wechat_problems(copied["html"]) == []
        assert copied["text"] == edition.text
        csp_watch.assert_clean(page)

    def test_copy_beside_a_field_puts_its_value(self, wechat_page, csp_watch):
        page, feature = wechat_page
        page.get_by_role("button", name="复制原文链接", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("已复制原文链接")
        copied = page.evaluate(READ_CLIPBOARD)
        assert copied["types"] == ["text/plain"]
        assert copied["text"] == f"{SITE}/articles/{feature.pk}/{feature.slug}/"
        csp_watch.assert_clean(page)

    def test_the_frame_shows_the_body_at_a_phones_width(self, wechat_page, csp_watch):
        page, _feature = wechat_page
        frame = page.frame_locator("iframe.wechat-phone")
        expect(frame.get_by_role("heading", name="“新”潮涌动")).to_be_visible()
        assert round(page.locator("iframe.wechat-phone").bounding_box()["width"]) == 377  # and its borders
        csp_watch.assert_clean(page)

    def test_the_page_has_no_serious_or_critical_axe_violations(self, wechat_page):
        page, _feature = wechat_page
        violations = Axe().run(page).response["violations"]
        assert [(v["id"], v["impact"]) for v in violations if v["impact"] in BLOCKING_IMPACTS] == []
