"""Zones and topics in the article admin: re-detection, manual overrides, unknown names, tags."""
import pytest

from articles.models import Article, ZoneMention
from articles.zone_detection import article_zones_redetect
from zones.models import Zone


def change_url(article) -> str:
    return f"/admin/articles/article/{article.pk}/change/"


def linked(article) -> dict[str, tuple[int, bool]]:
    return {m.zone.name: (m.mentions, m.manual) for m in ZoneMention.objects.filter(article=article).select_related("zone")}


@pytest.fixture
def article(make_article):
    return make_article("园区观察", status="draft", body="<p>成都高新区和济南高新区都在发力，成都高新区领先。</p>")


@pytest.mark.django_db
class TestRedetection:
    def test_admin_save_detects_zones_with_counts(self, editor_client, article, article_form_data):
        editor_client.post(change_url(article), article_form_data(article))
        assert linked(article) == {"成都高新区": (2, False), "济南高新区": (1, False)}

    def test_edit_that_drops_a_zone_unlinks_it(self, editor_client, article, article_form_data):
        editor_client.post(change_url(article), article_form_data(article))
        editor_client.post(change_url(article), article_form_data(article, body="<p>成都高新区领先。</p>"))
        assert linked(article) == {"成都高新区": (1, False)}

    def test_zone_added_by_hand_survives_redetection(self, editor_client, article, article_form_data):
        hefei = Zone.objects.get(name="合肥高新区")
        data = article_form_data(article)
        data.update({"zone_mentions-TOTAL_FORMS": 1, "zone_mentions-0-zone": hefei.pk, "zone_mentions-0-article": article.pk})
        editor_client.post(change_url(article), data)
        editor_client.post(change_url(article), article_form_data(article))
        assert linked(article)["合肥高新区"] == (1, True)

    def test_zone_removed_by_hand_is_not_linked_again(self, editor_client, article, article_form_data):
        editor_client.post(change_url(article), article_form_data(article))
        data = article_form_data(article)
        jinan = next(i for i in range(2) if data[f"zone_mentions-{i}-zone"] == Zone.objects.get(name="济南高新区").pk)
        data[f"zone_mentions-{jinan}-DELETE"] = "on"
        editor_client.post(change_url(article), data)
        editor_client.post(change_url(article), article_form_data(article))
        assert linked(article) == {"成都高新区": (2, False)}
        assert list(article.excluded_zones.values_list("name", flat=True)) == ["济南高新区"]

    def test_generic_phrases_link_nothing(self, make_article):
        article = make_article("综述", body="<p>国家高新区和各高新园区。</p>")
        article_zones_redetect(article=article)
        assert linked(article) == {}


@pytest.mark.django_db
class TestUnknownZones:
    def test_unknown_names_are_listed_with_an_add_link(self, editor_client, make_article, article_form_data):
        article = make_article("新区", status="draft", body="<p>在宿迁高新区和某某高新区调研。</p>")
        editor_client.post(change_url(article), article_form_data(article))
        assert Article.objects.get(pk=article.pk).unknown_zones == {"宿迁高新区": 1, "某某高新区": 1}
        html = editor_client.get(change_url(article)).content.decode()
        assert '宿迁高新区 × 1 <a href="/admin/zones/zone/add/?name=宿迁高新区">添加为高新区</a>' in html

    def test_add_link_prefills_the_zone_name(self, editor_client):
        response = editor_client.get("/admin/zones/zone/add/?name=宿迁高新区")
        assert response.context["adminform"].form.initial["name"] == "宿迁高新区"


@pytest.mark.django_db
class TestTags:
    def test_new_and_existing_tags_are_saved(self, editor_client, draft_article, article_form_data):
        draft_article.tags.add("科技创新")
        existing = draft_article.tags.get(name="科技创新")
        editor_client.post(change_url(draft_article), article_form_data(draft_article, tags=[existing.pk], new_tags="人才, 产业链"))
        assert sorted(Article.objects.get(pk=draft_article.pk).tags.names()) == ["产业链", "人才", "科技创新"]

    def test_tags_use_admin_autocomplete(self, editor_client, draft_article):
        html = editor_client.get(change_url(draft_article)).content.decode()
        assert 'data-field-name="tags"' in html

    def test_autocomplete_endpoint_finds_tags(self, editor_client, draft_article):
        draft_article.tags.add("科技创新")
        url = "/admin/autocomplete/?app_label=articles&model_name=article&field_name=tags&term=科技"
        response = editor_client.get(url)
        assert [r["text"] for r in response.json()["results"]] == ["科技创新"]
