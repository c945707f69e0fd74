"""Pictures on the public site in a real browser (issue 12, point 7): the pages that show
them pass axe, every picture has its box before its file arrives (no layout shift), and the
browser picks a rendition where one is made and the master where none is yet.

Every page is also checked by the Nu Html Checker and for CSP violations (csp_watch).
"""
import pytest
from axe_playwright_python.sync_playwright import Axe

from newsroom.models import Issue, Reporter
from newsroom.tasks import render_image
from tests.pictures import add_image
from tests.test_browser_site import BLOCKING_IMPACTS, browser_test

# Layout shifts since the page began, as Chromium reports them (the CLS metric's entries).
LAYOUT_SHIFT = """() => new Promise((resolve) => {
    let total = 0;
    new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) total += entry.value;
    }).observe({type: "layout-shift", buffered: true});
    setTimeout(() => resolve(total), 300);
})"""
# Each <img>: its attributes, the box it is laid out in, and the file the browser chose.
IMAGES = """() => [...document.querySelectorAll("main img")].map((img) => ({
    alt: img.alt, width: img.getAttribute("width"), height: img.getAttribute("height"),
    box: [Math.round(img.getBoundingClientRect().width), Math.round(img.getBoundingClientRect().height)],
    chosen: img.currentSrc.split("/").pop().replace(/^[0-9a-f]{20}/, "<sha>"),
    loaded: img.complete && img.naturalWidth > 0,
}))"""


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def page(browser, csp_watch):
    context = csp_watch.watch(browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN"))
    yield context.new_page()
    context.close()


@pytest.fixture
def pictured_site(live_server, media_root, make_issue, make_zone, make_article):
    """An issue with a cover, two articles with lead images (one with its renditions made, one
    waiting), a figure in the body, and a reporter's photo."""
    from articles.models import Article

    issue = make_issue(1, title="园区专刊")
    zone = make_zone("成都高新区")
    made = add_image(seed=1, width=1000, height=600, alt="成都高新区的研发大楼", caption="新落成的研发大楼", credit="张三")
    render_image.call(made.pk)
    waiting = add_image(seed=2, width=800, height=600, alt="签约仪式现场")
    figure, cover, photo = (add_image(seed=n, width=640, height=480, alt=alt) for n, alt in
                            ((3, "实验室里的科研人员"), (4, "第1期封面"), (5, "记者刘琴")))
    for image in (figure, cover):
        render_image.call(image.pk)
    article = make_article("园区新闻", issue=issue, zones=[zone], standfirst="导语。")
    other = make_article("签约仪式举行", issue=issue, position=2, zones=[zone])
    for row, image in ((article, made), (other, waiting)):
        row.lead_image = image
        row.save()
    Article.objects.filter(pk=article.pk).update(body=(
        f'<p>第一段。</p><figure data-image="{figure.pk}"><img src="/x.jpg" alt="{figure.alt}" width="640" '
        'height="480"><figcaption>科研人员在实验室<small>摄影 李四</small></figcaption></figure><p>第二段。</p>'
    ))
    Issue.objects.filter(pk=issue.pk).update(cover=cover)
    Reporter.objects.filter(name="刘琴").update(photo=photo)
    return {"url": live_server.url, "article": article.get_absolute_url()}


PAGES = {
    "article": lambda site: site["article"],
    "issue": lambda site: "/issues/1/",
    "issue archive": lambda site: "/issues/",
    "reporter": lambda site: "/reporters/liu-qin/",
    "home": lambda site: "/",
}


@browser_test
class TestPicturesInTheBrowser:
    @pytest.mark.parametrize("name", list(PAGES))
    def test_no_serious_axe_violation_and_no_layout_shift(self, page, pictured_site, name):
        page.goto(pictured_site["url"] + PAGES[name](pictured_site))
        page.wait_for_load_state("load")
        violations = Axe().run(page).response["violations"]
        blocking = [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}"
                    for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert blocking == []
        assert page.evaluate(LAYOUT_SHIFT) == 0
        images = page.evaluate(IMAGES)
        assert images and all(image["width"] and image["height"] for image in images)

    def test_the_article_page_chooses_renditions_and_keeps_each_box(self, page, pictured_site):
        page.goto(pictured_site["url"] + pictured_site["article"])
        page.locator(".story__body figure img").scroll_into_view_if_needed()
        page.wait_for_function("() => [...document.querySelectorAll('main img')].every((img) => img.complete)")
        shown = {image["alt"]: image for image in page.evaluate(IMAGES)}
        # The lead at its own ratio across the 684px column, from the AVIF rendition.
        lead = shown["成都高新区的研发大楼"]
        assert (lead["box"], lead["chosen"], lead["loaded"]) == ([684, 410], "<sha>-v1-original-960.avif", True)
        figure = shown["实验室里的科研人员"]
        assert (figure["box"], figure["chosen"], figure["loaded"]) == ([480, 360], "<sha>-v1-original-480.avif", True)
        # The related card's picture is still the master, cropped to 16:9 in a 12rem thumbnail.
        related = shown["签约仪式现场"]
        assert (related["box"], related["chosen"], related["loaded"]) == ([192, 108], "<sha>.jpg", True)
        assert page.locator(".story__lead figcaption").inner_text() == "新落成的研发大楼\n摄影 张三"

    @pytest.mark.parametrize("name", list(PAGES))
    def test_pictures_fit_a_phone(self, browser, csp_watch, pictured_site, name):
        """Nothing sticks out sideways at 360px: the thumbnails float inside their cards."""
        context = csp_watch.watch(browser.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN"))
        page = context.new_page()
        page.goto(pictured_site["url"] + PAGES[name](pictured_site))
        assert page.evaluate("document.documentElement.scrollWidth") == 360
        boxes = [image["box"] for image in page.evaluate(IMAGES)]
        context.close()
        assert boxes and all(0 < width <= 328 for width, _height in boxes)
