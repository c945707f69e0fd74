"""三审: a save that both edits and publishes publishes text nobody signed, so it is refused."""
import pytest

from articles import review
from articles.models import Article
from tests.test_review import reviewers, sign_all  # noqa: F401 (fixture)

S = Article.Status


@pytest.fixture
def signed(three_stages, reviewers, draft_article):  # noqa: F811
    draft_article.status = S.REVIEW
    draft_article.save()
    sign_all(draft_article, reviewers)
    draft_article.refresh_from_db()
    return draft_article


@pytest.mark.django_db
class TestPublishWithAnEdit:
    def test_publishing_the_signed_text_is_allowed(self, signed, editor_client, article_form_data):
        """Only the status changes: the signed version goes out."""
        response = editor_client.post(f"/admin/articles/article/{signed.pk}/change/", article_form_data(signed, status=S.PUBLISHED))
        assert (response.status_code, Article.objects.get(pk=signed.pk).status) == (302, S.PUBLISHED)

    def test_an_edit_in_the_publishing_save_is_refused_with_the_text_kept(self, signed, editor_client, article_form_data):
        """The body changed in the same save: nobody signed it, so nothing is written."""
        data = article_form_data(signed, status=S.PUBLISHED, body="<p>没人审过的新正文。</p>")
        response = editor_client.post(f"/admin/articles/article/{signed.pk}/change/", data)
        stored = Article.objects.get(pk=signed.pk)
        assert (response.status_code, stored.status, stored.body) == (200, S.REVIEW, signed.body)
        assert "没人审过的新正文。" in response.content.decode()
        assert "签发后的修改须重新经过三审，请先保存为待审，审毕再发布" in response.content.decode()
        assert review.next_stage(stored) is None

    def test_the_refused_page_title_is_chinese(self, signed, editor_client, article_form_data):
        """A form with errors titles its page 错误：…, not Django's untranslated "Error:"."""
        data = article_form_data(signed, status=S.PUBLISHED, body="<p>没人审过的新正文。</p>")
        page = editor_client.post(f"/admin/articles/article/{signed.pk}/change/", data).content.decode()
        assert page.split("<title>")[1].split("</title>")[0] == "错误： 成都高新区发布新政 | 修改 文章 | 高新区通讯编辑部"
