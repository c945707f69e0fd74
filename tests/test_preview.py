"""Preview: the desk sees unpublished articles and issues as readers will; signed out, sign in first; others 404."""
import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

NOINDEX = '<meta name="robots" content="noindex">'


@pytest.mark.django_db
class TestArticlePreview:
    def test_staff_see_a_draft_marked_preview_and_noindex(self, editor_client, draft_article):
        response = editor_client.get(f"/preview/articles/{draft_article.pk}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert NOINDEX in html
        assert "预览 · 草稿" in html
        assert '<h1 class="story__headline">成都高新区发布新政</h1>' in html
        assert "<p>成都高新区今年新增企业一千家。</p>" in html

    def test_uses_the_public_article_template(self, editor_client, draft_article):
        response = editor_client.get(f"/preview/articles/{draft_article.pk}/")
        assert [t.name for t in response.templates][:3] == [
            "preview/article_detail.html", "articles/article_detail.html", "base.html"
        ]

    def test_scheduled_article_shows_its_schedule(self, editor_client, make_article):
        article = make_article("排期稿", publish_at=timezone.now() + datetime.timedelta(days=1))
        response = editor_client.get(f"/preview/articles/{article.pk}/")
        assert "预览 · 已排期 · " in response.content.decode()

    def test_public_page_of_the_draft_is_404(self, client, draft_article):
        assert client.get(draft_article.get_absolute_url()).status_code == 404

    def test_signed_out_are_sent_to_sign_in_and_back(self, client, draft_article):
        """A signed-out visitor is redirected to the admin sign-in with the preview as next."""
        response = client.get(f"/preview/articles/{draft_article.pk}/")
        assert response.status_code == 302
        assert response["Location"] == f"/admin/login/?next=/preview/articles/{draft_article.pk}/"

    def test_group_member_without_staff_flag_sees_the_preview(self, client, reporter_user, draft_article):
        """A reporter in the 记者 group, 职员状态 unticked, previews a draft."""
        reporter_user.is_staff = False
        reporter_user.save()
        client.force_login(reporter_user)
        assert client.get(f"/preview/articles/{draft_article.pk}/").status_code == 200

    def test_logged_in_non_staff_get_404(self, client, draft_article):
        client.force_login(User.objects.create_user("reader", password="reader-password-1"))
        assert client.get(f"/preview/articles/{draft_article.pk}/").status_code == 404


@pytest.mark.django_db
class TestIssuePreview:
    def test_staff_see_an_unpublished_issue_with_its_articles(self, editor_client, make_issue, make_article):
        issue = make_issue(9, status="draft")
        make_article("本期头条", issue=issue, status="draft")
        response = editor_client.get("/preview/issues/9/")
        html = response.content.decode()
        assert response.status_code == 200
        assert NOINDEX in html
        assert "预览 · 草稿" in html
        assert "本期头条" in html

    def test_issue_preview_links_to_article_previews(self, editor_client, make_issue, make_article):
        issue = make_issue(9, status="draft")
        article = make_article("本期头条", issue=issue, status="draft")
        html = editor_client.get("/preview/issues/9/").content.decode()
        assert f'href="/preview/articles/{article.pk}/"' in html
        assert f'href="{article.get_absolute_url()}"' not in html

    def test_signed_out_are_sent_to_sign_in_and_back(self, client, make_issue):
        """A signed-out visitor is redirected to the admin sign-in with the issue preview as next."""
        make_issue(9, status="draft")
        response = client.get("/preview/issues/9/")
        assert response.status_code == 302
        assert response["Location"] == "/admin/login/?next=/preview/issues/9/"
