"""Topics get usable pinyin slugs whatever their name, old slugs redirect, and feeds
carry what editors typed as text, never as markup."""
import hashlib
import html
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from importlib import import_module

import pytest
from django.apps import apps
from taggit.models import Tag

from articles.models import Article, TopicRedirect

ATOM = "{http://www.w3.org/2005/Atom}"


def sha8(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


@pytest.mark.django_db
class TestTopicSlugs:
    def test_han_names_get_pinyin(self):
        assert Tag.objects.create(name="生物医药").slug == "sheng-wu-yi-yao"

    @pytest.mark.parametrize("name", ["🔥", "!!!", "……", "\u200b", "👩\u200d🔬"])
    def test_names_with_nothing_to_spell_get_a_stable_fallback(self, name):
        assert Tag.objects.create(name=name).slug == f"tag-{sha8(name)}"

    def test_two_names_that_sound_alike_get_distinct_slugs(self):
        first, second = Tag.objects.create(name="科技"), Tag.objects.create(name="柯基")
        assert (first.slug, second.slug) == ("ke-ji", "ke-ji-2")

    def test_tags_added_to_an_article_get_slugs(self, make_article):
        article = make_article("话题测试", tags=["🔥", "!!!", "人工智能"])
        assert sorted(article.tags.values_list("slug", flat=True)) == sorted(
            [f"tag-{sha8('🔥')}", f"tag-{sha8('!!!')}", "ren-gong-zhi-neng"]
        )

    def test_pages_that_link_such_topics_answer(self, client, make_article, editor_client):
        article = make_article("话题测试", tags=["🔥", "!!!"])
        for url in (article.get_absolute_url(), "/sitemap-tags.xml", f"/tags/tag-{sha8('🔥')}/", f"/tags/tag-{sha8('!!!')}/feed/"):
            assert client.get(url).status_code == 200, url
        assert editor_client.get(f"/preview/articles/{article.pk}/").status_code == 200

    def test_new_topics_typed_in_the_article_form_get_slugs(self, editor_client, draft_article, article_form_data):
        response = editor_client.post(
            f"/admin/articles/article/{draft_article.pk}/change/", article_form_data(draft_article, new_tags="🔥, !!!")
        )
        assert response.status_code == 302
        assert sorted(draft_article.tags.values_list("slug", flat=True)) == sorted([f"tag-{sha8('🔥')}", f"tag-{sha8('!!!')}"])


@pytest.mark.django_db
class TestOldSlugs:
    def test_the_migration_gives_old_topics_pinyin_and_keeps_their_old_slugs(self):
        migration = import_module("articles.migrations.0004_topic_slugs")
        han = Tag.objects.create(name="科技创新")
        empty = Tag.objects.create(name="🔥")
        Tag.objects.filter(pk=han.pk).update(slug="科技创新")
        Tag.objects.filter(pk=empty.pk).update(slug="")
        migration.pinyin_topic_slugs(apps, None)
        assert list(Tag.objects.order_by("pk").values_list("slug", flat=True)) == ["ke-ji-chuang-xin", f"tag-{sha8('🔥')}"]
        assert list(TopicRedirect.objects.values_list("old_slug", "tag__slug")) == [("科技创新", "ke-ji-chuang-xin")]

    def test_old_page_and_feed_addresses_redirect_permanently(self, client, make_article):
        make_article("话题测试", tags=["科技创新"])
        TopicRedirect.objects.create(old_slug="科技创新", tag=Tag.objects.get(name="科技创新"))
        page, feed = client.get("/tags/科技创新/"), client.get("/tags/科技创新/feed/")
        assert (page.status_code, page["Location"]) == (301, "/tags/ke-ji-chuang-xin/")
        assert (feed.status_code, feed["Location"]) == (301, "/tags/ke-ji-chuang-xin/feed/")

    def test_an_unknown_slug_is_still_a_404(self, client):
        assert client.get("/tags/no-such-topic/").status_code == 404
        assert client.get("/tags/no-such-topic/feed/").status_code == 404

    def test_an_editor_changing_a_slug_leaves_the_old_one_redirecting(self, editor_client, make_article):
        make_article("话题测试", tags=["科技创新"])
        tag = Tag.objects.get(name="科技创新")
        response = editor_client.post(f"/admin/taggit/tag/{tag.pk}/change/", {"name": "科技创新", "slug": "innovation"})
        assert response.status_code == 302
        assert editor_client.get("/tags/ke-ji-chuang-xin/")["Location"] == "/tags/innovation/"


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def as_a_feed_reader_shows(element) -> tuple[list[str], str]:
    """Unescape by the declared type, then parse: which elements a reader would render, and the text."""
    content = element.text or ""
    if element.get("type") == "html":
        markup = _Markup()
        markup.feed(content)
        return markup.tags, html.unescape("".join(markup.text))
    return [], content


HOSTILE = '<img src=x onerror="alert(1)"><a href="javascript:alert(2)">点我</a>'


@pytest.mark.django_db
class TestFeedsCarryText:
    @pytest.mark.parametrize("where", ["standfirst", "first paragraph"])
    def test_hostile_text_reaches_readers_as_text(self, client, make_article, make_zone, where):
        zone = make_zone("成都高新区")
        body = f"<p>{html.escape(HOSTILE)}</p>" if where == "first paragraph" else "<p>正文。</p>"
        make_article(
            HOSTILE, tags=[HOSTILE], zones=[zone], reporters=[(HOSTILE[:20], "作者")],
            standfirst=HOSTILE if where == "standfirst" else "", body=body,
        )
        tag = Tag.objects.get(name=HOSTILE)
        for url in ("/feed/", f"{zone.get_absolute_url()}feed/", f"/tags/{tag.slug}/feed/"):
            response = client.get(url)
            assert response.status_code == 200, url
            [entry] = ET.fromstring(response.content).iter(f"{ATOM}entry")
            summary = entry.find(f"{ATOM}summary")
            assert as_a_feed_reader_shows(summary) == ([], HOSTILE)
            assert as_a_feed_reader_shows(entry.find(f"{ATOM}title")) == ([], HOSTILE)
            assert entry.find(f"{ATOM}author").findtext(f"{ATOM}name") == HOSTILE[:20]
            assert [c.get("term") for c in entry.iter(f"{ATOM}category")] == [HOSTILE]


@pytest.mark.django_db
class TestTopicNamesInTheForm:
    def test_a_topic_name_too_long_is_a_form_error_and_the_text_stays(self, editor_client, draft_article, article_form_data):
        long_name = "很" * 101
        response = editor_client.post(
            f"/admin/articles/article/{draft_article.pk}/change/",
            article_form_data(draft_article, new_tags=long_name, headline="编辑正在改的标题"),
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["new_tags"] == ["话题“很很很很很很很很很很…”太长：最多 100 个字符，现在 101 个。"]
        assert "编辑正在改的标题" in response.content.decode()

    def test_an_invisible_topic_name_is_a_form_error(self, editor_client, draft_article, article_form_data):
        response = editor_client.post(
            f"/admin/articles/article/{draft_article.pk}/change/", article_form_data(draft_article, new_tags="\u200b\u200b")
        )
        assert response.context["adminform"].form.errors["new_tags"] == ["话题名不能只有空白或不可见字符。"]


@pytest.mark.django_db
class TestTopicsThatCannotBreakPages:
    """A topic whose slug no URL can carry (left by a script or an old bug) is shown unlinked."""

    @pytest.fixture
    def article(self, make_article):
        return make_article("话题测试", tags=["🔥", "!!!"])

    @pytest.mark.parametrize("bad_slug", ["", "a/b"])
    def test_article_page_shows_the_name_unlinked(self, client, article, bad_slug):
        Tag.objects.filter(name="🔥").update(slug=bad_slug)
        # A queryset update bypasses the save paths, so it refreshes the card itself.
        Article.objects.filter(pk=article.pk).refresh_cards()
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200
        assert "<li>🔥</li>" in response.content.decode()

    @pytest.mark.parametrize("bad_slug", ["", "a/b"])
    def test_sitemap_leaves_it_out(self, client, article, bad_slug, sitemap_locations):
        Tag.objects.filter(name="🔥").update(slug=bad_slug)
        locations = sitemap_locations(client)
        assert [loc for loc in locations if "/tags/" in loc] == [f"http://testserver/tags/tag-{sha8('!!!')}/"]


@pytest.mark.django_db
class TestTopicNamesInTheTopicAdmin:
    def test_a_name_differing_only_in_case_is_refused(self, editor_client, make_article):
        Tag.objects.create(name="AI")
        response = editor_client.post("/admin/taggit/tag/add/", {"name": "ai", "slug": "ai-2"})
        assert response.context["adminform"].form.errors["name"] == ["已有同名话题“AI”。"]
        assert Tag.objects.count() == 1

    def test_an_existing_topic_keeps_its_own_name_on_save(self, editor_client):
        tag = Tag.objects.create(name="AI")
        response = editor_client.post(f"/admin/taggit/tag/{tag.pk}/change/", {"name": "ai", "slug": "ai"})
        assert response.status_code == 302
        assert Tag.objects.get().name == "ai"
