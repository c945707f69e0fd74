"""The public search page: /search/?q=, with zone, topic, reporter, issue and date filters."""
from dataclasses import dataclass

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from articles.models import Article
from articles.search.engine import RESULT_LIMIT, SearchResults, search
from articles.search.highlight import highlight, snippet
from articles.search.tokenize import MAX_QUERY_CHARS, ParsedQuery, parse_query
from newsroom.models import Issue, Reporter
from newsroom.site.counts import cached
from newsroom.site.pagination import ARTICLES_PER_PAGE
from zones.models import Zone


class SearchFilterForm(forms.Form):
    """The filters. A value that is not valid is dropped, never an error page."""

    zone = forms.ModelChoiceField(Zone.objects.none(), to_field_name="slug", required=False,
                                  label=_("高新区"), empty_label=_("全部高新区"))
    tag = forms.ModelChoiceField(Tag.objects.none(), to_field_name="slug", required=False,
                                 label=_("话题"), empty_label=_("全部话题"))
    reporter = forms.ModelChoiceField(Reporter.objects.none(), to_field_name="slug", required=False,
                                      label=_("记者"), empty_label=_("全部记者"))
    # A number, not a list: an archive has thousands of issues, which no reader scrolls.
    issue = forms.ModelChoiceField(Issue.objects.none(), to_field_name="number", required=False, label=_("期"),
                                   widget=forms.NumberInput(attrs={"min": 1, "placeholder": _("期号")}))
    date_from = forms.DateField(required=False, label=_("起始日期"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label=_("截止日期"),
                              widget=forms.DateInput(attrs={"type": "date"}))

    FILTERS = {"zone": "zones", "tag": "tags", "reporter": "reporters", "issue": "issue",
               "date_from": "publish_at__date__gte", "date_to": "publish_at__date__lte"}
    LISTED = ("zone", "tag", "reporter")

    def __init__(self, *args, choices: dict | None = None, **kwargs):
        """`choices`: filter_choices(), which the view caches; the querysets only check a value."""
        # Chinese labels take the full-width colon; Django's default suffix is ":".
        kwargs.setdefault("label_suffix", "：")
        super().__init__(*args, **kwargs)
        for name, queryset in filter_querysets().items():
            self.fields[name].queryset = queryset
        choices = choices or filter_choices()
        for name in self.LISTED:
            field = self.fields[name]
            field.choices = [("", field.empty_label), *choices[name]]

    def active_filters(self) -> dict:
        self.is_valid()  # cleaning keeps only the valid fields in cleaned_data
        return {self.FILTERS[k]: v for k, v in self.cleaned_data.items() if v not in (None, "")}

    def apply(self, queryset):
        return queryset.filter(**self.active_filters())


def filter_querysets() -> dict:
    """Only choices that lead somewhere: what published articles use."""
    published = Article.objects.published()
    return {
        "zone": Zone.objects.filter(articles__in=published).distinct(),
        "tag": Tag.objects.filter(article__in=published).distinct().order_by("name"),
        "reporter": Reporter.objects.filter(articles__in=published).distinct(),
        "issue": Issue.objects.published(),
    }


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """The listed filters' (slug, name) choices. Each is a pass over every published article,
    so the view keeps them in the count cache."""
    querysets = filter_querysets()
    return {name: list(querysets[name].values_list("slug", "name")) for name in SearchFilterForm.LISTED}


@dataclass(frozen=True)
class Hit:
    article: Article
    headline: SafeString
    snippet: SafeString


def hits_for(ids, query: ParsedQuery) -> list[Hit]:
    """The page's articles in ranked order, with highlighted headline and snippet."""
    articles = Article.objects.search_hits().in_bulk(list(ids))
    return [
        Hit(article=articles[pk], headline=highlight(articles[pk].headline, query.marks),
            snippet=snippet(articles[pk], query.marks))
        for pk in ids if pk in articles
    ]


def suggestions(raw_query: str, form: SearchFilterForm) -> dict:
    """What to try when nothing matched: fewer words, or no filters."""
    words = raw_query.split()[:8]
    return {"single_words": words if len(words) > 1 else [], "has_filters": bool(form.active_filters())}


def search_view(request):
    raw_query = request.GET.get("q", "")[:MAX_QUERY_CHARS].strip()
    query = parse_query(raw_query)
    form = SearchFilterForm(request.GET, choices=cached("search-choices", filter_choices, request=request))
    context = {"form": form, "q": raw_query, "query": query, "result_limit": RESULT_LIMIT}
    if query:
        results = search(form.apply(Article.objects.published()), query)
        context.update(results_context(request, results, query))
        if not results.ids:
            context["suggestions"] = suggestions(raw_query, form)
    return render(request, "search/results.html", context)


def results_context(request, results: SearchResults, query: ParsedQuery) -> dict:
    page_obj = Paginator(results.ids, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return {"results": results, "page_obj": page_obj, "hits": hits_for(page_obj.object_list, query)}


urlpatterns = [path("search/", search_view, name="search")]
