"""The Chinese admin shows no English or raw labels, visible or spoken by screen readers."""
import gettext
import re
from pathlib import Path

import pytest


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
        article = make_article("济南高新区", status="published", reporters=[("韩霄鹏", "记者")])
        response = reporter_client.get(f"/admin/articles/article/{article.pk}/change/")
        html = response.content.decode()
        assert response.context["has_change_permission"] is False
        assert "New tags" not in html and "新话题" not in html

    def test_editable_article_keeps_new_tags_input(self, editor_client, make_article):
        """Where the article can be edited, the 新话题 input stays."""
        article = make_article("济南高新区", status="draft")
        html = editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
        assert 'name="new_tags"' in html and "新话题" in html


def filter_choices(response, title: str) -> list[str]:
    spec = next(s for s in response.context["cl"].filter_specs if str(s.title) == title)
    return [str(choice["display"]) for choice in spec.choices(response.context["cl"])]


@pytest.mark.django_db
class TestArticleListFilters:
    def test_province_filter_is_in_pinyin_order(self, editor_client):
        """The province filter lists 安徽, 北京, 重庆, 福建… as the public directory does, not by code point."""
        choices = filter_choices(editor_client.get("/admin/articles/article/"), "省份")
        assert choices[:5] == ["全部", "安徽省", "北京市", "重庆市", "福建省"]
        assert choices[-1] == "浙江省"

    def test_issue_filter_names_articles_in_no_issue(self, editor_client, make_issue, make_article):
        """The 期 filter's empty choice says 未编入任何一期 instead of a bare "-"."""
        make_article("济南高新区", issue=make_issue(3))
        choices = filter_choices(editor_client.get("/admin/articles/article/"), "期")
        assert choices == ["全部", "第3期", "未编入任何一期"]

    def test_issue_filter_empty_choice_lists_articles_without_issue(self, editor_client, make_issue, make_article):
        """Choosing 未编入任何一期 lists exactly the articles that belong to no issue."""
        make_article("济南高新区", issue=make_issue(3))
        make_article("孤稿", issue=None)
        response = editor_client.get("/admin/articles/article/?issue__isnull=True")
        assert [a.headline for a in response.context["cl"].result_list] == ["孤稿"]


class TestJavaScriptCatalog:
    def test_compiled_catalog_matches_its_source(self):
        """The committed djangojs.mo is the compiled djangojs.po: every entry translates to the same text."""
        po_path = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "djangojs.po"
        entries = dict(re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', po_path.read_text(), re.M))
        with open(po_path.with_suffix(".mo"), "rb") as mo:
            catalog = gettext.GNUTranslations(mo)
        assert len(entries) == 16
        assert {msgid: catalog.gettext(msgid) for msgid in entries} == entries

    @pytest.mark.django_db
    def test_admin_catalogue_serves_the_editor_labels(self, editor_client):
        """The admin's JavaScript catalogue, which the article form loads, carries the editor's labels."""
        body = editor_client.get("/admin/jsi18n/").content.decode()
        assert '"Edit Link": "\\u7f16\\u8f91\\u94fe\\u63a5"' in body
