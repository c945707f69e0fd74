"""The editors' workspace in a real browser: write, preview, submit, publish, and edit conflicts.

Locally these tests skip when /usr/bin/chromium is missing; in CI (the CI environment
variable is set) a missing browser is a failure.
"""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from articles.models import Article
from newsroom.models import Reporter

# serialized_rollback keeps the roles and zones that migrations create between tests.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def superuser(username: str, full_name: str):
    # Superusers, not the role groups: rows made by data migrations do not survive the
    # flush between live-server tests reliably, and the roles have their own tests.
    return User.objects.create_superuser(username, password=f"{username}-password-1", first_name=full_name)


@pytest.fixture
def first_editor(db):
    return superuser("editor", "王芳")


@pytest.fixture
def second_editor(db):
    return superuser("editor2", "李明")


@pytest.fixture
def writer(first_editor):
    """The editor also writes, so a new article carries their byline."""
    Reporter.objects.create(name="王芳", user=first_editor)
    return first_editor


@pytest.fixture
def open_page(browser, live_server, csp_watch):
    """Logged-in pages under the CSP watch, closed before the test database is flushed.

    A page left open keeps talking to the live server after the test, and a request
    arriving after the flush would recreate rows and break the next test's restore.
    """
    contexts = []

    def open_as(user):
        context = csp_watch.watch(browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN"))
        contexts.append(context)
        return logged_in_page(context, live_server.url, user)

    yield open_as
    for context in contexts:
        context.close()


def logged_in_page(context, base_url: str, user):
    page = context.new_page()
    page.goto(base_url + "/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f"{user.username}-password-1")
    page.click("input[type=submit]")
    expect(page.locator("#editorial-dashboard")).to_be_visible()
    return page


def save_and_continue(page) -> None:
    page.click("input[name=_continue]")
    page.wait_for_load_state("networkidle")


class TestWritingAnArticle:
    def test_write_preview_submit_publish(self, open_page, live_server, writer):
        page = open_page(writer)
        page.goto(live_server.url + "/admin/articles/article/add/")
        page.fill("#id_headline", "济南高新区开放新格局")
        editor = page.locator(".ProseMirror[contenteditable=true]")
        editor.click()
        page.keyboard.type("济南高新区今年引进外资企业三十家。")
        save_and_continue(page)
        article = Article.objects.get(headline="济南高新区开放新格局")
        assert article.body == "<p>济南高新区今年引进外资企业三十家。</p>"
        assert [b.reporter.name for b in article.bylines.all()] == ["王芳"]

        preview = page.context.new_page()
        preview.goto(f"{live_server.url}/preview/articles/{article.pk}/")
        expect(preview.locator(".preview-banner")).to_contain_text("预览 · 草稿")
        expect(preview.locator("h1")).to_have_text("济南高新区开放新格局")
        assert preview.locator('meta[name="robots"]').get_attribute("content") == "noindex"

        page.select_option("#id_status", "review")
        save_and_continue(page)
        assert Article.objects.get(pk=article.pk).status == "review"
        page.select_option("#id_status", "published")
        save_and_continue(page)
        article.refresh_from_db()
        assert article.status == "published"

        reader = page.context.new_page()
        reader.goto(live_server.url + article.get_absolute_url())
        expect(reader.locator("h1")).to_have_text("济南高新区开放新格局")


class TestEditConflict:
    def test_second_save_is_refused_and_keeps_its_text(
        self, open_page, live_server, first_editor, second_editor, draft_article
    ):
        url = f"{live_server.url}/admin/articles/article/{draft_article.pk}/change/"
        first = open_page(first_editor)
        second = open_page(second_editor)
        first.goto(url)
        second.goto(url)

        first.fill("#id_headline", "成都高新区发布新政（一改）")
        save_and_continue(first)

        second.locator(".ProseMirror[contenteditable=true]").click()
        second.keyboard.press("End")
        second.keyboard.type("李明补充的一句话。")
        save_and_continue(second)

        expect(second.locator(".edit-conflict .errornote")).to_contain_text("之后王芳于")
        expect(second.locator(".ProseMirror[contenteditable=true]")).to_contain_text("李明补充的一句话。")
        assert Article.objects.get(pk=draft_article.pk).headline == "成都高新区发布新政（一改）"
        assert "李明补充的一句话" not in Article.objects.get(pk=draft_article.pk).body
