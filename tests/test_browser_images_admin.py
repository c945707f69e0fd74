"""The image library's admin in a real browser: drop several files, and pick a focal point.

Locally these tests skip when /usr/bin/chromium is missing; in CI (the CI environment
variable is set) a missing browser is a failure.
"""
import base64

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from newsroom.images.models import Image
from newsroom.images.renditions import crop_box
from newsroom.tasks import image_upload
from tests.test_admin_images import photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DROP_FILES = """([selector, files]) => {
  const transfer = new DataTransfer();
  for (const [name, data, type] of files) {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], name, { type }));
  }
  document.querySelector(selector).dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true }));
}"""


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def editor(db):
    # A superuser, not the 编辑 group: rows made by data migrations do not survive the flush
    # between live-server tests reliably, and the roles have their own tests.
    return User.objects.create_superuser("editor", password="editor-password-1", first_name="王芳")


@pytest.fixture
def open_page(browser, live_server, csp_watch, editor):
    """A signed-in page under the CSP watch, closed before the test database is flushed."""
    contexts = []

    def open_page():
        context = csp_watch.watch(browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN"))
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "editor")
        page.fill("#id_password", "editor-password-1")
        page.click("input[type=submit]")
        expect(page.locator("#editorial-dashboard")).to_be_visible()
        return page

    yield open_page
    for context in contexts:
        context.close()


def drop(page, selector: str, files: list[tuple[str, bytes, str]]) -> None:
    page.evaluate(DROP_FILES, [selector, [[n, base64.b64encode(d).decode(), t] for n, d, t in files]])


class TestBatchUpload:
    def test_two_dropped_files_are_uploaded_each_once_its_alt_is_filled(self, open_page, live_server):
        page = open_page()
        page.goto(live_server.url + "/admin/images/image/batch/")
        drop(page, "#image-drop", [("plant.jpg", photo(seed=1), "image/jpeg"),
                                   ("lab.png", photo(seed=2, fmt="PNG"), "image/png")])
        rows = page.locator(".batch-row")
        expect(rows).to_have_count(2)
        expect(rows.nth(0).locator(".batch-name")).to_have_text("plant.jpg")
        expect(rows.nth(0).locator("[name=title]")).to_have_value("plant")

        page.fill("#batch-0-alt", "新建的厂房外景")
        page.click("#image-batch-start")
        expect(rows.nth(0).locator(".batch-status")).to_have_text("已上传 plant")
        expect(rows.nth(1).locator(".batch-status")).to_have_text("等待填写替代文字")
        assert list(Image.objects.values_list("alt", flat=True)) == ["新建的厂房外景"]

        page.fill("#batch-1-title", "实验室")
        page.locator("#batch-1-alt").press_sequentially("实验室里的研究人员")
        # Typed but not yet left: nothing is sent with half an alt text.
        expect(rows.nth(1).locator(".batch-status")).to_have_text("排队等待上传")
        assert Image.objects.count() == 1
        page.keyboard.press("Tab")
        expect(rows.nth(1).locator(".batch-status")).to_have_text("已上传 实验室")
        for row in (0, 1):
            expect(rows.nth(row).locator("progress")).to_have_js_property("value", 100)
        assert sorted(Image.objects.values_list("title", "alt", "format")) == [
            ("plant", "新建的厂房外景", "JPEG"), ("实验室", "实验室里的研究人员", "PNG"),
        ]

    def test_a_refused_file_says_why_beside_it(self, open_page, live_server):
        page = open_page()
        page.goto(live_server.url + "/admin/images/image/batch/")
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        drop(page, "#image-drop", [("logo.svg", svg, "image/svg+xml")])
        page.fill("#batch-0-alt", "标志")
        page.click("#image-batch-start")
        expect(page.locator(".batch-row .batch-status")).to_have_text(REFUSED_SVG)
        assert Image.objects.count() == 0


REFUSED_SVG = "不接受 SVG 或 HTML 文件：它们可以带有脚本。请上传 JPEG、PNG、WebP、GIF 或 AVIF 图片。"


def crop_offset(fx: float, fy: float, ratio) -> tuple[str, str]:
    """The CSS object-position of crop_box's crop of a 300×200 picture, as Chromium writes it."""
    left, top, right, bottom = crop_box(300, 200, fx, fy, ratio)
    return tuple(
        f"{offset / slack * 100:.2f}".rstrip("0").rstrip(".") + "%" if slack else "50%"
        for offset, slack in ((left, 300 - (right - left)), (top, 200 - (bottom - top)))
    )


class TestFocalPicker:
    def test_click_moves_the_crop_previews_and_the_saved_point(self, open_page, live_server):
        image, _ = image_upload(data=photo(300, 200, seed=3), title="签约仪式", alt="签约仪式现场")
        page = open_page()
        page.goto(f"{live_server.url}/admin/images/image/{image.pk}/change/")
        wide, square = page.locator("#focal-preview-wide"), page.locator("#focal-preview-square")
        position = "el => el.style.objectPosition"
        # At the centre: crop_box rounds the 16:9 crop's top from 15.5 px to 16 of 31.
        assert (wide.evaluate(position), square.evaluate(position)) == ("50% 51.61%", "50% 50%")

        page.click("#focal-frame", position={"x": 180, "y": 90})  # 0.6, 0.45 of 300×200
        fx, fy = float(page.input_value("#id_focal_x")), float(page.input_value("#id_focal_y"))
        assert (round(fx, 2), round(fy, 2)) == (0.6, 0.45)  # within the pixel the mouse lands on
        # The previews show the crops the worker will make: the 16:9 crop is the full width,
        # so only its top moves; the 1:1 crop is the full height, so only its left does.
        assert (wide.evaluate(position), square.evaluate(position)) == (
            f"50% {crop_offset(fx, fy, (16, 9))[1]}", f"{crop_offset(fx, fy, (1, 1))[0]} 50%",
        )
        expect(page.locator("#focal-value")).to_have_text("60%，45%")

        page.click("input[name=_continue]")
        page.wait_for_load_state("networkidle")
        expect(page.locator("#focal-value")).to_have_text("60%，45%")
        expect(page.locator("#id_focal_x")).to_have_value(str(fx))
        image.refresh_from_db()
        assert (image.focal_x, image.focal_y, image.version) == (fx, fy, 2)


class TestAddPage:
    def test_chosen_file_is_previewed_before_it_is_sent(self, open_page, live_server):
        page = open_page()
        page.goto(live_server.url + "/admin/images/image/add/")
        expect(page.locator("#image-upload-preview")).to_be_hidden()
        page.set_input_files("#id_file", files=[{"name": "plant.jpg", "mimeType": "image/jpeg", "buffer": photo()}])
        expect(page.locator("#image-upload-preview")).to_be_visible()
        expect(page.locator("#image-upload-preview-name")).to_have_text("plant.jpg")
        assert page.locator("#image-upload-preview-img").get_attribute("src").startswith("data:image/jpeg;base64,")
        assert Image.objects.count() == 0

        page.fill("#id_alt", "新建的厂房外景")
        page.click("input[name=_save]")
        page.wait_for_load_state("networkidle")
        image = Image.objects.get()
        assert page.url == f"{live_server.url}/admin/images/image/{image.pk}/change/"
        expect(page.locator(".messagelist")).to_contain_text("图片“新建的厂房外景”已上传，缩放图正在后台生成。")


class TestLibraryPages:
    def test_list_shows_thumbnails_and_uses_and_a_used_image_cannot_be_deleted(
        self, open_page, live_server, make_issue
    ):
        plant, _ = image_upload(data=photo(seed=4), title="厂房", alt="新建的厂房外景")
        image_upload(data=photo(seed=5), title="实验室", alt="实验室里的研究人员")
        issue = make_issue(3)
        type(issue).objects.filter(pk=issue.pk).update(cover=plant)
        page = open_page()
        page.goto(live_server.url + "/admin/images/image/")
        thumbnails = page.locator("img.image-thumb")
        expect(thumbnails).to_have_count(2)
        # The masters, served from /media/ (no renditions yet): both load.
        page.wait_for_function("() => [...document.querySelectorAll('img.image-thumb')].every(i => i.complete)")
        assert thumbnails.evaluate_all("imgs => imgs.map(i => i.naturalWidth)") == [64, 64]
        expect(page.locator("td.field-usage")).to_have_text(["未使用", "用于 1 期封面"])

        page.goto(f"{live_server.url}/admin/images/image/{plant.pk}/delete/")
        expect(page.locator(".image-in-use li")).to_have_text(["期刊封面：第3期"])
        expect(page.locator("input[type=submit]")).to_have_count(0)


class TestViewOnly:
    def test_a_viewer_sees_the_saved_crops_without_the_picker(self, browser, live_server, csp_watch):
        from django.contrib.auth.models import Permission

        image, _ = image_upload(data=photo(300, 200, seed=6), title="园区", alt="园区鸟瞰")
        viewer = User.objects.create_user("viewer", password="viewer-password-1", is_staff=True)
        viewer.user_permissions.add(Permission.objects.get(codename="view_image"))
        context = csp_watch.watch(browser.new_context(locale="zh-CN"))
        try:
            page = context.new_page()
            page.goto(live_server.url + "/admin/login/")
            page.fill("#id_username", "viewer")
            page.fill("#id_password", "viewer-password-1")
            page.click("input[type=submit]")
            page.goto(f"{live_server.url}/admin/images/image/{image.pk}/change/")
            expect(page.locator("#focal-value")).to_have_text("50%，50%")
            assert page.locator("#focal-preview-wide").evaluate("el => el.style.objectPosition") == "50% 51.61%"
            expect(page.locator("#id_focal_x")).to_have_count(0)
            csp_watch.assert_clean(page)
        finally:
            context.close()


class TestFromTheDeskToTheReader:
    def test_uploaded_photo_appears_on_the_published_page_in_three_formats_and_widths(
        self, open_page, live_server, make_article
    ):
        """Upload at the desk, move the focal point, the worker renders, the reader's page
        shows the <picture>: AVIF and WebP sources and JPEG, each at 480, 960 and 1600."""
        from django_tasks_db.models import DBTaskResult

        from newsroom.tasks import render_image

        page = open_page()
        page.goto(live_server.url + "/admin/images/image/add/")
        page.set_input_files("#id_file", files=[
            {"name": "plant.jpg", "mimeType": "image/jpeg", "buffer": photo(1800, 1200, seed=8)},
        ])
        page.fill("#id_alt", "成都高新区新落成的厂房")
        page.fill("#id_credit", "张三")
        page.click("input[name=_save]")
        page.wait_for_load_state("networkidle")
        image = Image.objects.get()
        frame = page.locator("#focal-frame").bounding_box()
        page.click("#focal-frame", position={"x": frame["width"] * 0.8, "y": frame["height"] * 0.3})
        page.click("input[name=_continue]")
        page.wait_for_load_state("networkidle")
        image.refresh_from_db()
        assert (image.version, image.ready) == (2, False)

        # The worker's part: the queued render of version 2 (the first upload's is stale).
        queued = DBTaskResult.objects.filter(task_path="newsroom.tasks.render_image").order_by("pk")
        assert [row.args_kwargs["args"] for row in queued] == [[image.pk], [image.pk]]
        render_image.call(image.pk)
        article = make_article("成都高新区新厂房投产")
        article.lead_image = image
        article.save()

        reader = page.context.new_page()
        reader.goto(live_server.url + article.get_absolute_url())
        lead = reader.locator(".story__lead picture")
        sources = lead.locator("source").evaluate_all(
            "sources => sources.map(s => [s.type, s.srcset.split(', ').map(c => c.split('-').slice(-2).join('-'))])"
        )
        assert sources == [
            ["image/avif", ["original-480.avif 480w", "original-960.avif 960w", "original-1600.avif 1600w"]],
            ["image/webp", ["original-480.webp 480w", "original-960.webp 960w", "original-1600.webp 1600w"]],
        ]
        img = lead.locator("img")
        assert [c.split("-")[-2:] for c in img.get_attribute("srcset").split(", ")] == [
            ["original", "480.jpg 480w"], ["original", "960.jpg 960w"], ["original", "1600.jpg 1600w"],
        ]
        assert "-v2-" in img.get_attribute("srcset")
        assert (img.get_attribute("alt"), img.get_attribute("width"), img.get_attribute("height")) == (
            "成都高新区新落成的厂房", "1600", "1067",
        )
        reader.wait_for_function("() => document.querySelector('.story__lead img').complete")
        assert reader.evaluate("document.querySelector('.story__lead img').currentSrc").endswith(".avif")
