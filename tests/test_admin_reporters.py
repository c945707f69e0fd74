"""The reporter admin: names are stored in their one clean form, so no look-alike reporter appears."""
import pytest

from newsroom.models import Reporter


def add_reporter(client, name):
    return client.post("/admin/newsroom/reporter/add/", {"name": name, "slug": "", "bio": ""})


@pytest.mark.django_db
class TestReporterNames:
    def test_zero_width_space_does_not_make_a_second_reporter(self, editor_client):
        Reporter.objects.create(name="张三丰")
        response = add_reporter(editor_client, "张\u200b三丰")
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["name"] == ["具有 姓名 的 记者 已存在。"]
        assert list(Reporter.objects.values_list("name", flat=True)) == ["张三丰"]

    def test_invisible_characters_are_removed_from_a_new_name(self, editor_client):
        response = add_reporter(editor_client, "\u202e李\u2060四\ufeff")
        assert response.status_code == 302
        assert list(Reporter.objects.values_list("name", "slug")) == [("李四", "li-si")]

    def test_name_of_only_invisible_characters_is_refused(self, editor_client):
        response = add_reporter(editor_client, "\u200b\u202e")
        assert response.context["adminform"].form.errors["name"] == ["姓名只由看不见的字符组成（U+200B U+202E）。"]
        assert Reporter.objects.count() == 0

    def test_saves_outside_forms_store_the_clean_name_too(self):
        assert Reporter.objects.create(name="王\u200b五").name == "王五"
