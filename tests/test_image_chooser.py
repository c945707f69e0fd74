"""The image chooser: its staff-only list, the image fields' widget, and what saving an
article with a lead image and figures stores (issue 12)."""
import io
import json

import pytest
from django.contrib.auth.models import Permission, User
from django.db.models import ProtectedError
from PIL import Image as PILImage

from articles.body import figure_html
from articles.models import Article, Figure
from articles.revisions.history import article_versions
from newsroom.admin import image_chooser
from newsroom.admin.article_forms import body_field
from newsroom.images.models import Image, Rendition
from newsroom.images.storing import image_add
from newsroom.models import Issue, Reporter

CHOOSER = "/admin/image-chooser/"


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def photo_bytes(width: int, height: int, seed: int) -> bytes:
    """A small noisy JPEG; `seed` makes each one a different picture (another SHA-256)."""
    picture = PILImage.effect_noise((width, height), 30 + seed).convert("RGB")
    picture.paste((seed * 37 % 256, 90, 160), (0, 0, width // 3, height))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80)
    return out.getvalue()


@pytest.fixture
def add_image(db):
    counter = iter(range(1, 1000))

    def add(title, *, alt=None, caption="", credit="", width=64, height=48) -> Image:
        image, created = image_add(
            data=photo_bytes(width, height, next(counter)), title=title, alt=alt or f"{title}的画面",
            caption=caption, credit=credit,
        )
        assert created
        return image

    return add


@pytest.fixture
def chooser_client(client, editor_user):
    """An editor allowed to see the library (granted here, whatever the roles grant)."""
    editor_user.user_permissions.add(Permission.objects.get(content_type__app_label="images", codename="view_image"))
    client.force_login(User.objects.get(pk=editor_user.pk))  # a fresh user: no cached permissions
    return client


def choices(client, **params) -> dict:
    response = client.get(CHOOSER, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def summary(image: Image) -> dict:
    """What the list says of an image without renditions: the master is the thumbnail."""
    return {
        "id": image.pk, "title": image.title, "alt": image.alt, "caption": image.caption,
        "credit": image.credit, "credit_line": f"摄影 {image.credit}" if image.credit else "",
        "src": f"/media/{image.file.name}", "width": image.width, "height": image.height,
        "thumb": f"/media/{image.file.name}", "thumb_width": image.width, "thumb_height": image.height,
    }


class TestChoices:
    def test_lists_the_library_newest_first(self, chooser_client, add_image):
        first = add_image("高新区全景", caption="航拍", credit="张三", width=80, height=40)
        second = add_image("实验室")
        assert choices(chooser_client) == {
            "query": "", "count": 2, "page": 1, "pages": 1, "previous": None, "next": None,
            "results": [summary(second), summary(first)],
        }

    @pytest.mark.parametrize(("query", "titles"), [
        ("签约", ["签约仪式"]),            # the title
        ("厂房", ["外景"]),                # the caption
        ("王五", ["车间"]),                # the credit
        ("机器人", ["生产线"]),             # the alt text
        ("仪式 签约", ["签约仪式"]),        # every word must match
        ("签约 厂房", []),
        ("无此图", []),
    ])
    def test_search_title_caption_credit_and_alt(self, chooser_client, add_image, query, titles):
        add_image("签约仪式")
        add_image("外景", caption="新建的厂房")
        add_image("车间", credit="王五")
        add_image("生产线", alt="工业机器人在焊接")
        assert [r["title"] for r in choices(chooser_client, q=query)["results"]] == titles

    def test_pages(self, chooser_client, add_image, monkeypatch):
        monkeypatch.setattr(image_chooser, "PER_PAGE", 2)
        one, two, three = add_image("一"), add_image("二"), add_image("三")
        first = choices(chooser_client)
        assert [r["id"] for r in first["results"]] == [three.pk, two.pk]
        assert (first["page"], first["pages"], first["previous"], first["next"]) == (1, 2, None, 2)
        last = choices(chooser_client, page=2)
        assert [r["id"] for r in last["results"]] == [one.pk]
        assert (last["page"], last["previous"], last["next"]) == (2, 1, None)

    @pytest.mark.parametrize(("page", "shown"), [("abc", 1), ("99", 2), ("-1", 2), ("9" * 30, 2)])
    def test_a_bad_page_number_shows_a_page_that_exists(self, chooser_client, add_image, monkeypatch, page, shown):
        monkeypatch.setattr(image_chooser, "PER_PAGE", 2)
        for title in "一二三":
            add_image(title)
        assert choices(chooser_client, page=page)["page"] == shown

    def test_thumbnail_is_the_smallest_ready_rendition(self, chooser_client, add_image):
        image = add_image("有版本的图", width=64, height=48)
        image.sources = {"version": 1, "shapes": {
            "original": {"width": 64, "height": 48, "webp": [[64, 48, "renditions/ab/o-64.webp"]],
                         "jpeg": [[64, 48, "renditions/ab/o-64.jpg"]]},
            "square": {"width": 48, "height": 48, "jpeg": [[48, 48, "renditions/ab/s-48.jpg"]],
                       "webp": [[48, 48, "renditions/ab/s-48.webp"]]},
        }}
        image.save(update_fields=["sources"])
        result = choices(chooser_client)["results"][0]
        assert (result["thumb"], result["thumb_width"], result["thumb_height"]) == ("/media/renditions/ab/s-48.webp", 48, 48)
        assert result["src"] == f"/media/{image.file.name}"

    def test_listing_makes_no_rendition_and_few_queries(self, chooser_client, add_image, media_root,
                                                        django_assert_max_num_queries):
        for n in range(5):
            add_image(f"图{n}")
        files_before = sorted(p for p in media_root.rglob("*") if p.is_file())
        # The session, the user and their permissions, the count, the page.
        with django_assert_max_num_queries(6):
            assert len(choices(chooser_client)["results"]) == 5
        assert Rendition.objects.count() == 0
        assert sorted(p for p in media_root.rglob("*") if p.is_file()) == files_before

    def test_signed_out_goes_to_the_sign_in_page(self, client):
        response = client.get(CHOOSER)
        assert (response.status_code, response["Location"]) == (302, "/admin/login/?next=/admin/image-chooser/")

    def test_a_desk_user_without_the_library_is_refused(self, client, db):
        client.force_login(User.objects.create_user("clerk", password="clerk-password-1", is_staff=True))
        assert client.get(CHOOSER).status_code == 403

    def test_an_account_outside_the_desk_is_sent_to_sign_in(self, client, db):
        client.force_login(User.objects.create_user("reader", password="reader-password-1"))
        assert client.get(CHOOSER).status_code == 302

    def test_only_get(self, chooser_client):
        assert chooser_client.post(CHOOSER).status_code == 405


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser("chief", password="chief-password-1", first_name="总编"))
    return client


class TestWidget:
    def test_the_cover_field_shows_the_current_picture(self, superuser_client, make_issue, add_image):
        cover = add_image("第一期封面", alt="园区夜景")
        issue = make_issue(1)
        Issue.objects.filter(pk=issue.pk).update(cover=cover)
        html = superuser_client.get(f"/admin/newsroom/issue/{issue.pk}/change/").content.decode()
        assert f'<input type="hidden" class="image-chooser__value" name="cover" value="{cover.pk}" id="id_cover">' in html
        assert f'<img src="/media/{cover.file.name}" alt="" width="64" height="48">' in html
        assert "替代文字：园区夜景" in html
        assert '<label for="id_cover_choose">封面:</label>' in html
        assert '<button type="button" class="button image-chooser__choose" id="id_cover_choose">选择图片</button>' in html
        assert '<button type="button" class="button image-chooser__clear">清除</button>' in html
        assert 'data-url="/admin/image-chooser/"' in html
        assert "/static/js/image-chooser.js" in html

    def test_an_empty_field_says_so(self, superuser_client, make_issue, db):
        issue = make_issue(1)
        html = superuser_client.get(f"/admin/newsroom/issue/{issue.pk}/change/").content.decode()
        assert '<input type="hidden" class="image-chooser__value" name="cover" value="" id="id_cover">' in html
        assert '<p class="image-chooser__empty">未选择图片</p>' in html
        assert '<button type="button" class="button image-chooser__clear" hidden>清除</button>' in html

    def test_the_photo_field_of_a_reporter(self, superuser_client, add_image):
        photo = add_image("刘琴", alt="刘琴的正面照")
        reporter = Reporter.objects.create(name="刘琴", photo=photo)
        html = superuser_client.get(f"/admin/newsroom/reporter/{reporter.pk}/change/").content.decode()
        assert f'name="photo" value="{photo.pk}" id="id_photo">' in html
        assert "替代文字：刘琴的正面照" in html

    def test_choosing_and_clearing_a_cover(self, superuser_client, make_issue, add_image):
        cover = add_image("封面")
        issue = make_issue(1)
        data = {"number": 1, "date": "2025-01-06", "title": "", "cover": cover.pk,
                "articles-TOTAL_FORMS": 0, "articles-INITIAL_FORMS": 0}
        url = f"/admin/newsroom/issue/{issue.pk}/change/"
        assert superuser_client.post(url, data).status_code == 302
        assert Issue.objects.get(pk=issue.pk).cover == cover
        assert superuser_client.post(url, {**data, "cover": ""}).status_code == 302
        assert Issue.objects.get(pk=issue.pk).cover is None

    @pytest.mark.parametrize("value", ["🔥", "9" * 30, "999999"])
    def test_a_bad_choice_is_a_form_error(self, superuser_client, make_issue, value):
        issue = make_issue(1)
        data = {"number": 1, "date": "2025-01-06", "cover": value,
                "articles-TOTAL_FORMS": 0, "articles-INITIAL_FORMS": 0}
        response = superuser_client.post(f"/admin/newsroom/issue/{issue.pk}/change/", data)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["cover"] == ["选择一个有效的选项： 该选择不在可用的选项中。"]

    def test_the_body_editor_offers_the_figure_and_its_dialog(self, superuser_client, draft_article):
        html = superuser_client.get(f"/admin/articles/article/{draft_article.pk}/change/").content.decode()
        config = body_field().widget.get_config()
        assert config["extensions"]["LibraryFigure"] is True
        assert config["js_modules"] == ["/static/js/prose-figure.js"]
        assert '<div class="image-figure-host"><textarea' in html
        assert 'id="id_body_chooser"' in html and 'data-label-insert="插入图片"' in html
        assert 'name="lead_image" value="" id="id_lead_image">' in html


def figure(image: Image, caption: str = "") -> str:
    return figure_html(image_id=image.pk, src=f"/media/{image.file.name}", alt=image.alt,
                       width=image.width, height=image.height, caption=caption)


def figure_ids_stored(article: Article) -> list[int]:
    return list(Figure.objects.filter(article=article).order_by("position").values_list("image_id", flat=True))


class TestSavingAnArticle:
    def test_admin_save_sets_the_lead_image_and_the_figures(self, editor_client, draft_article, article_form_data,
                                                            add_image):
        lead, inside = add_image("题图"), add_image("正文图")
        body = f"<p>第一段。</p>{figure(inside, '说明')}<p>第二段。</p>"
        response = editor_client.post(
            f"/admin/articles/article/{draft_article.pk}/change/",
            article_form_data(draft_article, lead_image=lead.pk, body=body),
        )
        assert response.status_code == 302
        article = Article.objects.get(pk=draft_article.pk)
        assert article.lead_image == lead
        assert article.body == body
        assert list(article.figures.all()) == [inside]
        assert lead.usage()["articles"] == [article] and inside.usage()["articles"] == [article]

    def test_figures_follow_the_body_in_its_order(self, draft_article, add_image):
        one, two = add_image("一"), add_image("二")
        draft_article.body = f"{figure(one)}<p>文</p>{figure(two)}{figure(one)}"
        draft_article.save()
        assert figure_ids_stored(draft_article) == [one.pk, two.pk]
        draft_article.body = f"{figure(two)}<p>文</p>{figure(one)}"
        draft_article.save()
        assert figure_ids_stored(draft_article) == [two.pk, one.pk]
        draft_article.body = "<p>不再有图。</p>"
        draft_article.save()
        assert figure_ids_stored(draft_article) == []

    def test_a_new_article_with_figures(self, add_image):
        image = add_image("图")
        article = Article.objects.create(headline="新稿", body=figure(image))
        assert figure_ids_stored(article) == [image.pk]

    def test_a_figure_of_a_picture_not_in_the_library_is_kept_but_not_linked(self, draft_article, add_image):
        image = add_image("图")
        missing = figure_html(image_id=image.pk + 1000, src="/media/images/gone.jpg", alt="已删除")
        draft_article.body = missing + figure(image)
        draft_article.save()
        assert figure_ids_stored(draft_article) == [image.pk]
        assert Article.objects.get(pk=draft_article.pk).body == missing + figure(image)

    def test_a_save_of_other_fields_leaves_the_figures(self, draft_article, add_image):
        image = add_image("图")
        draft_article.body = figure(image)
        draft_article.save()
        Figure.objects.filter(article=draft_article).delete()
        draft_article.headline = "只改标题"
        draft_article.save(update_fields=["headline", "version", "slug", "search_text", "card_html"])
        assert figure_ids_stored(draft_article) == []

    def test_a_picture_in_a_body_cannot_be_deleted(self, draft_article, add_image):
        image = add_image("图")
        draft_article.body = figure(image)
        draft_article.save()
        with pytest.raises(ProtectedError):
            image.delete()

    def test_restoring_a_revision_restores_its_figures(self, editor_client, draft_article, article_form_data,
                                                      add_image):
        one, two = add_image("一"), add_image("二")
        url = f"/admin/articles/article/{draft_article.pk}/change/"
        editor_client.post(url, article_form_data(draft_article, body=figure(one)))
        editor_client.post(url, article_form_data(draft_article, body=figure(two)))
        assert figure_ids_stored(draft_article) == [two.pk]
        with_one = article_versions(article=draft_article)[1]
        response = editor_client.post(f"{url.removesuffix('change/')}revisions/{with_one.pk}/restore/")
        assert response.status_code == 302
        assert figure_ids_stored(draft_article) == [one.pk]
