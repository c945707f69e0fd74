"""The email at the desk in a real browser: 预览邮件 in its frame at a phone's width, then a desktop's,
then its plain text; the subscribers' list and CSV import.

Screenshots go to $NEWSROOM_SCREENSHOT_DIR when it is set, else to the test's tmp_path.
"""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.test_browser_admin import open_page, superuser  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def html_check(html_check):
    """The pages pass the Nu Html Checker; the framed email is not a web page but mail: the
    table attributes Outlook needs (width, cellpadding, bgcolor) are obsolete in HTML5, so it
    is checked against the mail clients' rules instead (tests/test_email_html.py)."""
    keep = html_check._keep

    def keep_pages(response):
        if "/mail/html/" not in response.url:
            keep(response)

    html_check._keep = keep_pages
    return html_check


@pytest.fixture
def screenshots(tmp_path) -> Path:
    folder = Path(os.environ.get("NEWSROOM_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_preview_shows_the_email_at_phone_then_desktop_width(open_page, live_server, settings,  # noqa: F811
                                                                  make_issue, make_article, screenshots):
    settings.NEWSROOM_SITE_URL = live_server.url
    issue = make_issue(4, title="春季号")
    make_article("成都高新区发布新政", issue=issue, position=1, kicker="本刊讯",
                 standfirst="成都高新区今年新增企业一千家，研发投入增长两成。")
    make_article("草稿不该出现", issue=issue, position=2, status="draft")
    page = open_page(superuser("chief", "王芳"))
    page.goto(f"{live_server.url}/admin/newsroom/issue/{issue.pk}/change/")
    page.locator("#issue-mail").get_by_role("link", name="预览邮件").click()

    frame_element = page.locator("iframe.mail-preview__frame")
    expect(frame_element).to_have_attribute("width", "375")
    email = page.frame_locator("iframe.mail-preview__frame")
    expect(email.get_by_role("link", name="成都高新区发布新政")).to_be_visible()
    expect(email.get_by_text("草稿不该出现")).to_have_count(0)
    assert round(frame_element.bounding_box()["width"]) == 377  # 375 and a one-pixel border each side
    page.screenshot(path=str(screenshots / "mail-preview-phone.png"), full_page=True)

    page.get_by_role("link", name="电脑（700px）").click()
    expect(frame_element).to_have_attribute("width", "700")
    expect(page.get_by_role("link", name="电脑（700px）")).to_have_attribute("aria-current", "true")
    expect(email.get_by_role("link", name="成都高新区发布新政")).to_be_visible()
    assert round(frame_element.bounding_box()["width"]) == 702
    page.screenshot(path=str(screenshots / "mail-preview-desktop.png"), full_page=True)

    page.get_by_role("link", name="纯文本").click()
    expect(page.locator("pre.mail-preview__text")).to_contain_text("阅读全文：" + live_server.url + "/articles/")
    expect(page.locator("iframe")).to_have_count(0)


def test_subscribers_are_counted_imported_and_refused_by_line(open_page, live_server, tmp_path):  # noqa: F811
    from newsroom.mailing.models import Subscriber

    Subscriber.objects.create(email="reader@example.com", status="confirmed")
    page = open_page(superuser("chief", "王芳"))
    page.goto(f"{live_server.url}/admin/mailing/subscriber/")
    expect(page.locator(".subscriber-counts__confirmed")).to_have_text("1")
    page.get_by_role("link", name="导入 CSV").click()
    bad = tmp_path / "bad.csv"
    bad.write_text("email\nnew@example.com\nnot-an-address\n", encoding="utf-8")
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="检查并导入").click()
    expect(page.locator(".import-problems li")).to_have_text(["第 3 行：“not-an-address”不是有效的电子邮件地址。"])
    good = tmp_path / "good.csv"
    good.write_text("email\nnew@example.com\n", encoding="utf-8")
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="检查并导入").click()
    expect(page.locator(".messagelist")).to_contain_text("导入完成：新增 1 位，更新 0 位；已给 1 个新地址发确认邮件。")
    expect(page.locator(".subscriber-counts__pending")).to_have_text("1")
