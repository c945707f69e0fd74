"""公众号版 at the desk: who may open it, what it shows, and what it costs."""
import html
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from articles.body import figure_html
from articles.models import Article
from newsroom.editions.wechat import wechat_article
from tests.pictures import add_image, with_sources

SITE = "https://news.example.cn"


@pytest.fixture(autouse=True)
def site(settings):
    settings.NEWSROOM_SITE_URL = SITE


@pytest.fixture
def feature(imported_seed):
    return imported_seed.articles.order_by("position").first()


def wechat_url(article_id) -> str:
    return reverse("admin:articles_article_wechat", args=[article_id])


def frame_url(article_id) -> str:
    return reverse("admin:articles_article_wechat_html", args=[article_id])


@pytest.mark.django_db
class TestPage:
    def test_the_routes(self):
        assert wechat_url(7) == "/admin/articles/article/7/wechat/"
        assert frame_url(7) == "/admin/articles/article/7/wechat/html/"

    def test_the_article_form_links_to_it(self, editor_client, feature):
        response = editor_client.get(reverse("admin:articles_article_change", args=[feature.pk]))
        assert f'<a href="/admin/articles/article/{feature.pk}/wechat/">公众号版</a>' in response.content.decode()

    def test_shows_the_fields_to_paste_with_their_counts_and_a_copy_button_each(self, editor_client, feature):
        response = editor_client.get(wechat_url(feature.pk))
        page = response.content.decode()
        assert response.status_code == 200
        assert "<title>公众号版：国家高新区忙开局奋力“开门红” | " in page
        assert 'id="wechat-title" value="国家高新区忙开局奋力“开门红”" readonly>' in page
        assert "15 / 32 字" in page
        assert 'id="wechat-author" value="刘琴" readonly>' in page and "2 / 16 字" in page
        assert f"{len(feature.summary)} / 128 字" in page
        assert f'id="wechat-source" value="{SITE}/articles/{feature.pk}/{feature.slug}/" readonly>' in page
        assert page.count('data-wechat-copy="wechat-') == 4
        assert 'data-wechat-copy="wechat-digest" aria-label="复制摘要" data-done="已复制摘要">复制</button>' in page
        assert "符合公众号的各项限制，可以复制粘贴到公众号编辑器。" in page

    def test_holds_the_body_to_copy_as_html_and_as_text_and_frames_it_at_a_phones_width(self, editor_client,
                                                                                         feature):
        edition = wechat_article(feature)
        page = editor_client.get(wechat_url(feature.pk)).content.decode()
        assert f'<textarea id="wechat-html" hidden readonly>{html.escape(edition.html, quote=True)}</textarea>' in page
        assert f'<textarea id="wechat-text" hidden readonly>{html.escape(edition.text, quote=True)}</textarea>' in page
        assert f'src="{frame_url(feature.pk)}" width="375" height="720" sandbox=""></iframe>' in page
        assert '<script src="/static/js/wechat-copy.js" defer></script>' in page
        assert f"正文 HTML 共 {edition.chars:,} 个字符（公众号上限 20,000）" in page

    def test_warnings_come_first(self, editor_client, make_article):
        article = make_article("高" * 40)
        page = editor_client.get(wechat_url(article.pk)).content.decode()
        assert "公众号会拒绝或删改以下内容，请先修改文章：" in page
        assert "<li>标题有 40 个字，公众号最多 32 个字，请删去 8 个字。</li>" in page
        assert 'wechat-count wechat-count--over">40 / 32 字' in page
        assert page.index("请删去 8 个字") < page.index('id="wechat-title"')

    def test_a_draft_is_said_to_be_unpublished_for_阅读原文(self, editor_client, draft_article, feature):
        notice = "本文尚未发布：“阅读原文”指向的网页要等发布后读者才能打开。"
        assert notice in editor_client.get(wechat_url(draft_article.pk)).content.decode()
        assert notice not in editor_client.get(wechat_url(feature.pk)).content.decode()

    def test_the_frame_is_the_body_alone_with_no_script_allowed(self, editor_client, feature):
        response = editor_client.get(frame_url(feature.pk))
        assert response.status_code == 200
        assert set(response["Content-Security-Policy"].split("; ")) == {
            "frame-ancestors 'self'", "default-src 'none'", "img-src https: http:", "style-src 'unsafe-inline'",
            "base-uri 'none'", "form-action 'none'",
        }
        assert response["X-Frame-Options"] == "SAMEORIGIN"
        assert wechat_article(feature).html in response.content.decode()


@pytest.mark.django_db
class TestAccess:
    def test_a_missing_article_is_404(self, editor_client):
        assert editor_client.get(wechat_url(999999)).status_code == 404
        assert editor_client.get(frame_url(999999)).status_code == 404
        assert editor_client.get("/admin/articles/article/abc/wechat/").status_code == 404

    def test_staff_without_the_view_permission_are_refused(self, client, feature):
        user = User.objects.create_user("visitor", password="visitor-password-1", is_staff=True)
        client.force_login(user)
        assert client.get(wechat_url(feature.pk)).status_code == 403
        assert client.get(frame_url(feature.pk)).status_code == 403

    def test_signed_out_visitors_are_sent_to_sign_in(self, client, feature):
        response = client.get(wechat_url(feature.pk))
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")

    def test_a_reporter_may_open_it(self, reporter_client, feature):
        assert reporter_client.get(wechat_url(feature.pk)).status_code == 200


@pytest.mark.django_db
class TestQueries:
    def test_the_page_of_the_seed_feature(self, editor_client, feature, django_assert_num_queries):
        # Session, user, article, its reporters (the admin's queryset), the user's and the
        # group's permissions, whether it is published, the last pushes (the push panel); the
        # edition without pictures costs none.
        with django_assert_num_queries(8):
            assert editor_client.get(wechat_url(feature.pk)).status_code == 200

    def test_pictures_add_two_queries_however_many(self, editor_client, make_article,
                                                   django_assert_num_queries):
        images = [with_sources(add_image(seed=n)) for n in range(3)]
        body = "".join(figure_html(image_id=image.pk, src=f"/media/{image.file.name}", alt=image.alt)
                       for image in images)
        article = make_article(body=body)
        Article.objects.filter(pk=article.pk).update(lead_image=with_sources(add_image(seed=7)))
        with django_assert_num_queries(10):
            page = editor_client.get(wechat_url(article.pk)).content.decode()
        assert page.count("<td>JPEG</td>") == 4


@pytest.mark.django_db
class TestPictureUses:
    def test_the_cover_is_also_a_body_picture(self, editor_client, make_article):
        """The cover is the lead picture, shown first in the body too (or the first figure), so
        the body's limits (JPEG or PNG, under 1 MB) apply to it as well."""
        figure = with_sources(add_image(seed=1))
        article = make_article(body=figure_html(image_id=figure.pk, src=f"/media/{figure.file.name}", alt=figure.alt))
        Article.objects.filter(pk=article.pk).update(lead_image=with_sources(add_image(seed=2)))
        page = editor_client.get(wechat_url(article.pk)).content.decode()
        table = page[page.index('<section class="module wechat-images"'):]
        uses = re.findall(r"<td>(封面和正文|正文|封面)</td></tr>", table[:table.index("</table>")])
        assert uses == ["封面和正文", "正文"]
