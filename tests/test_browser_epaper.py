"""The 数字报 in Chromium on a live server: a reader clicks an article on the printed page and
lands on it, on a desk and on a phone, and finds back issues in the calendar; axe, the Nu Html
Checker (through csp_watch) and the CSP watch every page."""
import pytest
import weasyprint
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.html import escape
from playwright.sync_api import expect

from articles.models import Article
from newsroom.editions.models import PrintEdition
from newsroom.editions.pages import page_images
from newsroom.freshness import content_changed
from newsroom.models import Issue
from tests.test_browser_site import FEATURE, browser_test, reference_zones  # noqa: F401 (a fixture)
from tests.test_browser_subscribe import blocking_axe_violations


def small_edition_html(articles) -> str:
    """Each article on a page of its own in three columns, as one link WeasyPrint records as rectangles."""
    stories = "".join(
        f'<section><a href="/articles/{a.pk}/"><h2>{escape(a.headline)}</h2>'
        + "".join(f"<p>{escape(p)}</p>" for p in a.plain_text.split("\n") if p.strip())
        + "</a></section>"
        for a in articles
    )
    return (
        '<html lang="zh-Hans"><head><style>@page { size: A3; margin: 2cm } body { font-size: 11pt }'
        ' section { columns: 3 } section + section { break-before: page }'
        ' a { display: block; color: inherit; text-decoration: none } h2 { break-after: avoid }</style></head>'
        f"<body>{stories}</body></html>"
    )


def regions_of(page, ids: dict[str, int]) -> list[dict]:
    """Each article's link rectangles as fractions of the page, less those inside a larger one of
    the same article (WeasyPrint records every box of a link: the block, its heading, its lines)."""
    found = [(ids[target], rect) for _type, target, rect, *_ in page.links if target in ids]

    def inside(inner, outer):
        return inner != outer and outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]

    kept = []
    for article, rect in found:
        if any(a == article and inside(rect, other) for a, other in found) or (article, rect) in kept:
            continue
        kept.append((article, rect))
    return [{"article": article, "x": x1 / page.width, "y": y1 / page.height,
             "w": (x2 - x1) / page.width, "h": (y2 - y1) / page.height} for article, (x1, y1, x2, y2) in kept]


def print_small_edition(issue_id: int, generation: int) -> None:
    """The issue's published articles printed by WeasyPrint, drawn by page_images and stored as the
    print pipeline stores them; a stand-in for newsroom.editions.printing.print_edition_make (same
    arguments) until it is merged."""
    issue = Issue.objects.get(pk=issue_id)
    articles = list(Article.objects.published().filter(issue=issue).order_by("position"))
    document = weasyprint.HTML(string=small_edition_html(articles), base_url="http://localhost/").render()
    pdf = document.write_pdf()
    ids = {f"http://localhost/articles/{a.pk}/": a.pk for a in articles}
    folder = f"editions/{issue.number}/{generation}-000000000000"
    pages = []
    for laid_out, drawn in zip(document.pages, page_images(pdf), strict=True):
        number = drawn["number"]
        images = {str(w): default_storage.save(f"{folder}/{number}-{w}.jpg", ContentFile(jpeg)) for w, jpeg in drawn["jpeg"].items()}
        regions = regions_of(laid_out, ids)
        pages.append({
            "number": number, "width": drawn["width"], "height": drawn["height"], "images": images,
            "image_size": {str(w): list(size) for w, size in drawn["size"].items()},
            "articles": list(dict.fromkeys(r["article"] for r in regions)), "regions": regions,
        })
    PrintEdition.objects.filter(issue=issue, generation=generation).update(
        status=PrintEdition.Status.READY, page_count=len(pages), pages=pages,
        pdf=default_storage.save(f"{folder}/issue.pdf", ContentFile(pdf)), pdf_size=len(pdf),
    )
    content_changed()


@pytest.fixture
def printed_issue(imported_seed, settings, tmp_path):
    """The seed issue, published (which asked for its print edition) and printed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    requested = PrintEdition.objects.get(issue=imported_seed)
    print_small_edition(imported_seed.pk, requested.generation)  # at merge: printing.print_edition_make
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
