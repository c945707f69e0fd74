"""Tampered admin requests get the admin's own error or message, never a 500."""
import pytest
from django.contrib.messages import get_messages

from articles.models import Article

HUGE = "99999999999999999999999"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.django_db
class TestAdminBadInput:
    @pytest.mark.parametrize("field", ["headline", "standfirst", "body", "new_tags"])
    def test_nul_in_a_text_field_is_an_error_that_says_so(self, editor_client, draft_article, article_form_data, field):
        data = article_form_data(draft_article, **{field: "成都\x00高新区"})
        response = editor_client.post(f"/admin/articles/article/{draft_article.pk}/change/", data)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors[field] == ["不能含有空字符（NUL，在输入框中显示为“�”），请删除后再保存。"]

    def test_huge_year_in_the_date_hierarchy_is_the_invalid_filter_redirect(self, editor_client, make_issue):
        make_issue(1)
        response = editor_client.get(f"/admin/newsroom/issue/?date__year={HUGE}")
        assert (response.status_code, response["Location"]) == (302, "/admin/newsroom/issue/?e=1")

    @pytest.mark.parametrize("changelist", ["/admin/axes/accessattempt/", "/admin/axes/accesslog/"])
    def test_huge_year_in_the_sign_in_records_is_the_invalid_filter_redirect(self, admin_client, changelist):
        response = admin_client.get(f"{changelist}?attempt_time__year={HUGE}")
        assert (response.status_code, response["Location"]) == (302, f"{changelist}?e=1")

    @pytest.mark.parametrize("selected", ["🔥", HUGE])
    def test_bulk_action_on_ids_that_are_not_ids_changes_nothing(self, editor_client, draft_article, selected):
        data = {"action": "publish_selected", "index": "0", "_selected_action": [str(draft_article.pk), selected]}
        response = editor_client.post("/admin/articles/article/", data, follow=True)
        assert messages_of(response) == ["所选条目无效，未执行任何操作。"]
        assert Article.objects.get(pk=draft_article.pk).status == "draft"

    @pytest.mark.parametrize("value", ["🔥", HUGE])
    def test_issue_that_cannot_be_a_key_is_a_field_error(self, editor_client, draft_article, article_form_data, value):
        data = article_form_data(draft_article, issue=value)
        response = editor_client.post(f"/admin/articles/article/{draft_article.pk}/change/", data)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["issue"] == ["选择一个有效的选项： 该选择不在可用的选项中。"]

    @pytest.mark.parametrize("field", ["excluded_zones", "tags"])
    def test_relation_out_of_the_column_range_is_a_field_error(
        self, editor_client, draft_article, article_form_data, field
    ):
        data = article_form_data(draft_article, **{field: [HUGE]})
        response = editor_client.post(f"/admin/articles/article/{draft_article.pk}/change/", data)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors[field] == [f"“{HUGE}”不是一个有效的值"]

    def test_list_editable_row_id_out_of_range_changes_nothing(self, editor_client, draft_article):
        data = {
            "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000", "form-0-id": HUGE, "form-0-position": "7", "_save": "保存",
        }
        response = editor_client.post("/admin/articles/article/", data)
        assert response.status_code in (200, 302)
        assert Article.objects.get(pk=draft_article.pk).position == 1

    def test_revision_compare_with_a_superscript_digit_is_404(self, editor_client, draft_article):
        response = editor_client.get(f"/admin/articles/article/{draft_article.pk}/revisions/compare/?a=²&b=1")
        assert response.status_code == 404
