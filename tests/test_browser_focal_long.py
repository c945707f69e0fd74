"""The focal-point picker with a long picture (a 长图), in a real browser: found by hand,
issue 12. The picture fits the window and a click still sets the point under the mouse.

Locally these tests skip when /usr/bin/chromium is missing; in CI a missing browser is a failure.
"""
import io

import pytest
from django.contrib.auth.models import User
from PIL import Image as PILImage
from playwright.sync_api import expect

from newsroom.tasks import image_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def long_picture() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (200, 4000), (30, 90, 160)).save(out, "PNG")
    return out.getvalue()


def test_a_long_picture_fits_the_window_and_a_click_lands_where_it_is_made(browser, live_server, csp_watch):
    User.objects.create_superuser("editor", password="editor-password-1")
    image, _ = image_upload(data=long_picture(), title="发展历程", alt="园区发展历程长图")
    context = csp_watch.watch(browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN"))
    try:
        page = context.new_page()
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", "editor")
        page.fill("#id_password", "editor-password-1")
        page.click("input[type=submit]")
        expect(page.locator("#editorial-dashboard")).to_be_visible()
        page.goto(f"{live_server.url}/admin/images/image/{image.pk}/change/")
        frame = page.locator("#focal-frame")
        page.wait_for_function("() => document.querySelector('#focal-image').complete")
        box = frame.bounding_box()
        # 70% of the 1000-pixel window, and the picture's 1:20 ratio.
        assert (round(box["height"]), round(box["width"])) == (700, 35)
        page.click("#focal-frame", position={"x": 14, "y": 630})
        fx, fy = float(page.input_value("#id_focal_x")), float(page.input_value("#id_focal_y"))
        assert (round(fx, 2), round(fy, 2)) == (0.4, 0.9)  # within the pixel the mouse lands on
    finally:
        context.close()
