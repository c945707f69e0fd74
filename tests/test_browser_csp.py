"""The Content-Security-Policy in Chromium: every public page and every admin tool works with
no violation (the csp_watch fixture fails the test on any report or uncaught script error).

Locally these tests skip when /usr/bin/chromium is missing; in CI a missing browser fails.
"""
import json
import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect
from taggit.models import Tag

from articles.models import Article
from newsroom.models import Issue, Reporter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FEATURE = "国家高新区忙开局奋力“开门红”"


@pytest.fixture
def reference_zones(transactional_db):
    """The zones of the data migration, which an earlier live-server flush may have removed."""
    from django.contrib.contenttypes.models import ContentType

    from zones.models import Zone
    from zones.reference import load_reference_zones

    ContentType.objects.clear_cache()
    load_reference_zones(Zone)


@pytest.fixture
def seed(reference_zones, imported_seed):
    """The seed issue, published, with the topic 科技创新 on its feature."""
    feature = imported_seed.articles.get(position=1)
    feature.tags.add("科技创新")
    return imported_seed


@pytest.fixture
def editor(db):
    user = User.objects.create_superuser("editor", password="editor-password-1", first_name="王芳")
    Reporter.objects.create(name="王芳", user=user)
    return user


@pytest.fixture
def browse(browser, live_server, csp_watch):
    """browse(path, user=None) -> a page of a new watched context, signed in when a user is given."""
    contexts = []

    def open_page(path, user=None):
        context = csp_watch.watch(browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN"))
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            sign_in(page, live_server.url, user)
        page.goto(live_server.url + path)
        return page

    yield open_page
    # Closed before the database is flushed: a page left open could still be talking to it.
    for context in contexts:
        context.close()


def sign_in(page, base_url, user) -> None:
    page.goto(base_url + "/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f"{user.username}-password-1")
    page.click("input[type=submit]")
    expect(page.locator("#editorial-dashboard")).to_be_visible()


def save_and_continue(page) -> None:
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist .success")).to_be_visible()


PUBLIC_PAGES = {
    "home": ("/", "第1期"),
    "issue": ("/issues/1/", "第1期"),
    "article": (lambda issue: feature_path(issue), FEATURE),
    "zones": ("/zones/", "国家高新区名录"),
    "zone": ("/zones/cheng-du-gao-xin-qu/", "成都高新区"),
    "reporter": ("/reporters/liu-qin/", "刘琴"),
    "tag": (lambda issue: f"/tags/{topic_slug()}/", "科技创新"),
    "search with filters": (lambda issue: f"/search/?q=高新&zone=cheng-du-gao-xin-qu&tag={topic_slug()}", "搜索"),
    "not found": ("/no-such-page/", "页面不存在"),
}


def topic_slug() -> str:
    return Tag.objects.get(name="科技创新").slug


def feature_path(issue) -> str:
    return issue.articles.get(position=1).get_absolute_url()


class TestPublicPages:
    @pytest.mark.parametrize("name", list(PUBLIC_PAGES))
    def test_page_renders_without_violations(self, browse, seed, csp_watch, name):
        path, heading = PUBLIC_PAGES[name]
        page = browse(path(seed) if callable(path) else path)
        expect(page.locator("h1").first).to_have_text(heading)
        expect(page.locator("link[rel=stylesheet]").first).to_have_attribute("href", re.compile("site.css"))
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 253, 248)"
        csp_watch.assert_clean(page)

    def test_search_results_and_filters_work(self, csp_watch, browse, seed):
        page = browse("/search/?q=高新")
        expect(page.locator("#results-heading")).to_have_text("找到 2 篇")
        page.click(".search-form__more summary")  # folded while no filter is set
        page.select_option("#id_zone", "cheng-du-gao-xin-qu")
        page.click(".search-form button[type=submit]")
        expect(page.locator("#results-heading")).to_have_text("找到 1 篇")
        expect(page.locator(".card__headline")).to_have_text([FEATURE])
        csp_watch.assert_clean(page)

    def test_json_ld_is_read_as_data(self, csp_watch, browse, seed):
        page = browse(feature_path(seed))
        data = json.loads(page.locator('script[type="application/ld+json"]').text_content())
        assert (data["@type"], data["headline"]) == ("NewsArticle", FEATURE)
        csp_watch.assert_clean(page)


class TestAdmin:
    def test_login_and_dashboard(self, csp_watch, browse, editor):
        page = browse("/admin/", user=editor)
        expect(page.locator("#dashboard-review")).to_be_visible()
        csp_watch.assert_clean(page)

    def test_changelist_selects_rows_and_runs_an_action(self, csp_watch, browse, editor, make_article):
        drafts = [make_article(f"草稿{n}", status="draft", position=n) for n in (1, 2, 3)]
        page = browse("/admin/articles/article/?o=3", user=editor)  # by position
        rows = page.locator("#result_list input.action-select")
        rows.nth(0).check()
        rows.nth(2).check()
        expect(page.locator(".action-counter")).to_have_text("选中了 3 个中的 2 个")
        page.select_option("select[name=action]", "submit_for_review")
        page.click("button[name=index]")
        expect(page.locator(".messagelist .success")).to_have_text("已提交待审 2 篇文章。")
        statuses = dict(Article.objects.filter(pk__in=[d.pk for d in drafts]).values_list("headline", "status"))
        assert statuses == {"草稿1": "review", "草稿2": "draft", "草稿3": "review"}
        csp_watch.assert_clean(page)

    def test_locked_out_user_sees_why_and_an_editor_unlocks(self, csp_watch, browse, editor):
        User.objects.create_user("liuqin", password="liuqin-password-1", is_staff=True)
        page = browse("/admin/login/")
        for password in ["wrong"] * 5:
            page.fill("#id_username", "liuqin")
            page.fill("#id_password", password)
            page.click("input[type=submit]")
        expect(page.locator(".errornote")).to_contain_text("登录失败次数过多，此账号已被锁定 15 分钟")
        desk = browse("/admin/", user=editor)
        desk.click("a >> text=登录失败记录")
        desk.check("#result_list input.action-select")
        desk.select_option("select[name=action]", "unlock")
        desk.click("button[name=index]")
        expect(desk.locator(".messagelist .success")).to_have_text("已解锁：liuqin（127.0.0.1）。现在可以重新登录。")
        page.fill("#id_password", "liuqin-password-1")
        page.click("input[type=submit]")
        expect(page.locator("#editorial-dashboard")).to_be_visible()
        csp_watch.assert_clean(page, desk)

    def test_rich_text_editor_formats_links_and_saves(self, csp_watch, browse, editor):
        page = browse("/admin/articles/article/add/", user=editor)
        page.fill("#id_headline", "编辑器测试")
        body = page.locator(".ProseMirror[contenteditable=true]")
        body.click()
        page.keyboard.type("小标题")
        page.click(".prose-menubar__selected")  # the block menu
        page.click(".prose-menubar__option[data-name=heading2]")
        # Menu clicks may leave the focus on the menu: pressing on the editor focuses it first.
        # Each Enter waits for the caret to be collapsed at the end: under load, an Enter
        # that still had the selected words replaced them with an empty paragraph.
        bold = page.locator(".prose-menubar__button[data-name=bold]")
        body.press("End")
        wait_for_collapsed_caret(page)
        body.press("Enter")
        page.keyboard.type("加粗的词")
        expect(body.locator("p").last).to_have_text("加粗的词")
        page.keyboard.press("Shift+Home")
        bold.click()
        expect(body.locator("strong")).to_have_text("加粗的词")
        expect(bold).to_have_class(re.compile(r"\bactive\b"))
        body.press("End")
        wait_for_collapsed_caret(page)
        bold.click()
        expect(bold).not_to_have_class(re.compile(r"\bactive\b"))
        body.press("Enter")
        page.keyboard.type("链接")
        # Select only once the words are in the editor: under load the keys can still be on
        # their way, Shift+Home on an empty line selects nothing and the link button stays off.
        expect(body.locator("p").last).to_have_text("链接")
        page.keyboard.press("Shift+Home")
        # And click the link button only once the words are selected: a click on a collapsed
        # caret opens no dialog (CI, under load, waited 30 s for one).
        page.wait_for_function("() => window.getSelection().toString() === '链接'")
        page.click(".prose-menubar__button[data-name=link]")
        page.fill(".prose-editor-dialog input[name=href]", "https://example.com/a")
        page.fill(".prose-editor-dialog input[name=title]", "示例")
        page.click(".prose-editor-dialog button[type=submit]")
        expect(body.locator("a")).to_have_attribute("href", "https://example.com/a")
        save_and_continue(page)
        article = Article.objects.get(headline="编辑器测试")
        assert article.body == (
            "<h2>小标题</h2><p><strong>加粗的词</strong></p>"
            '<p><a href="https://example.com/a" title="示例" rel="noopener noreferrer nofollow">链接</a></p>'
        )
        csp_watch.assert_clean(page)

    def test_autocomplete_widgets_and_a_new_byline_row(self, csp_watch, browse, editor, seed, draft_article):
        Reporter.objects.get_or_create(name="韩霄鹏")
        page = browse(f"/admin/articles/article/{draft_article.pk}/change/", user=editor)
        choose(page, "#id_issue", "第1期", typed="1")
        page.click("#id_tags + .select2 .select2-search__field")
        page.keyboard.type("科技")
        page.click(".select2-results__option >> text=科技创新")
        page.click("#bylines-group .add-row a")
        choose(page, "#id_bylines-1-reporter", "韩霄鹏", typed="韩")
        page.select_option("#id_bylines-1-role", index=1)
        save_and_continue(page)
        draft_article.refresh_from_db()
        assert draft_article.issue.number == 1
        assert list(draft_article.tags.names()) == ["科技创新"]
        assert [b.reporter.name for b in draft_article.bylines.order_by("position", "id")] == ["刘琴", "韩霄鹏"]
        csp_watch.assert_clean(page)

    def test_calendar_and_clock_popups(self, csp_watch, browse, editor, draft_article):
        page = browse(f"/admin/articles/article/{draft_article.pk}/change/", user=editor)
        page.click("#calendarlink0")
        expect(page.locator("#calendarbox0")).to_be_visible()
        page.click("#calendarin0 td a >> text=15")
        expect(page.locator("#id_publish_at_0")).to_have_value(re.compile(r"^\d{4}/\d{2}/15$"))
        page.click("#clocklink0")
        expect(page.locator("#clockbox0")).to_be_visible()
        page.locator("#clockbox0 .timelist a").nth(3).click()  # 现在, 午夜, 上午6点, 中午
        expect(page.locator("#id_publish_at_1")).to_have_value("12:00")
        csp_watch.assert_clean(page)

    def test_revision_history_compare_and_restore(self, csp_watch, browse, editor, draft_article):
        page = browse(f"/admin/articles/article/{draft_article.pk}/change/", user=editor)
        page.fill("#id_headline", "第一次修改")
        save_and_continue(page)
        page.fill("#id_headline", "第二次修改")
        save_and_continue(page)
        page.goto(page.url.replace("/change/", "/history/"))
        page.click("#revision-history input[type=submit]")
        expect(page.locator(".diff-table del")).to_have_text(["一"])
        expect(page.locator(".diff-table ins")).to_have_text(["二"])
        assert page.evaluate("getComputedStyle(document.querySelector('.diff-table')).tableLayout") == "fixed"
        page.go_back()
        page.click("#revision-history tbody tr:nth-child(2) th a")
        page.click("input[value=恢复到这一版]")
        expect(page.locator(".messagelist .success")).to_contain_text("已恢复到第")
        assert Article.objects.get(pk=draft_article.pk).headline == "第一次修改"
        csp_watch.assert_clean(page)

    def test_issue_form_and_import(self, csp_watch, browse, editor, reference_zones, seed_path):
        issue = Issue.objects.create(number=7, date="2025-01-06")
        page = browse(f"/admin/newsroom/issue/{issue.pk}/change/", user=editor)
        page.click("#calendarlink0")
        page.click("#calendarin0 td a >> text=20")
        expect(page.locator("#id_date")).to_have_value("2025/01/20")
        page.goto(page.url.split("/admin/")[0] + "/admin/newsroom/issue/import/")
        page.set_input_files("input[type=file]", str(seed_path))
        page.fill("input[name=number]", "8")
        page.click("input[type=submit]")
        expect(page.locator("#import-plan tbody tr")).to_have_count(2)
        page.click("input[name=_confirm]")
        expect(page.locator(".messagelist .success")).to_be_visible()
        assert Issue.objects.get(number=8).articles.count() == 2
        csp_watch.assert_clean(page)

    def test_preview_pages(self, csp_watch, browse, editor, draft_article, make_issue):
        make_issue(3, status="draft")
        page = browse(f"/preview/articles/{draft_article.pk}/", user=editor)
        banner = page.locator(".preview-banner")
        expect(banner).to_contain_text("预览 · 草稿")
        assert banner.evaluate("e => [getComputedStyle(e).position, getComputedStyle(e).backgroundColor]") == [
            "sticky", "rgb(180, 83, 9)",
        ]
        page.goto(page.url.split("/preview/")[0] + "/preview/issues/3/")
        expect(page.locator(".preview-banner")).to_be_visible()
        csp_watch.assert_clean(page)


def wait_for_collapsed_caret(page) -> None:
    page.wait_for_function("() => { const s = window.getSelection(); return s.rangeCount > 0 && s.isCollapsed; }")


def choose(page, select: str, option: str, *, typed: str) -> None:
    """Pick `option` in the admin's select2 autocomplete for `select`, typing `typed` first."""
    page.click(f"{select} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", typed)
    page.click(f".select2-results__option >> text={option}")
