"""The public site in a real browser: Playwright for Python driving Debian's Chromium.

Locally these tests skip when /usr/bin/chromium is missing; in CI (the CI environment
variable is set) a missing browser is a failure, so they can never be skipped silently.
Screenshots go to $NEWSROOM_SCREENSHOT_DIR when it is set (docs/screenshots/ for the
README), otherwise to a temporary folder.
"""
import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.conftest import require_chromium

WIDTHS = {"phone": (360, 780), "desktop": (1440, 1000)}
FEATURE = "国家高新区忙开局奋力“开门红”"
BLOCKING_IMPACTS = {"serious", "critical"}



def browser_test(cls):
    """Marks a class of browser tests. The live server runs in another thread, so the data
    must be committed; serialized_rollback restores the reference zones afterwards."""
    cls = pytest.mark.browser(cls)
    return pytest.mark.django_db(transaction=True, serialized_rollback=True)(cls)


@pytest.fixture
def page(browser, csp_watch):
    context = csp_watch.watch(browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN"))
    yield context.new_page()
    context.close()


@pytest.fixture
def reference_zones(transactional_db):
    """The zones the data migration loads, which an earlier live-server test's flush may
    have removed when its rollback could not restore them; loading is idempotent."""
    from django.contrib.contenttypes.models import ContentType

    from zones.models import Zone
    from zones.reference import load_reference_zones

    ContentType.objects.clear_cache()
    load_reference_zones(Zone)


@pytest.fixture
def imported_seed(reference_zones, imported_seed):
    return imported_seed


@pytest.fixture
def site(live_server, imported_seed):
    """The seed issue, published, behind a live server."""
    return live_server.url


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    path = Path(os.environ.get("NEWSROOM_SCREENSHOT_DIR") or tmp_path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def feature_path(issue) -> str:
    return issue.articles.get(position=1).get_absolute_url()


@browser_test
class TestReading:
    def test_reader_follows_links_from_home_to_article_zone_issue_and_reporter(self, page, site):
        page.goto(site + "/")
        expect(page.locator("h1")).to_have_text("第1期")

        page.get_by_role("link", name=FEATURE).first.click()
        expect(page.locator("h1")).to_have_text(FEATURE)
        expect(page.locator(".story__body h2")).to_have_text(["“新”潮涌动", "“谋”上发力", "“优”无止境"])
        expect(page.locator(".story__meta .byline")).to_have_text("刘琴")

        page.locator(".chips").get_by_role("link", name="成都高新区").click()
        expect(page.locator("h1")).to_have_text("成都高新区")
        expect(page.locator(".facts")).to_contain_text("成都高新技术产业开发区")
        expect(page.locator(".card__headline")).to_have_text([FEATURE])

        page.locator(".card__issue").first.click()
        expect(page).to_have_url(site + "/issues/1/")
        expect(page.locator(".toc .card__headline")).to_have_text([FEATURE, "济南高新区探索对外开放新格局"])

        page.get_by_role("link", name="韩霄鹏").click()
        expect(page).to_have_url(site + "/reporters/han-xiao-peng/")
        expect(page.locator("h1")).to_have_text("韩霄鹏")
        expect(page.locator(".card__headline")).to_have_text(["济南高新区探索对外开放新格局"])

    def test_header_search_box_goes_to_the_search_page(self, page, site):
        page.goto(site + "/")
        page.get_by_role("searchbox", name="搜索文章").fill("高新")
        page.get_by_role("button", name="搜索").click()
        expect(page).to_have_url(re.compile(r"/search/\?q=%E9%AB%98%E6%96%B0$"))


PAGE_TYPES = {
    "home": lambda issue: "/",
    "issue archive": lambda issue: "/issues/",
    "issue": lambda issue: "/issues/1/",
    "article": feature_path,
    "zone directory": lambda issue: "/zones/",
    "zone": lambda issue: "/zones/cheng-du-gao-xin-qu/",
    "reporter": lambda issue: "/reporters/liu-qin/",
    "not found": lambda issue: "/no-such-page/",
}


@browser_test
class TestAccessibility:
    @pytest.mark.parametrize("page_type", list(PAGE_TYPES))
    def test_page_has_no_serious_or_critical_axe_violations(self, page, site, imported_seed, page_type):
        page.goto(site + PAGE_TYPES[page_type](imported_seed))
        violations = Axe().run(page).response["violations"]
        blocking = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in violations
            if v["impact"] in BLOCKING_IMPACTS
        ]
        assert blocking == []


@browser_test
class TestResponsiveLayout:
    @pytest.mark.parametrize("device", list(WIDTHS))
    @pytest.mark.parametrize("name", ["home", "article"])
    def test_page_fits_the_width_and_is_screenshotted(
        self, browser, csp_watch, site, imported_seed, screenshot_dir, name, device
    ):
        width, height = WIDTHS[device]
        context = csp_watch.watch(browser.new_context(
            viewport={"width": width, "height": height},
            device_scale_factor=2 if device == "phone" else 1,
            locale="zh-CN",
        ))
        page = context.new_page()
        page.goto(site + PAGE_TYPES[name](imported_seed))
        # Nothing may stick out sideways: a phone reader must never scroll horizontally.
        assert page.evaluate("document.documentElement.scrollWidth") == width
        path = screenshot_dir / f"{name}-{device}.png"
        page.screenshot(path=str(path))
        context.close()
        assert path.stat().st_size > 10_000


@browser_test
class TestTypography:
    def test_article_body_is_set_for_chinese_reading(self, page, site, imported_seed):
        page.goto(site + feature_path(imported_seed))
        style = page.evaluate(
            """() => {
                const body = getComputedStyle(document.querySelector('.story__body'));
                const story = document.querySelector('.story');
                return {
                    align: body.textAlign,
                    lineHeight: parseFloat(body.lineHeight) / parseFloat(body.fontSize),
                    measureEm: story.getBoundingClientRect().width / parseFloat(body.fontSize),
                    font: getComputedStyle(document.body).fontFamily,
                };
            }"""
        )
        assert style["align"] == "justify"
        assert 1.6 <= style["lineHeight"] <= 1.9
        assert 34 <= style["measureEm"] <= 40
        # Latin faces first, so digits and Latin words use them; CJK faces after.
        fonts = [f.strip().strip('"') for f in style["font"].split(",")]
        assert fonts.index("Arial") < fonts.index("PingFang SC") < fonts.index("Noto Sans CJK SC")

    def test_emphasis_is_bold_never_italic(self, page, site):
        page.goto(site + "/")
        style = page.evaluate(
            """() => {
                const em = document.createElement('em');
                em.textContent = '强调';
                document.querySelector('main').append(em);
                const s = getComputedStyle(em);
                return [s.fontStyle, s.fontWeight];
            }"""
        )
        assert style == ["normal", "700"]

    def test_print_hides_navigation_and_search(self, page, site, imported_seed):
        page.goto(site + feature_path(imported_seed))
        page.emulate_media(media="print")
        expect(page.locator(".site-nav")).to_be_hidden()
        expect(page.locator(".search")).to_be_hidden()
        expect(page.locator(".story__headline")).to_be_visible()


# The advance of a few characters in the element's own font, in em of its font size.
GLYPH_WIDTHS = """(selector) => {
    const host = document.querySelector(selector);
    const size = parseFloat(getComputedStyle(host).fontSize);
    const width = (text) => {
        const span = document.createElement('span');
        span.textContent = text;
        host.append(span);
        const em = span.getBoundingClientRect().width / size;
        span.remove();
        return Math.round(em * 100) / 100;
    };
    const latin = width('Zone 2025');
    // The same Latin text without the punctuation face must be exactly as wide.
    const stack = getComputedStyle(host).fontFamily;
    host.style.fontFamily = stack.split(',').slice(1).join(',');
    const latinWithout = width('Zone 2025');
    host.style.fontFamily = '';
    // Full-width forms are for the CJK faces' punctuation; Latin text must not widen.
    host.style.fontVariantEastAsian = 'normal';
    const latinProportional = width('Zone 2025');
    host.style.fontVariantEastAsian = '';
    return {quote: width('“'), ellipsis: width('……'), dash: width('——'), comma: width('、'),
            latinKept: latin === latinWithout && latin === latinProportional,
            first: stack.split(',')[0].replace(/"/g, '')};
}"""
FULL_WIDTH = {"quote": 1.0, "ellipsis": 2.0, "dash": 2.0, "comma": 1.0}


@browser_test
class TestChinesePunctuation:
    """Issue 9: Chinese punctuation is full-width from a CJK face; Latin keeps Latin faces."""

    def test_article_body_sets_quotes_and_ellipsis_full_width(self, page, site, imported_seed):
        """In the serif article body, “ is 1 em, …… and —— 2 em wide; Latin text keeps its face."""
        page.goto(site + feature_path(imported_seed))
        widths = page.evaluate(GLYPH_WIDTHS, ".story__body p")
        assert {k: widths[k] for k in FULL_WIDTH} == FULL_WIDTH
        assert (widths["latinKept"], widths["first"].startswith("CJK Punctuation")) == (True, True)

    def test_sans_text_sets_punctuation_full_width(self, page, site, imported_seed):
        """The sans-serif navigation sets the same punctuation full-width."""
        page.goto(site + "/")
        widths = page.evaluate(GLYPH_WIDTHS, ".site-nav")
        assert {k: widths[k] for k in FULL_WIDTH} == FULL_WIDTH
        assert (widths["latinKept"], widths["first"].startswith("CJK Punctuation")) == (True, True)

    def test_admin_sets_punctuation_full_width(self, page, site):
        """The admin (its sign-in page) sets the same punctuation full-width."""
        page.goto(site + "/admin/login/")
        widths = page.evaluate(GLYPH_WIDTHS, "#content")
        assert {k: widths[k] for k in FULL_WIDTH} == FULL_WIDTH
        assert (widths["latinKept"], widths["first"].startswith("CJK Punctuation")) == (True, True)


@browser_test
class TestSearchOnAPhone:
    """Issue 9: on a phone the search filters fold away so the results come first."""

    def test_first_result_is_in_the_first_screen(self, browser, csp_watch, site):
        """At 390 px wide the first result starts within the top 450 px (it was ~800 px)."""
        context = csp_watch.watch(browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN"))
        page = context.new_page()
        page.goto(site + "/search/?q=高新区")
        top = page.locator(".card__headline").first.bounding_box()["y"]
        filters_shown = page.locator("#id_zone").is_visible()
        context.close()
        assert (top < 450, filters_shown) == (True, False), top

    def test_a_set_filter_keeps_the_filters_open(self, page, site):
        """When a filter is set, the filters are shown so it can be changed."""
        page.goto(site + "/search/?q=高新区&zone=ji-nan-gao-xin-qu")
        assert page.locator("#id_zone").is_visible() is True


class TestBrowserRequirement:
    """Without Chromium the browser tests skip locally, but fail in CI."""

    def test_missing_chromium_skips_locally(self, monkeypatch, tmp_path):
        monkeypatch.setattr("tests.conftest.CHROMIUM", tmp_path / "chromium")
        monkeypatch.delenv("CI", raising=False)
        with pytest.raises(pytest.skip.Exception, match="not found: install Debian's chromium"):
            require_chromium()

    def test_missing_chromium_fails_in_ci(self, monkeypatch, tmp_path):
        monkeypatch.setattr("tests.conftest.CHROMIUM", tmp_path / "chromium")
        monkeypatch.setenv("CI", "true")
        with pytest.raises(pytest.fail.Exception, match="CI is set but"):
            require_chromium()
