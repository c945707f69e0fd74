"""The admin a Chinese editor sees in a real browser: the rich-text editor's labels and the import page.

Locally these tests skip when /usr/bin/chromium is missing; in CI a missing browser is a failure.
"""
import re

import pytest
from playwright.sync_api import expect

from tests.test_browser_admin import first_editor, open_page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


class TestChineseEditor:
    def test_block_menu_names_the_blocks_as_the_format_does(self, open_page, live_server, first_editor):  # noqa: F811
        """The block menu offers 小标题, 副标题 and 正文段落."""
        page = open_page(first_editor)
        page.goto(live_server.url + "/admin/articles/article/add/")
        page.locator(".ProseMirror[contenteditable=true]").click()
        page.locator(".prose-menubar__selected").click()
        options = page.locator(".prose-menubar__option")
        expect(options).to_have_text(["小标题", "副标题", "正文段落"])

    def test_tooltips_are_chinese(self, open_page, live_server, first_editor):  # noqa: F811
        """Every menu button's tooltip and spoken name is Chinese."""
        page = open_page(first_editor)
        page.goto(live_server.url + "/admin/articles/article/add/")
        page.locator(".ProseMirror[contenteditable=true]").click()
        titles = page.locator(".prose-menubar__button").evaluate_all("els => els.map(e => [e.title, e.ariaLabel])")
        assert titles == [
            ["正文段落", "正文段落"], ["无序列表", "无序列表"], ["有序列表", "有序列表"], ["列表设置", "列表设置"],
            ["引文", "引文"], ["插入图片", "插入图片"], ["编辑图片说明", "编辑图片说明"], ["加粗", "加粗"], ["插入链接", "插入链接"], ["移除链接", "移除链接"],
            ["撤销", "撤销"], ["重做", "重做"],
        ]

    def test_selected_block_follows_the_cursor_in_chinese(self, open_page, live_server, first_editor):  # noqa: F811
        """When the cursor moves into a heading, the redrawn menu names it 小标题."""
        page = open_page(first_editor)
        page.goto(live_server.url + "/admin/articles/article/add/")
        page.locator(".ProseMirror[contenteditable=true]").click()
        page.keyboard.type("开局")
        page.locator(".prose-menubar__selected").click()
        page.locator(".prose-menubar__option", has_text="小标题").click()
        expect(page.locator(".ProseMirror[contenteditable=true] h2")).to_have_text("开局")
        expect(page.locator(".prose-menubar__selected button")).to_have_attribute("title", "小标题")

    def test_menu_arrow_is_drawn_without_a_missing_glyph(self, open_page, live_server, first_editor):  # noqa: F811
        """The block menu's arrow is a drawn triangle, not a character no font has."""
        page = open_page(first_editor)
        page.goto(live_server.url + "/admin/articles/article/add/")
        arrow = page.locator(".prose-menubar__selected").evaluate(
            "el => { const s = getComputedStyle(el, '::after'); return [s.content, s.borderTopWidth, s.width, s.height]; }"
        )
        assert arrow == ['""', "5px", "8px", "5px"]

    def test_link_dialog_is_chinese(self, open_page, live_server, first_editor):  # noqa: F811
        """The link dialog's title, fields and buttons come from the Chinese JavaScript catalogue."""
        page = open_page(first_editor)
        page.goto(live_server.url + "/admin/articles/article/add/")
        editor = page.locator(".ProseMirror[contenteditable=true]")
        editor.click()
        page.keyboard.type("高新区")
        # Select only once the text is in the editor: under load the keys can still be on
        # their way, and Shift+Home on an empty line selects nothing.
        expect(editor).to_have_text("高新区")
        page.keyboard.press("Shift+Home")
        link = page.locator(".prose-menubar__button[data-name=link]")
        # The editor enables the link button once its own state has the selection; a click
        # before that (a slow machine) opens nothing.
        expect(link).not_to_have_class(re.compile(r"\bdisabled\b"))
        link.click()
        dialog = page.locator("dialog[open]")
        expect(dialog).to_be_visible()
        expect(dialog.locator(".prose-editor-dialog-title")).to_have_text("编辑链接")
        expect(dialog.locator("label")).to_have_text(["链接地址", "标题"])
        expect(dialog.locator("button")).to_have_text(["确定", "取消"])


class TestArticleList:
    def test_editable_publish_time_leaves_room_for_the_headline(self, open_page, live_server, first_editor, make_article):  # noqa: F811
        """With 发布时间 editable in the list, 标题 still gets at least 14 characters a line."""
        make_article("国家高新区忙开局奋力开门红再创新高")
        page = open_page(first_editor)
        page.goto(live_server.url + "/admin/articles/article/")
        cell = page.locator("#result_list tbody .field-headline").first
        expect(page.locator("#result_list td.field-publish_at input").first).to_be_visible()
        width, font_size = cell.evaluate(
            "el => [el.getBoundingClientRect().width - parseFloat(getComputedStyle(el).paddingLeft)"
            " - parseFloat(getComputedStyle(el).paddingRight), parseFloat(getComputedStyle(el).fontSize)]"
        )
        assert width / font_size >= 14


class TestImportPage:
    def test_date_picker_fills_the_publication_date(self, open_page, live_server, first_editor):  # noqa: F811
        """The calendar beside 出版日期 opens and fills the field with the day picked."""
        page = open_page(first_editor)
        page.goto(live_server.url + "/admin/newsroom/issue/import/")
        page.locator(".field-date .date-icon").click()
        calendar = page.locator(".calendarbox").first
        expect(calendar).to_be_visible()
        calendar.locator("td a", has_text="15").first.click()
        assert page.locator("#id_date").input_value().endswith("/15")

    def test_dry_run_and_import_keep_the_file_names_case(self, open_page, live_server, first_editor, seed_bytes):  # noqa: F811
        """What a person reads in the dry run and after importing names the file exactly as uploaded."""
        page = open_page(first_editor)
        page.goto(live_server.url + "/admin/newsroom/issue/import/")
        page.set_input_files("#id_file", files=[{"name": "GaoXinQu-2025-01.TXT", "mimeType": "text/plain", "buffer": seed_bytes}])
        page.fill("#id_number", "5")
        page.fill("#id_date", "2025-03-10")
        page.click("input[type=submit]")
        assert page.locator(".import-summary").inner_text().startswith("GaoXinQu-2025-01.TXT 将导入为 第5期")
        expect(page.locator(".import-date")).to_have_text("出版日期：2025年3月10日")
        page.click("input[name=_confirm]")
        assert page.locator(".messagelist li").first.inner_text().startswith("GaoXinQu-2025-01.TXT 已导入为 第5期")

    def test_dry_run_warns_of_an_article_already_in_another_issue(self, open_page, live_server, first_editor, seed_bytes):  # noqa: F811
        """A second copy of an issue's text shows, before anything is written, which articles would repeat."""
        page = open_page(first_editor)
        for number in ("1", "2"):
            page.goto(live_server.url + "/admin/newsroom/issue/import/")
            page.set_input_files("#id_file", files=[{"name": f"第{number}期.txt", "mimeType": "text/plain", "buffer": seed_bytes}])
            page.fill("#id_number", number)
            page.check("#id_allow_duplicate")
            page.click("input[type=submit]")
            if number == "1":
                page.click("input[name=_confirm]")
        warning = page.locator(".import-duplicates")
        expect(warning).to_be_visible()
        expect(warning.locator("li")).to_have_count(2)
        expect(warning.locator("li").first).to_contain_text("与第1期的《国家高新区忙开局奋力“开门红”》内容相同")
