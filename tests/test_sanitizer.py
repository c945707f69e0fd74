"""Hostile HTML in the body comes out inert on every write path: admin form, ORM save, editor field."""
import pytest

from articles.models import Article
from newsroom.admin.article_forms import body_field

# (hostile input, what must survive of it)
XSS_CORPUS = [
    ("<p>甲<script>alert(1)</script>乙</p>", "<p>甲乙</p>"),
    ('<p onclick="alert(1)">点我</p>', "<p>点我</p>"),
    ('<img src=x onerror="alert(1)">', ""),
    ('<a href="javascript:alert(1)">链接</a>', '<a rel="noopener noreferrer nofollow">链接</a>'),
    ('<a href="JaVaScRiPt:alert(1)">链接</a>', '<a rel="noopener noreferrer nofollow">链接</a>'),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">链接</a>', '<a rel="noopener noreferrer nofollow">链接</a>'),
    ('<svg onload="alert(1)"><circle r="1"/></svg><p>文</p>', "<p>文</p>"),
    ('<p style="background:url(javascript:alert(1))">样式</p>', "<p>样式</p>"),
    ("<style>p{color:red}</style><p>文</p>", "<p>文</p>"),
    ('<iframe src="https://evil.example"></iframe><p>文</p>', "<p>文</p>"),
    ('<math><mtext><img src=x onerror=alert(1)></mtext></math>', ""),
    ('<form action="/x"><input name=a></form>', ""),
    ("<p>正常<strong>加粗</strong></p>", "<p>正常<strong>加粗</strong></p>"),
]
ALLOWED = (
    '<h2>标题</h2><h3>副题</h3><p><strong>粗</strong><a href="https://example.com/">链</a></p>'
    "<blockquote><p>引</p></blockquote><ul><li><p>一</p></li></ul><ol><li><p>二</p></li></ol>"
)


class TestEditorField:
    @pytest.mark.parametrize(("hostile", "inert"), XSS_CORPUS)
    def test_editor_field_runs_our_sanitizer(self, hostile, inert):
        assert body_field().clean(hostile) == inert

    def test_what_the_editor_makes_survives(self):
        assert body_field().clean(ALLOWED) == ALLOWED.replace(
            'href="https://example.com/"', 'href="https://example.com/" rel="noopener noreferrer nofollow"'
        )


@pytest.mark.django_db
class TestWritePaths:
    @pytest.mark.parametrize(("hostile", "inert"), XSS_CORPUS)
    def test_orm_save_sanitizes(self, hostile, inert):
        article = Article.objects.create(headline="测试", body=hostile)
        assert Article.objects.get(pk=article.pk).body == inert

    @pytest.mark.parametrize(("hostile", "inert"), XSS_CORPUS)
    def test_admin_save_sanitizes(self, editor_client, draft_article, article_form_data, hostile, inert):
        response = editor_client.post(
            f"/admin/articles/article/{draft_article.pk}/change/", article_form_data(draft_article, body=hostile)
        )
        assert response.status_code == 302
        assert Article.objects.get(pk=draft_article.pk).body == inert
