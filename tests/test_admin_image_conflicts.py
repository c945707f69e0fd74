"""Two editors on one picture's change page: a save from a stale page never undoes the other's."""
import json
import re

import pytest
from django.test import Client

from newsroom.images.models import Image
from tests.test_admin_images import change_data, media, stored  # noqa: F401 - media is a fixture

pytestmark = pytest.mark.django_db


def loaded_from(client, image) -> str:
    html = client.get(f"/admin/images/image/{image.pk}/change/").content.decode()
    raw = re.search(r'name="loaded" value="([^"]*)"', html)[1]
    return raw.replace("&quot;", '"').replace("&amp;", "&")


@pytest.fixture
def second_editor(editor_user):
    other = Client()
    other.force_login(editor_user)
    return other


class TestImageEditConflict:
    def test_page_carries_what_it_was_loaded_with(self, editor_client):
        image = stored(caption="旧说明")
        assert json.loads(loaded_from(editor_client, image)) == {
            "title": "厂房", "alt": "新建的厂房", "caption": "旧说明", "credit": "", "focal_x": 0.5, "focal_y": 0.5,
        }

    def test_stale_save_is_refused_and_keeps_both_edits(self, editor_client, second_editor):
        image = stored(caption="旧说明")
        first = loaded_from(editor_client, image)
        second = loaded_from(second_editor, image)
        assert second_editor.post(f"/admin/images/image/{image.pk}/change/",
                                  change_data(image, caption="乙改的说明", loaded=second)).status_code == 302
        response = editor_client.post(f"/admin/images/image/{image.pk}/change/",
                                      change_data(image, alt="甲改的替代文字", loaded=first))
        form = response.context["adminform"].form
        assert form.non_field_errors() == [
            "你打开这一页之后，别人修改并保存了这张图片（图片说明）。你填写的内容还在下面，没有保存；核对后再次保存，将以你的内容为准。"
        ]
        assert (form["alt"].value(), form["caption"].value()) == ("甲改的替代文字", "旧说明")
        image.refresh_from_db()
        assert (image.alt, image.caption) == ("新建的厂房", "乙改的说明")
        # Saving again from the page that showed the conflict is the editor's deliberate choice.
        again = {**change_data(image, alt="甲改的替代文字", caption="乙改的说明"), "loaded": form["loaded"].value()}
        assert editor_client.post(f"/admin/images/image/{image.pk}/change/", again).status_code == 302
        image.refresh_from_db()
        assert (image.alt, image.caption) == ("甲改的替代文字", "乙改的说明")

    def test_focal_point_moved_meanwhile_is_a_conflict_too(self, editor_client, second_editor):
        image = stored()
        first = loaded_from(editor_client, image)
        second_editor.post(f"/admin/images/image/{image.pk}/change/",
                           change_data(image, focal_x="0.2", loaded=loaded_from(second_editor, image)))
        response = editor_client.post(f"/admin/images/image/{image.pk}/change/", change_data(image, loaded=first))
        assert response.status_code == 200
        assert "焦点横坐标" in response.context["adminform"].form.non_field_errors()[0]
        assert Image.objects.get(pk=image.pk).focal_x == 0.2

    @pytest.mark.parametrize("loaded", ["{", "[]", '"x"', "null"])
    def test_tampered_value_is_a_conflict_not_an_error(self, editor_client, loaded):
        image = stored()
        response = editor_client.post(f"/admin/images/image/{image.pk}/change/",
                                      change_data(image, caption="新说明", loaded=loaded))
        assert response.status_code == 200
        assert Image.objects.get(pk=image.pk).caption == ""
