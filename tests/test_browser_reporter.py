"""A reporter set up as the README says, in a real browser: sign in, write, submit, lose nothing.

Locally these tests skip when /usr/bin/chromium is missing; in CI (the CI environment
variable is set) a missing browser is a failure.
"""

import importlib

import pytest
from django.contrib.auth.models import Group, Permission, User
from playwright.sync_api import expect

from articles.models import Article
from newsroom.models import Reporter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def reporter_role(db):
    """The 记者 group as the roles migration makes it. Rows made by data migrations do not
    reliably survive the flush between live-server tests, so they are made again here."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    roles = importlib.import_module("newsroom.migrations.0002_roles")
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    group, _ = Group.objects.get_or_create(name=roles.REPORTER)
    for app_label, codename in roles.REPORTER_PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return group


@pytest.fixture
def pages(browser, live_server, csp_watch):
    """New browser contexts under the CSP watch, closed before the database is flushed."""
    contexts = []

    def new_page():
        context = csp_watch.watch(browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN"))
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    expect(page.locator("#editorial-dashboard")).to_be_visible()


def save_and_continue(page) -> None:
    page.click("input[name=_continue]")
    page.wait_for_load_state("networkidle")


def set_up_reporter_as_the_readme_says(page, base_url: str) -> None:
    """用户 → 增加 (name, password), then the 记者 group; 记者 → 增加 with 登录账号. No 职员状态."""
    page.goto(base_url + "/admin/auth/user/add/")
    page.fill("#id_username", "zhaolei")
    page.fill("#id_password1", "zhaolei-password-1")
    page.fill("#id_password2", "zhaolei-password-1")
    save_and_continue(page)
    page.select_option("#id_groups_from", label="记者")
    page.click("#id_groups_add")
    save_and_continue(page)
    page.goto(base_url + "/admin/newsroom/reporter/add/")
    page.fill("#id_name", "赵磊")
    page.click("#id_user + .select2 .select2-selection")
    page.keyboard.type("zhaolei")
    page.locator(".select2-results__option", has_text="zhaolei").click()
    page.click("input[name=_save]")
    page.wait_for_load_state("networkidle")


class TestReporterPath:
    def test_reporter_signs_in_writes_and_submits_losing_nothing(self, pages, live_server, reporter_role):
        """Set up from the README alone, a reporter signs in, writes, is refused once, keeps the text, submits."""
        User.objects.create_superuser("editor", password="editor-password-1", first_name="王芳")
        editor = pages()
        sign_in(editor, live_server.url, "editor", "editor-password-1")
        set_up_reporter_as_the_readme_says(editor, live_server.url)
        account = User.objects.get(username="zhaolei")
        assert (account.is_staff, list(account.groups.values_list("name", flat=True))) == (False, ["记者"])
        assert Reporter.objects.get(name="赵磊").user == account

        page = pages()
        sign_in(page, live_server.url, "zhaolei", "zhaolei-password-1")
        page.goto(live_server.url + "/admin/articles/article/add/")
        page.fill("#id_headline", "济南高新区新增企业")
        page.locator(".ProseMirror[contenteditable=true]").click()
        page.keyboard.type("济南高新区今年新增企业三百家。")
        save_and_continue(page)
        article = Article.objects.get(headline="济南高新区新增企业")
        assert [b.reporter.name for b in article.bylines.all()] == ["赵磊"]
        assert page.locator("#id_status option").evaluate_all("options => options.map(o => o.value)") == [
            "draft", "review"
        ]

        # An editor saves the draft while the reporter is still typing: the save is refused.
        article.standfirst = "编辑补的导语"
        article.save()
        page.fill("#id_headline", "济南高新区新增企业三百家")
        page.locator(".ProseMirror[contenteditable=true]").click()
        page.keyboard.press("End")
        page.keyboard.type("其中高新技术企业一百家。")
        save_and_continue(page)
        expect(page.locator(".edit-conflict .errornote")).to_have_count(1)
        expect(page.locator("#id_headline")).to_have_value("济南高新区新增企业三百家")
        expect(page.locator(".ProseMirror[contenteditable=true]")).to_contain_text(
            "济南高新区今年新增企业三百家。其中高新技术企业一百家。"
        )
        assert Article.objects.get(pk=article.pk).headline == "济南高新区新增企业"

        # The conflict box shows the editor's change; saving again after reading it is the
        # documented choice that the reporter's form wins, standfirst included.
        expect(page.locator(".edit-conflict")).to_contain_text("编辑补的导语")
        save_and_continue(page)
        page.select_option("#id_status", "review")
        save_and_continue(page)
        article.refresh_from_db()
        assert (article.status, article.headline, article.standfirst, article.body) == (
            "review", "济南高新区新增企业三百家", "",
            "<p>济南高新区今年新增企业三百家。其中高新技术企业一百家。</p>",
        )
        expect(page.locator(".messagelist .success")).to_have_text("已修改文章「济南高新区新增企业三百家」。")
        expect(page.locator(".readonly p")).to_have_text("济南高新区今年新增企业三百家。其中高新技术企业一百家。")

