"""The 数字报 in Chromium on a live server: a reader clicks an article on the printed page and
lands on it, on a desk and on a phone, and finds back issues in the calendar; axe, the Nu Html
Checker (through csp_watch) and the CSP watch every page."""
import pytest
from playwright.sync_api import expect

from newsroom.editions import printing
from newsroom.editions.models import PrintEdition
from tests.test_browser_site import FEATURE, browser_test, reference_zones  # noqa: F401 (a fixture)
from tests.test_browser_subscribe import blocking_axe_violations


@pytest.fixture
def printed_issue(imported_seed, settings, tmp_path):
    """The seed issue, published (which asked for its print edition) and printed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    requested = PrintEdition.objects.get(issue=imported_seed)
    printing.print_edition_make(imported_seed.pk, requested.generation)
    return PrintEdition.objects.get(issue=imported_seed)


@pytest.fixture
def page(browser, csp_watch):
    context = csp_watch.watch(browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN"))
    yield context.new_page()
    context.close()


def region(on_page, headline: str):
    return on_page.locator(f'.epaper-page__map a[aria-label="{headline}"]').first


@browser_test
@pytest.mark.usefixtures("reference_zones")
class TestEpaperInTheBrowser:
    def test_reader_clicks_an_article_on_the_page_and_lands_on_it(self, page, live_server, printed_issue, csp_watch):
        page.goto(live_server.url + "/epaper/1/")
        expect(page.locator("h1")).to_have_text("第1期 第1版")
        # The page image has loaded (a JPEG drawn from the PDF), and the regions lie on it.
        page.wait_for_function("() => document.querySelector('.epaper-page__image').naturalWidth > 0")
        assert blocking_axe_violations(page) == []
        box, sheet = region(page, FEATURE).bounding_box(), page.locator(".epaper-page__sheet").bounding_box()
        assert sheet["x"] <= box["x"] and box["x"] + box["width"] <= sheet["x"] + sheet["width"] + 1
        region(page, FEATURE).click()
        expect(page.locator("h1")).to_have_text(FEATURE)
        csp_watch.assert_clean(page)

    def test_keyboard_reaches_a_region_and_shows_its_outline(self, page, live_server, printed_issue):
        page.goto(live_server.url + "/epaper/1/")
        region(page, FEATURE).focus()
        stroke = region(page, FEATURE).locator("rect").evaluate("(rect) => getComputedStyle(rect).stroke")
        assert stroke == "rgb(168, 7, 26)"
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text(FEATURE)

    def test_page_list_and_article_list_lead_on(self, page, live_server, printed_issue):
        page.goto(live_server.url + "/epaper/1/")
        page.locator(".epaper-articles").get_by_role("link", name=FEATURE).click()
        expect(page.locator("h1")).to_have_text(FEATURE)
        page.goto(live_server.url + "/epaper/1/")
        page.get_by_role("link", name="下一版").click()
        expect(page.locator("h1")).to_have_text("第1期 第2版")
        expect(page.locator(".epaper-pages a[aria-current=page]")).to_have_text("第2版")
        page.get_by_role("link", name="第1版").click()
        expect(page).to_have_url(live_server.url + "/epaper/1/")

    def test_phone_shows_the_page_full_width_with_the_articles_beneath(self, browser, csp_watch, live_server, printed_issue):
        context = csp_watch.watch(browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                                      locale="zh-CN", is_mobile=True, has_touch=True))
        phone = context.new_page()
        phone.goto(live_server.url + "/epaper/1/")
        phone.wait_for_function("() => document.querySelector('.epaper-page__image').naturalWidth > 0")
        assert phone.evaluate("() => document.documentElement.scrollWidth") == 390
        image = phone.locator(".epaper-page__image").bounding_box()
        sheet = phone.locator(".epaper-page__sheet").evaluate("(sheet) => sheet.clientWidth")
        articles = phone.locator(".epaper-articles").bounding_box()
        # The picture fills the column (the page's width less its padding), and the list comes after it.
        assert (image["width"], articles["y"] > image["y"] + image["height"]) == (sheet, True)
        # Pinch zoom stays on, and 放大 opens the 1600 px picture.
        viewport = phone.locator('meta[name="viewport"]').get_attribute("content")
        assert viewport == "width=device-width, initial-scale=1"
        assert phone.get_by_role("link", name="放大").get_attribute("href").endswith("-1600.jpg")
        assert blocking_axe_violations(phone) == []
        region(phone, FEATURE).tap()
        expect(phone.locator("h1")).to_have_text(FEATURE)
        context.close()

    def test_calendar_leads_to_the_issue(self, page, live_server, printed_issue, csp_watch):
        page.goto(live_server.url + "/")
        page.locator(".site-nav").get_by_role("link", name="数字报").click()
        expect(page.locator("h1")).to_have_text("往期数字报")
        assert blocking_axe_violations(page) == []
        day = printed_issue.issue.date  # the import's default: today in Beijing
        page.get_by_role("link", name=f"{day.month}月{day.day}日 第1期").click()
        expect(page.locator("h1")).to_have_text("第1期 第1版")
        csp_watch.assert_clean(page)

    def test_issue_page_offers_the_epaper_and_the_pdf(self, page, live_server, printed_issue):
        page.goto(live_server.url + "/issues/1/")
        pdf_link = page.get_by_role("link", name="下载 PDF")
        expect(pdf_link).to_have_attribute("href", "/epaper/1/pdf/")
        response = page.request.get(live_server.url + "/epaper/1/pdf/")
        assert (response.status, response.headers["content-type"], response.body()[:5]) == (200, "application/pdf", b"%PDF-")
        page.get_by_role("link", name="阅读数字报").click()
        expect(page.locator("h1")).to_have_text("第1期 第1版")
