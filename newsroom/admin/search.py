"""Admin changelist search through the full-text engine, the same one the public page uses."""
from django.db import connections

from articles.search.engine import BACKENDS, matching
from articles.search.tokenize import parse_query


class SearchEngineAdminMixin:
    """Put before admin.ModelAdmin in the bases of an Article admin.

    The admin keeps its own ordering and pagination; only which rows match changes:
    bigram phrases instead of icontains over `search_fields`, so that 高新 finds every
    article that contains it and nothing else. `search_fields` must stay non-empty,
    because the admin shows its search box only then.
    """

    def get_search_results(self, request, queryset, search_term):
        if connections[queryset.db].vendor not in BACKENDS:
            return super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return queryset, False
        return matching(queryset, parse_query(search_term)), False
