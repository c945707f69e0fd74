"""The image chooser in a real browser: choose a cover and a lead image through its dialog,
and insert a figure with 插入图片 in the rich-text editor (issue 12).

Locally these tests skip when /usr/bin/chromium is missing; in CI a missing browser is a failure.
"""
import io
import re

import pytest
from django.contrib.auth.models import User
from PIL import Image as PILImage
from playwright.sync_api import expect

from articles.body import figure_html
from articles.models import Article, Figure
from newsroom.images.storing import image_add
from newsroom.models import Issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def add_image(title: str, *, seed: int, alt: str, caption: str = "", credit: str = ""):
    picture = PILImage.effect_noise((120, 80), 20 + seed).convert("RGB")
    picture.paste((seed * 50 % 256, 120, 60), (0, 0, 40, 80))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    image, _ = image_add(data=out.getvalue(), title=title, alt=alt, caption=caption, credit=credit)
    return image


@pytest.fixture
def library(db):
    """Three pictures; each test searches for the one it wants."""
    return {
        "night": add_image("园区夜景", seed=1, alt="高新区的夜景，楼宇亮灯"),
        "lab": add_image("实验室", seed=2, alt="研究人员在实验室里调试设备", caption="新建的联合实验室", credit="张三"),
        "signing": add_image("签约仪式", seed=3, alt="双方代表在签约仪式上握手", caption="项目签约现场"),
    }


@pytest.fixture
def editor(db):
    # A superuser, as in the other browser tests: role rows from data migrations do not
    # survive the flush between live-server tests reliably.
    return User.objects.create_superuser("editor", password="editor-password-1", first_name="王芳")


@pytest.fixture
def open_page(browser, live_server, csp_watch):
    """A signed-in page under the CSP watch (and the Nu Html Checker), closed before the flush."""
    contexts = []

    def open_as(user):
        context = csp_watch.watch(browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN"))
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", f"{user.username}-password-1")
        page.click("input[type=submit]")
        expect(page.locator("#editorial-dashboard")).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()


def choose(page, dialog_selector: str, query: str, title: str) -> None:
    """Search the open chooser dialog and click the one result."""
    dialog = page.locator(dialog_selector)
    expect(dialog).to_be_visible()
    dialog.locator(".image-chooser-dialog__query").fill(query)
    dialog.locator(".image-chooser-dialog__query").press("Enter")
    items = dialog.locator(".image-chooser-dialog__item")
    expect(items).to_have_count(1)
    expect(items.locator(".image-chooser-dialog__title")).to_have_text(title)
    expect(dialog.locator(".image-chooser-dialog__status")).to_have_text("共 1 张图片")
    items.click()
    expect(dialog).to_be_hidden()


def save_and_continue(page) -> None:
    page.click("input[name=_continue]")
    page.wait_for_load_state("networkidle")


class TestChoosingACover:
    def test_choose_a_cover_and_save(self, open_page, live_server, editor, library, make_issue):
        issue = make_issue(1)
        page = open_page(editor)
        page.goto(f"{live_server.url}/admin/newsroom/issue/{issue.pk}/change/")
        expect(page.locator(".field-cover .image-chooser__empty")).to_have_text("未选择图片")
        page.click("#id_cover_choose")
        dialog = page.locator("#id_cover_chooser")
        # The whole library first, newest first, with thumbnails.
        expect(dialog.locator(".image-chooser-dialog__title")).to_have_text(["签约仪式", "实验室", "园区夜景"])
        expect(dialog.locator(".image-chooser-dialog__page")).to_have_text("第 1 / 1 页")
        choose(page, "#id_cover_chooser", "夜景", "园区夜景")
        expect(page.locator(".field-cover .image-chooser__alt")).to_have_text("替代文字：高新区的夜景，楼宇亮灯")
        expect(page.locator(".field-cover .image-chooser__preview img")).to_be_visible()
        save_and_continue(page)
        assert Issue.objects.get(pk=issue.pk).cover == library["night"]
        expect(page.locator(".field-cover .image-chooser__alt")).to_have_text("替代文字：高新区的夜景，楼宇亮灯")

        page.click(".field-cover .image-chooser__clear")
        expect(page.locator(".field-cover .image-chooser__empty")).to_be_visible()
        save_and_continue(page)
        assert Issue.objects.get(pk=issue.pk).cover is None

    def test_a_search_without_results_says_so(self, open_page, live_server, editor, library, make_issue):
        issue = make_issue(1)
        page = open_page(editor)
        page.goto(f"{live_server.url}/admin/newsroom/issue/{issue.pk}/change/")
        page.click("#id_cover_choose")
        dialog = page.locator("#id_cover_chooser")
        dialog.locator(".image-chooser-dialog__query").fill("无此图片")
        dialog.locator(".image-chooser-dialog__search").click()
        expect(dialog.locator(".image-chooser-dialog__status")).to_have_text("没有找到图片。")
        expect(dialog.locator(".image-chooser-dialog__item")).to_have_count(0)
        dialog.locator(".image-chooser-dialog__close").click()
        expect(dialog).to_be_hidden()
        assert Issue.objects.get(pk=issue.pk).cover is None


    def test_a_picture_uploaded_meanwhile_is_listed_when_the_dialog_opens_again(
        self, open_page, live_server, editor, library, make_issue
    ):
        issue = make_issue(1)
        page = open_page(editor)
        page.goto(f"{live_server.url}/admin/newsroom/issue/{issue.pk}/change/")
        page.click("#id_cover_choose")
        titles = page.locator("#id_cover_chooser .image-chooser-dialog__title")
        expect(titles).to_have_text(["签约仪式", "实验室", "园区夜景"])
        page.locator("#id_cover_chooser .image-chooser-dialog__close").click()
        add_image("新上传的封面", seed=4, alt="新落成的孵化器大楼")
        page.click("#id_cover_choose")
        expect(titles).to_have_text(["新上传的封面", "签约仪式", "实验室", "园区夜景"])


class TestArticleImages:
    def test_lead_image_and_a_figure_inserted_with_the_button(self, open_page, live_server, editor, library):
        page = open_page(editor)
        page.goto(live_server.url + "/admin/articles/article/add/")
        page.fill("#id_headline", "联合实验室落成")
        body = page.locator(".ProseMirror[contenteditable=true]")
        body.click()
        page.keyboard.type("联合实验室今天落成。")
        expect(body).to_have_text("联合实验室今天落成。")

        page.click("#id_lead_image_choose")
        choose(page, "#id_lead_image_chooser", "签约", "签约仪式")

        body.click()
        page.keyboard.press("End")
        insert = page.locator(".prose-menubar__button[data-name=libraryFigure]")
        expect(insert).to_have_attribute("title", "插入图片")
        insert.click()
        choose(page, "#id_body_chooser", "张三", "实验室")
        figure = body.locator("figure[data-image]")
        expect(figure.locator("figcaption")).to_have_text("新建的联合实验室摄影 张三")
        save_and_continue(page)

        lab = library["lab"]
        expected_body = "<p>联合实验室今天落成。</p>" + figure_html(
            image_id=lab.pk, src=f"/media/{lab.file.name}", alt=lab.alt, width=lab.width, height=lab.height,
            caption="新建的联合实验室", credit="摄影 张三",
        )
        article = Article.objects.get(headline="联合实验室落成")
        assert article.lead_image == library["signing"]
        assert article.body == expected_body
        assert list(Figure.objects.filter(article=article).values_list("image_id", flat=True)) == [lab.pk]

        # The saved figure loads back into the editor as a figure, and a second save keeps it.
        expect(page.locator(".ProseMirror[contenteditable=true] figure[data-image] img")).to_have_attribute("alt", lab.alt)
        page.fill("#id_headline", "联合实验室正式落成")
        save_and_continue(page)
        assert Article.objects.get(pk=article.pk).body == expected_body

    def test_the_caption_of_a_figure_can_be_changed_for_the_article(self, open_page, live_server, editor, library):
        lab = library["lab"]
        figure = figure_html(image_id=lab.pk, src=f"/media/{lab.file.name}", alt=lab.alt, width=lab.width,
                             height=lab.height, caption="新建的联合实验室", credit="摄影 张三")
        article = Article.objects.create(headline="联合实验室落成", body=f"<p>第一段。</p>{figure}")
        page = open_page(editor)
        page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
        edit = page.locator(".prose-menubar__button[data-name=libraryFigureCaption]")
        expect(edit).to_have_class(re.compile(r"\bhidden\b"))
        page.locator(".ProseMirror[contenteditable=true] figure[data-image] img").click()
        expect(edit).not_to_have_class(re.compile(r"\bhidden\b"))
        edit.click()
        dialog = page.locator("dialog.prose-editor-dialog[open]")
        expect(dialog.locator(".prose-editor-dialog-title")).to_have_text("编辑图片说明")
        expect(dialog.locator("label")).to_have_text(["图片说明", "摄影署名"])
        dialog.locator("input[name=caption]").fill("联合实验室的洁净间")
        dialog.locator("input[name=credit]").fill("摄影 李四")
        dialog.locator("button[type=submit]").click()
        save_and_continue(page)
        assert Article.objects.get(pk=article.pk).body == "<p>第一段。</p>" + figure.replace(
            "新建的联合实验室<small>摄影 张三", "联合实验室的洁净间<small>摄影 李四"
        )
