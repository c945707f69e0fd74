"""Admin changelist search through the full-text engine."""
import pytest
from django.contrib import admin
from django.test import RequestFactory

from articles.models import Article
from newsroom.admin.articles import ArticleAdmin
from newsroom.admin.search import SearchEngineAdminMixin

pytestmark = pytest.mark.django_db


class EngineArticleAdmin(SearchEngineAdminMixin, admin.ModelAdmin):
    search_fields = ["headline"]


def admin_search(term: str) -> tuple[list[int], bool]:
    model_admin = EngineArticleAdmin(Article, admin.site)
    queryset, duplicates = model_admin.get_search_results(RequestFactory().get("/"), Article.objects.all(), term)
    return sorted(queryset.values_list("pk", flat=True)), duplicates


class TestSearchEngineAdminMixin:
    def test_a_bigram_word_finds_only_articles_containing_it(self, seed_articles):
        feature, jinan = seed_articles
        assert admin_search("坐诊") == ([feature.pk], False)

    def test_drafts_are_found_in_the_admin(self, seed_articles, make_article):
        draft = make_article("出海草稿", status="draft")
        assert admin_search("出海") == (sorted([seed_articles[1].pk, draft.pk]), False)

    def test_an_empty_term_keeps_every_row(self, seed_articles):
        assert admin_search("   ") == (sorted(a.pk for a in seed_articles), False)

    @pytest.mark.parametrize("term", ['"', "NEAR(", "' OR 1=1 --", "x" * 2000])
    def test_hostile_terms_are_safe(self, seed_articles, term):
        assert admin_search(term) == ([], False)


class TestArticleChangelist:
    def test_article_admin_uses_the_engine(self):
        assert issubclass(ArticleAdmin, SearchEngineAdminMixin)

    def test_the_changelist_searches_through_the_engine(self, editor_client, seed_articles):
        response = editor_client.get("/admin/articles/article/", {"q": "坐诊"})
        assert [a.pk for a in response.context["cl"].result_list] == [seed_articles[0].pk]
