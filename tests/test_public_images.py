"""Pictures on the public site (issue 12, point 7): the <picture> tag, cards, the article's
lead image and figures, link previews, issue covers and reporter photos."""
import json
import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from articles.card_html import CARD_PICTURE_SIZES, LEAD_PICTURE_SIZES
from articles.models import Article
from newsroom.freshness import current
from newsroom.images.models import Image
from newsroom.models import Reporter
from newsroom.tasks import image_describe, render_image
from tests.pictures import add_image, srcset, with_sources
from tests.test_public_queries import BUDGETS, VERSION_READ

ARTICLE_SIZES = "(min-width: 47rem) 42.75rem, calc(100vw - 2rem)"
LAZY = ' loading="lazy" decoding="async"'


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def render(template: str, **context) -> str:
    return Template("{% load site_tags %}" + template).render(Context(context))


def stored_picture(article) -> str | None:
    return Article.objects.values_list("card_html", flat=True).get(pk=article.pk).get("picture")


def wide_picture(image, *, sizes: str, loading: str) -> str:
    """The exact <picture> of a ready image's 16:9 crop."""
    return (
        f'<picture><source type="image/avif" srcset="{srcset(image, "wide", "avif")}" sizes="{sizes}">'
        f'<source type="image/webp" srcset="{srcset(image, "wide", "webp")}" sizes="{sizes}">'
        f'<img src="/media/renditions/t/{image.pk}-wide-960.jpg" srcset="{srcset(image, "wide", "jpg")}" sizes="{sizes}" '
        f'width="1600" height="900" alt="园区的研发大楼" class="picture--wide focus-x5 focus-y5"{loading}></picture>'
    )


def with_figures(article, *images) -> Article:
    """The body with a figure per image, as the sanitizer stores it (written past save(), which
    sanitizes: the figure markup is the desk's part of this issue)."""
    figures = "".join(
        f'<figure data-image="{image.pk}"><img src="/{image.file.name}" alt="{image.alt}" width="{image.width}" '
        f'height="{image.height}"><figcaption>说明{n}<small>摄影 张三</small></figcaption></figure><p>第{n}段。</p>'
        for n, image in enumerate(images, start=1)
    )
    Article.objects.filter(pk=article.pk).update(body=f"<p>开头。</p>{figures}")
    return article


@pytest.mark.django_db
class TestPictureTag:
    def test_a_ready_image_is_a_picture_with_avif_webp_and_jpeg_at_three_widths(self):
        image = with_sources(add_image())
        html = render('{% picture image "wide" sizes="50vw" %}', image=image)
        assert html == wide_picture(image, sizes="50vw", loading=LAZY)

    def test_without_renditions_the_master_at_its_natural_size_cropped_around_the_focal_point(self):
        image = add_image()
        Image.objects.filter(pk=image.pk).update(focal_x=0.26, focal_y=0.74)
        image.refresh_from_db()
        html = render('{% picture image "wide" sizes="50vw" %}', image=image)
        assert html == (
            f'<img src="/media/{image.file.name}" width="1800" height="1200" alt="园区的研发大楼" '
            'class="picture--wide focus-x3 focus-y7" loading="lazy" decoding="async">'
        )

    def test_the_original_shape_needs_no_box_and_priority_is_eager(self):
        image = with_sources(add_image())
        html = render('{% picture image sizes="100vw" lazy=False priority=True %}', image=image)
        assert html.endswith(
            f'<img src="/media/renditions/t/{image.pk}-original-960.jpg" srcset="{srcset(image, "original", "jpg")}" '
            'sizes="100vw" width="1600" height="1067" alt="园区的研发大楼" decoding="async" fetchpriority="high"></picture>'
        )

    def test_no_image_renders_nothing(self):
        assert render('{% picture image "wide" %}', image=None) == ""


@pytest.mark.django_db
class TestCards:
    def test_the_card_stores_the_lead_image_as_a_lazy_thumbnail(self, make_article):
        image = with_sources(add_image())
        article = make_article("园区新闻")
        article.lead_image = image
        article.save()
        assert stored_picture(article) == (
            '<div class="card__picture">'
            + wide_picture(image, sizes=CARD_PICTURE_SIZES, loading=LAZY)
            + "</div>"
        )

    def test_a_list_places_the_picture_between_kicker_and_headline(self, make_article, make_issue, client):
        image = with_sources(add_image())
        article = make_article("园区新闻", issue=make_issue(1), kicker="引题")
        article.lead_image = image
        article.save()
        html = client.get("/issues/1/").content.decode()
        assert (
            '<article class="card">\n  <p class="kicker">引题</p>\n'
            f'  <div class="card__picture">{wide_picture(image, sizes=CARD_PICTURE_SIZES, loading=LAZY)}</div>\n'
            '  <h3 class="card__headline">'
        ) in html

    def test_the_front_pages_lead_card_shows_it_across_the_column_at_once(self, make_article, make_issue, client):
        image = with_sources(add_image())
        issue = make_issue(1)
        lead, second = make_article("头条", issue=issue), make_article("二条", issue=issue, position=2)
        for article in (lead, second):
            article.lead_image = image
            article.save()
        html = client.get("/").content.decode()
        lead_card = html[html.index('<article class="card card--lead">'):]
        lead_card = lead_card[: lead_card.index("</article>")]
        assert wide_picture(image, sizes=LEAD_PICTURE_SIZES, loading=' decoding="async" fetchpriority="high"') in lead_card
        # Every other card keeps the lazy thumbnail: 1 in the issue, 2 in the latest column.
        assert html.count(wide_picture(image, sizes=CARD_PICTURE_SIZES, loading=LAZY)) == 3

    def test_a_card_without_a_lead_image_stores_no_picture(self, make_article):
        assert stored_picture(make_article("无图")) is None

    def test_cards_stored_before_pictures_came_show_none(self, make_article, make_issue, client):
        article = make_article("旧卡片", issue=make_issue(1))
        old = {key: value for key, value in article.card_html.items() if key != "picture"}
        Article.objects.filter(pk=article.pk).update(card_html=old)
        html = client.get("/issues/1/").content.decode()
        assert '<article class="card">\n  \n  \n  <h3 class="card__headline">' in html

    def test_removing_the_lead_image_removes_the_picture(self, make_article):
        article = make_article("园区新闻")
        article.lead_image = add_image()
        article.save()
        article.lead_image = None
        article.save()
        assert stored_picture(article) is None

    def test_renditions_made_by_the_worker_reach_the_stored_card(self, make_article):
        image = add_image(width=600, height=400)
        article = make_article("园区新闻")
        article.lead_image = image
        article.save()
        assert "<picture>" not in stored_picture(article)
        render_image.call(image.pk)
        image.refresh_from_db()
        wide = image.sources["shapes"]["wide"]["jpeg"]
        assert [width for width, _height, _name in wide] == [480]
        assert f'<img src="/media/{wide[0][2]}" srcset="/media/{wide[0][2]} 480w"' in stored_picture(article)

    def test_a_new_alt_text_is_stored_in_the_cards_of_the_articles_it_leads(self, make_article):
        image = add_image()
        led, other = make_article("园区新闻"), make_article("另一篇")
        led.lead_image = image
        led.save()
        image_describe(image=image, alt="科技园区的实验室")
        assert 'alt="科技园区的实验室"' in stored_picture(led)
        assert stored_picture(other) is None

    def test_a_file_name_as_alt_text_is_refused_and_nothing_written(self, make_article):
        from django.core.exceptions import ValidationError

        image = add_image()
        with pytest.raises(ValidationError) as refused:
            image_describe(image=image, alt="IMG_0042.JPG", caption="新的说明")
        assert refused.value.message_dict == {"alt": ["替代文字不能是文件名，请说明图片里有什么。"]}
        assert Image.objects.values_list("alt", "caption").get(pk=image.pk) == ("园区的研发大楼", "")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestDescribingAnImage:
    """Committed, so that the content version moves on (tests/conftest.py)."""

    def test_a_caption_change_writes_no_card_but_moves_the_content_version(self, make_article):
        image = add_image()
        article = make_article("园区新闻")
        article.lead_image = image
        article.save()
        before = current().number
        with CaptureQueriesContext(connection) as queries:
            image_describe(image=image, caption="新的说明", credit="李四")
        assert [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "articles_article" in q["sql"]] == []
        assert Image.objects.values_list("caption", "credit").get(pk=image.pk) == ("新的说明", "李四")
        assert current().number == before + 1


@pytest.mark.django_db
class TestArticlePage:
    @pytest.fixture
    def article(self, make_article, make_issue, make_zone):
        # With a zone, so that the page looks for related articles as its budget counts.
        article = make_article("园区新闻", issue=make_issue(1), zones=[make_zone("成都高新区")])
        article.lead_image = add_image(caption="签约仪式现场", credit="张三")
        article.save()
        return article

    def test_the_lead_image_at_its_own_ratio_eager_with_caption_and_credit(self, article, client):
        image = with_sources(article.lead_image)
        html = client.get(article.get_absolute_url()).content.decode()
        assert (
            '<figure class="story__lead"><picture>'
            f'<source type="image/avif" srcset="{srcset(image, "original", "avif")}" sizes="{ARTICLE_SIZES}">'
            f'<source type="image/webp" srcset="{srcset(image, "original", "webp")}" sizes="{ARTICLE_SIZES}">'
            f'<img src="/media/renditions/t/{image.pk}-original-960.jpg" srcset="{srcset(image, "original", "jpg")}" '
            f'sizes="{ARTICLE_SIZES}" width="1600" height="1067" alt="园区的研发大楼" decoding="async" fetchpriority="high">'
            "</picture><figcaption>签约仪式现场<small>摄影 张三</small></figcaption></figure>"
        ) in html

    def test_a_lead_image_without_caption_or_credit_has_no_figcaption(self, make_article, client):
        article = make_article("园区新闻")
        article.lead_image = image = add_image()
        article.save()
        html = client.get(article.get_absolute_url()).content.decode()
        assert (
            f'<figure class="story__lead"><img src="/media/{image.file.name}" width="1800" height="1200" '
            'alt="园区的研发大楼" decoding="async" fetchpriority="high"></figure>'
        ) in html

    def test_body_figures_become_pictures_and_keep_their_captions(self, article, client):
        ready, waiting = with_sources(add_image(seed=1, alt="实验室")), add_image(seed=2, alt="厂房")
        with_figures(article, ready, waiting)
        html = client.get(article.get_absolute_url()).content.decode()
        body = html[html.index('<div class="story__body">'):html.index('<footer class="story__footer">')]
        sizes = ARTICLE_SIZES
        assert body.split("\n")[1].strip() == (
            f'<p>开头。</p><figure data-image="{ready.pk}"><picture>'
            f'<source type="image/avif" srcset="{srcset(ready, "original", "avif")}" sizes="{sizes}">'
            f'<source type="image/webp" srcset="{srcset(ready, "original", "webp")}" sizes="{sizes}">'
            f'<img src="/media/renditions/t/{ready.pk}-original-960.jpg" srcset="{srcset(ready, "original", "jpg")}" '
            f'sizes="{sizes}" width="1600" height="1067" alt="实验室" loading="lazy" decoding="async"></picture>'
            "<figcaption>说明1<small>摄影 张三</small></figcaption></figure><p>第1段。</p>"
            f'<figure data-image="{waiting.pk}"><img src="/media/{waiting.file.name}" width="1800" height="1200" '
            'alt="厂房" loading="lazy" decoding="async">'
            "<figcaption>说明2<small>摄影 张三</small></figcaption></figure><p>第2段。</p>"
        )

    def test_a_figure_whose_image_is_gone_keeps_its_stored_img(self, article, client):
        Article.objects.filter(pk=article.pk).update(
            body='<figure data-image="999999"><img src="/media/images/x.jpg" alt="旧图" width="10" height="10"></figure>'
        )
        html = client.get(article.get_absolute_url()).content.decode()
        assert '<figure data-image="999999"><img src="/media/images/x.jpg" alt="旧图" width="10" height="10"></figure>' in html

    @pytest.mark.parametrize("figures, extra", [(0, 0), (1, 1), (4, 1)])
    def test_all_the_figures_of_a_body_cost_one_query(self, article, client, figures, extra):
        with_figures(article, *[add_image(seed=n + 1) for n in range(figures)])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(article.get_absolute_url()).status_code == 200
        assert len(queries) == BUDGETS["article"] + VERSION_READ + extra

    def test_link_previews_show_the_16_9_rendition_at_1600(self, article, client):
        image = with_sources(article.lead_image)
        html = client.get(article.get_absolute_url()).content.decode()
        url = f"http://testserver/media/renditions/t/{image.pk}-wide-1600.jpg"
        assert (
            f'<meta property="og:image" content="{url}">\n'
            '  <meta property="og:image:width" content="1600">\n'
            '  <meta property="og:image:height" content="900">\n'
            '  <meta property="og:image:alt" content="园区的研发大楼">'
        ) in html
        assert json_ld(html)["image"] == {"@type": "ImageObject", "url": url, "width": 1600, "height": 900}

    def test_link_previews_show_the_master_until_the_renditions_are_made(self, article, client):
        html = client.get(article.get_absolute_url()).content.decode()
        url = f"http://testserver/media/{article.lead_image.file.name}"
        assert f'<meta property="og:image" content="{url}">\n  <meta property="og:image:width" content="1800">' in html
        assert json_ld(html)["image"] == {"@type": "ImageObject", "url": url, "width": 1800, "height": 1200}

    def test_an_article_without_a_lead_image_names_no_image(self, make_article, client):
        html = client.get(make_article("无图").get_absolute_url()).content.decode()
        assert "og:image" not in html
        assert "image" not in json_ld(html)

    def test_the_preview_shows_the_lead_image_too(self, article, editor_client):
        html = editor_client.get(f"/preview/articles/{article.pk}/").content.decode()
        assert f'<figure class="story__lead"><img src="/media/{article.lead_image.file.name}"' in html


def json_ld(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1])


@pytest.mark.django_db
class TestCoversAndPhotos:
    def test_the_issue_page_shows_its_cover_at_once(self, make_issue, make_article, client):
        issue = make_issue(1)
        issue.cover = cover = with_sources(add_image(alt="第1期封面"))
        issue.save()
        make_article("园区新闻", issue=issue)
        html = client.get("/issues/1/").content.decode()
        assert (
            '<header class="issue-band">\n  <div class="issue-band__cover"><picture>'
            f'<source type="image/avif" srcset="{srcset(cover, "original", "avif")}" sizes="8rem">'
            f'<source type="image/webp" srcset="{srcset(cover, "original", "webp")}" sizes="8rem">'
            f'<img src="/media/renditions/t/{cover.pk}-original-960.jpg" srcset="{srcset(cover, "original", "jpg")}" '
            'sizes="8rem" width="1600" height="1067" alt="第1期封面" decoding="async"></picture></div>'
        ) in html

    def test_the_archive_shows_covers_lazily_below_its_first_rows(self, make_issue, client):
        covers = {}
        for number in range(1, 7):
            issue = make_issue(number)
            issue.cover = covers[number] = add_image(seed=number, alt=f"第{number}期封面")
            issue.save()
        html = client.get("/issues/").content.decode()
        shown = re.findall(r'<div class="issue-list__cover"><img src="([^"]+)"[^>]*alt="(第\d期封面)"( loading="lazy")?', html)
        assert shown == [
            (f"/media/{covers[number].file.name}", f"第{number}期封面", " loading=\"lazy\"" if number <= 2 else "")
            for number in range(6, 0, -1)
        ]

    def test_the_reporter_page_shows_the_square_photo(self, make_article, client):
        make_article("园区新闻")
        reporter = Reporter.objects.get(name="刘琴")
        reporter.photo = photo = with_sources(add_image(alt="刘琴的照片"))
        reporter.save()
        html = client.get("/reporters/liu-qin/").content.decode()
        assert (
            '<header class="profile">\n  <div class="profile__photo"><picture>'
            f'<source type="image/avif" srcset="{srcset(photo, "square", "avif")}" sizes="6rem">'
            f'<source type="image/webp" srcset="{srcset(photo, "square", "webp")}" sizes="6rem">'
            f'<img src="/media/renditions/t/{photo.pk}-square-960.jpg" srcset="{srcset(photo, "square", "jpg")}" '
            'sizes="6rem" width="960" height="960" alt="刘琴的照片" class="picture--square focus-x5 focus-y5" '
            'decoding="async"></picture></div>'
        ) in html


# The session, the user, the issue, its articles with their lead images.
PREVIEW_QUERIES = 4


@pytest.mark.django_db
class TestPreviewCards:
    @pytest.mark.parametrize("count", [1, 4])
    def test_live_cards_of_a_preview_read_their_pictures_with_the_articles(self, editor_client, make_issue, make_article, count):
        """A preview renders its cards live; their lead images come in the articles' query."""
        issue = make_issue(9, status="draft")
        image = add_image()
        for n in range(count):
            article = make_article(f"草稿{n}", issue=issue, position=n, status="draft")
            article.lead_image = image
            article.save()
        editor_client.get("/preview/issues/9/")  # the session and the desk's permissions, once
        with CaptureQueriesContext(connection) as queries:
            html = editor_client.get("/preview/issues/9/").content.decode()
        assert html.count(f'<div class="card__picture"><img src="/media/{image.file.name}"') == count
        assert len(queries) == PREVIEW_QUERIES

