"""The Chinese admin shows no English or raw labels, visible or spoken by screen readers."""
import pytest

S_PUBLISHED = "published"


@pytest.mark.django_db
class TestAdminLabels:
    def test_index_hidden_table_headers_are_chinese(self, editor_client):
        """The admin index's visually hidden table headers read 数据类型, 添加链接, 修改或查看列表链接."""
        html = editor_client.get("/admin/").content.decode()
        assert '<th scope="col">数据类型</th>' in html
        assert '<th scope="col">添加链接</th>' in html
        assert '<th scope="col">修改或查看列表链接</th>' in html
        assert "Model name" not in html and "Add link" not in html

    def test_read_only_article_has_no_new_tags_row(self, reporter_client, make_article):
        """A read-only article page shows no raw "New tags: None" row."""
        article = make_article("济南高新区", status=S_PUBLISHED, reporters=[("韩霄鹏", "记者")])
        response = reporter_client.get(f"/admin/articles/article/{article.pk}/change/")
        html = response.content.decode()
        assert response.context["has_change_permission"] is False
        assert "New tags" not in html and "新话题" not in html

    def test_editable_article_keeps_new_tags_input(self, editor_client, make_article):
        """Where the article can be edited, the 新话题 input stays."""
        article = make_article("济南高新区", status="draft")
        html = editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
        assert 'name="new_tags"' in html and "新话题" in html
