"""A reader subscribes, confirms through the link in the mail a real SMTP server received, and
leaves through the unsubscribe link every email carries: Chromium, a live server, aiosmtpd."""
import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from newsroom.mailing import compose
from newsroom.mailing.models import Subscriber
from tests.smtpserver import smtp_server, use_smtp
from tests.test_browser_site import BLOCKING_IMPACTS, browser_test

CONFIRM_LINK = re.compile(r"http://\S+/subscribe/confirm/[^/\s]+/")


@pytest.fixture
def page(browser, csp_watch):
    context = csp_watch.watch(browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN"))
    yield context.new_page()
    context.close()


@pytest.fixture
def reference_zones(transactional_db):
    """The zones the data migration loads, which an earlier live-server test's flush may have
    removed; loading is idempotent."""
    from django.contrib.contenttypes.models import ContentType

    from zones.models import Zone
    from zones.reference import load_reference_zones

    ContentType.objects.clear_cache()
    load_reference_zones(Zone)


@pytest.fixture
def mail_server():
    with smtp_server() as server:
        yield server


@pytest.fixture
def site(live_server, settings, mail_server, reference_zones):
    """A live server whose tasks run at once and whose mail goes to the SMTP server on loopback."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.NEWSROOM_SITE_URL = live_server.url
    use_smtp(settings, mail_server, backend="django.core.mail.backends.smtp.EmailBackend")
    return live_server.url


def blocking_axe_violations(on_page) -> list[str]:
    violations = Axe().run(on_page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in violations if v["impact"] in BLOCKING_IMPACTS]


def text_of(received) -> str:
    return received.message.get_body(preferencelist=("plain",)).get_content()


@browser_test
class TestSubscribeInTheBrowser:
    def test_reader_subscribes_confirms_by_mail_and_leaves_with_one_click(self, page, site, mail_server):
        page.goto(site + "/")
        page.locator(".site-nav").get_by_role("link", name="订阅").click()
        expect(page.locator("h1")).to_have_text("订阅")
        assert blocking_axe_violations(page) == []

        page.get_by_label("电子邮件地址").fill("Reader@Example.com")
        page.locator("summary", has_text="按省份选择").click()
        page.locator("summary", has_text="四川省").click()
        page.get_by_label("成都高新区").check()
        page.get_by_role("button", name="订阅", exact=True).click()
        expect(page.locator("h1")).to_have_text("请查收确认邮件")

        [received] = mail_server.wait_for(1)
        assert received.rcpt_tos == ("reader@example.com",)
        assert str(received.message["Subject"]) == "请确认订阅《高新区通讯》"
        [confirm_url] = CONFIRM_LINK.findall(text_of(received))
        sub = Subscriber.objects.get()
        assert (sub.email, sub.status, [z.name for z in sub.zones.all()]) == ("reader@example.com", "pending", ["成都高新区"])

        page.goto(confirm_url)
        expect(page.locator("h1")).to_have_text("确认订阅")
        expect(page.locator("main")).to_contain_text("关注：成都高新区")
        sub.refresh_from_db()
        assert sub.status == "pending"  # opening the link (as a scanner would) confirms nothing
        assert blocking_axe_violations(page) == []
        page.get_by_role("button", name="确认订阅").click()
        expect(page.locator("h1")).to_have_text("订阅成功")
        sub.refresh_from_db()
        assert sub.status == "confirmed"

        page.get_by_role("link", name="管理订阅").click()
        expect(page.locator("h1")).to_have_text("管理订阅")
        expect(page.get_by_label("成都高新区")).to_be_checked()
        assert blocking_axe_violations(page) == []
        page.get_by_label("查找高新区").fill("mianyang")
        page.get_by_label("绵阳高新区").check()
        page.get_by_role("button", name="保存").click()
        expect(page.locator(".notice")).to_have_text("已保存您关注的高新区和话题。")
        assert sorted(z.name for z in sub.zones.all()) == ["成都高新区", "绵阳高新区"]

        # Every issue carries this link in List-Unsubscribe; the page behind it asks first.
        unsubscribe_url = compose.list_headers(sub)["List-Unsubscribe"].strip("<>")
        page.goto(site + urlsplit(unsubscribe_url).path)
        expect(page.locator("h1")).to_have_text("退订")
        sub.refresh_from_db()
        assert sub.status == "confirmed"
        assert blocking_axe_violations(page) == []
        page.get_by_role("button", name="确认退订").click()
        expect(page.locator("h1")).to_have_text("已退订")
        sub.refresh_from_db()
        assert sub.status == "unsubscribed"
        assert len(mail_server.messages) == 1  # nothing but the confirmation was ever sent

    def test_subscribe_page_fits_a_phone(self, browser, csp_watch, site):
        context = csp_watch.watch(browser.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN"))
        phone = context.new_page()
        phone.goto(site + "/subscribe/")
        phone.locator("summary", has_text="按省份选择").click()
        phone.locator("summary", has_text="四川省").click()
        assert phone.evaluate("document.documentElement.scrollWidth") == 360
        # Checkboxes a thumb can hit: each choice is a row at least 40 px high.
        box = phone.get_by_label("成都高新区").locator("xpath=..").bounding_box()
        assert box["height"] >= 40
        context.close()

    def test_a_zone_is_found_by_name_or_pinyin(self, page, site):
        page.goto(site + "/subscribe/")
        page.locator("summary", has_text="按省份选择").click()
        finder = page.get_by_label("查找高新区")
        visible = page.locator(".choice-list li:visible")
        finder.fill("chengdu")
        expect(visible).to_have_text(["成都高新区"])
        finder.fill("绵阳")
        expect(visible).to_have_text(["绵阳高新区"])
        page.get_by_label("绵阳高新区").check()
        finder.fill("")
        # Every province again, folded as before; the tick stays.
        expect(page.locator(".interests__group:visible")).to_have_count(page.locator(".interests__group").count())
        expect(visible).to_have_count(0)
        expect(page.get_by_label("绵阳高新区")).to_be_checked()
