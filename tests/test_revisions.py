"""Revisions: every admin save is kept with who and what; compare side by side; restore."""
import pytest
from reversion.models import Version

from articles.models import Article, ZoneMention
from articles.revisions.diff import inline_diff, paragraph_rows, snapshot_from_version
from articles.revisions.history import article_versions, version_number


def change_url(article) -> str:
    return f"/admin/articles/article/{article.pk}/change/"


class TestDiff:
    def test_han_characters_are_compared_one_by_one(self):
        assert inline_diff("新增企业一千家。", "新增企业两千家。") == ("新增企业<del>一</del>千家。", "新增企业<ins>两</ins>千家。")

    def test_latin_words_and_numbers_stay_whole(self):
        assert inline_diff("营收3.6亿元，siRNA药物", "营收4.2亿元，mRNA药物") == (
            "营收<del>3.6</del>亿元，<del>siRNA</del>药物",
            "营收<ins>4.2</ins>亿元，<ins>mRNA</ins>药物",
        )

    def test_everything_is_escaped(self):
        assert inline_diff("<b>甲</b>", "<b>乙</b>") == (
            "&lt;b&gt;<del>甲</del>&lt;/b&gt;", "&lt;b&gt;<ins>乙</ins>&lt;/b&gt;"
        )

    def test_paragraphs_are_matched_before_characters(self):
        rows = paragraph_rows(["第一段。", "第二段。", "第三段。"], ["第一段。", "第三段。", "新的第四段。"])
        assert [(r.kind, r.left, r.right) for r in rows] == [
            ("equal", "第一段。", "第一段。"),
            ("removed", "<del>第二段。</del>", ""),
            ("equal", "第三段。", "第三段。"),
            ("added", "", "<ins>新的第四段。</ins>"),
        ]


@pytest.fixture
def saved_twice(editor_client, draft_article, article_form_data, make_zone):
    """The draft saved in the admin twice: first with a tag, then with a changed paragraph."""
    make_zone("成都高新区", province="四川省")
    editor_client.post(change_url(draft_article), article_form_data(draft_article, new_tags="科技创新"))
    editor_client.post(
        change_url(draft_article),
        article_form_data(draft_article, body="<p>成都高新区今年新增企业两千家。</p><p>第二段。</p>"),
    )
    return draft_article


@pytest.mark.django_db
class TestRevisionStorage:
    def test_every_admin_save_keeps_a_revision_by_its_user(self, saved_twice, editor_user):
        versions = list(article_versions(article=saved_twice))
        assert [version_number(v) for v in versions] == [3, 2, 1]
        assert [v.revision.user for v in versions[:2]] == [editor_user, editor_user]

    def test_revision_keeps_bylines_zones_and_tags(self, saved_twice):
        snapshot = snapshot_from_version(article_versions(article=saved_twice).first())
        assert snapshot.bylines == ["作者 刘琴"]
        assert snapshot.zones == ["成都高新区 × 2"]  # headline and body
        assert snapshot.tags == ["科技创新"]
        assert snapshot.paragraphs == ["成都高新区今年新增企业两千家。", "第二段。"]

    def test_shell_saves_keep_a_revision_too(self, draft_article):
        before = Version.objects.get_for_object(draft_article).count()
        draft_article.headline = "在 shell 里改的标题"
        draft_article.save()
        assert Version.objects.get_for_object(draft_article).count() == before + 1


@pytest.mark.django_db
class TestRevisionViews:
    def test_history_lists_versions_with_compare_choices(self, editor_client, saved_twice):
        response = editor_client.get(f"/admin/articles/article/{saved_twice.pk}/history/")
        html = response.content.decode()
        assert html.count('type="radio" name="a"') == 3
        assert "第3版" in html

    def test_revision_page_shows_the_old_text(self, editor_client, saved_twice):
        first = article_versions(article=saved_twice).last()
        response = editor_client.get(f"/admin/articles/article/{saved_twice.pk}/revisions/{first.pk}/")
        assert response.status_code == 200
        assert "<p>成都高新区今年新增企业一千家。</p>" in response.content.decode()

    def test_compare_highlights_changed_characters_and_paragraphs(self, editor_client, saved_twice):
        newest, _middle, oldest = article_versions(article=saved_twice)
        url = f"/admin/articles/article/{saved_twice.pk}/revisions/compare/?a={oldest.pk}&b={newest.pk}"
        html = editor_client.get(url).content.decode()
        assert "<td>成都高新区今年新增企业<del>一</del>千家。</td><td>成都高新区今年新增企业<ins>两</ins>千家。</td>" in html
        assert '<tr class="added"><td></td><td><ins>第二段。</ins></td></tr>' in html
        assert "<td></td><td><ins>科技创新</ins></td>" in html

    def test_compare_of_unknown_versions_is_404(self, editor_client, saved_twice):
        url = f"/admin/articles/article/{saved_twice.pk}/revisions/compare/?a=999999&b=1"
        assert editor_client.get(url).status_code == 404


@pytest.mark.django_db
class TestRestore:
    def test_restore_brings_back_text_and_relations_as_a_new_revision(self, editor_client, saved_twice):
        oldest = article_versions(article=saved_twice).last()
        url = f"/admin/articles/article/{saved_twice.pk}/revisions/{oldest.pk}/restore/"
        response = editor_client.post(url)
        assert response.status_code == 302
        article = Article.objects.get(pk=saved_twice.pk)
        assert article.body == "<p>成都高新区今年新增企业一千家。</p>"
        assert list(article.tags.names()) == []
        assert article.version == 4
        assert [version_number(v) for v in article_versions(article=article)][:1] == [4]
        assert article_versions(article=article).first().revision.get_comment() == "恢复到第 1 版"

    def test_restore_keeps_the_workflow_state(self, editor_client, saved_twice):
        Article.objects.filter(pk=saved_twice.pk).update(status="review")
        oldest = article_versions(article=saved_twice).last()
        editor_client.post(f"/admin/articles/article/{saved_twice.pk}/revisions/{oldest.pk}/restore/")
        assert Article.objects.get(pk=saved_twice.pk).status == "review"

    def test_restore_needs_edit_rights(self, reporter_client, editor_client, saved_twice):
        Article.objects.filter(pk=saved_twice.pk).update(status="review")
        oldest = article_versions(article=saved_twice).last()
        response = reporter_client.post(f"/admin/articles/article/{saved_twice.pk}/revisions/{oldest.pk}/restore/")
        assert response.status_code == 403
        assert ZoneMention.objects.filter(article=saved_twice).count() == 1
