"""The public search page: /search/?q=, with zone, topic, reporter, issue and date filters."""
import html
from dataclasses import dataclass

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Subquery
from django.forms.utils import flatatt
from django.shortcuts import render
from django.urls import path
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag, TaggedItem

from articles.models import Article, Byline, ZoneMention
from articles.search.engine import RESULT_LIMIT, SearchResults, search
from articles.search.highlight import highlight, snippet
from articles.search.tokenize import MAX_QUERY_CHARS, ParsedQuery, parse_query
from newsroom.models import Issue, Reporter
from newsroom.site.counts import cached
from newsroom.site.pagination import ARTICLES_PER_PAGE
from zones.models import Zone


def option(value: str, label: str, *, selected: bool = False) -> str:
    """One <option>, as Django's template writes it, escaped as Django's escape() does (without
    its lazy-string wrapper, which for hundreds of options cost more than the escaping)."""
    return f'<option value="{html.escape(value)}"{" selected" if selected else ""}>{html.escape(label)}</option>'


@dataclass(frozen=True)
class Listed:
    """A filter's choices, with each one's <option> written once per content version."""

    choices: tuple[tuple[str, str], ...]  # (slug, name)
    options: tuple[str, ...]

    @classmethod
    def of(cls, choices) -> "Listed":
        choices = tuple(choices)
        return cls(choices=choices, options=tuple(option(slug, name) for slug, name in choices))


class ListSelect(forms.Select):
    """A <select> written in Python, with the markup of Django's own.

    Django renders every <option> through a template, and normalises and copies the
    choices on the way: for the hundreds of zones, topics and reporters of an archive,
    that was most of the search page's time. The options come written (`listed`, which
    the form sets); the field's own choices are never built.
    """

    listed = Listed.of(())
    empty_label = ""

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        options = [option("", self.empty_label, selected="" in selected), *self.listed.options]
        for index, (slug, label) in enumerate(self.listed.choices, start=1):
            if slug in selected:
                options[index] = option(slug, label, selected=True)
        return format_html("<select name=\"{}\"{}>\n  {}\n</select>", name,
                           flatatt(self.build_attrs(self.attrs, attrs)), mark_safe("\n  ".join(options)))


class SearchFilterForm(forms.Form):
    """The filters. A value that is not valid is dropped, never an error page."""

    zone = forms.ModelChoiceField(Zone.objects.none(), to_field_name="slug", required=False,
                                  label=_("高新区"), empty_label=_("全部高新区"), widget=ListSelect)
    tag = forms.ModelChoiceField(Tag.objects.none(), to_field_name="slug", required=False,
                                 label=_("话题"), empty_label=_("全部话题"), widget=ListSelect)
    reporter = forms.ModelChoiceField(Reporter.objects.none(), to_field_name="slug", required=False,
                                      label=_("记者"), empty_label=_("全部记者"), widget=ListSelect)
    # A number, not a list: an archive has thousands of issues, which no reader scrolls.
    issue = forms.ModelChoiceField(Issue.objects.none(), to_field_name="number", required=False, label=_("期"),
                                   widget=forms.NumberInput(attrs={"min": 1, "placeholder": _("期号")}))
    date_from = forms.DateField(required=False, label=_("起始日期"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label=_("截止日期"),
                              widget=forms.DateInput(attrs={"type": "date"}))

    FILTERS = {"zone": "zones", "tag": "tags", "reporter": "reporters", "issue": "issue",
               "date_from": "publish_at__date__gte", "date_to": "publish_at__date__lte"}

    def __init__(self, *args, choices: dict | None = None, **kwargs):
        """`choices`: filter_choices(), which the view caches. A value is checked against them."""
        # Chinese labels take the full-width colon; Django's default suffix is ":".
        kwargs.setdefault("label_suffix", "：")
        super().__init__(*args, **kwargs)
        choices = choices or filter_choices()
        for name, model in LISTED_MODELS.items():
            field = self.fields[name]
            field.widget.listed, field.widget.empty_label = choices[name], str(field.empty_label)
            # A value must be one of the listed slugs; the IN list is built only when one came.
            slugs = [slug for slug, _ in choices[name].choices] if self.data.get(name) else []
            field.queryset = model.objects.filter(slug__in=slugs)
        self.fields["issue"].queryset = Issue.objects.published()

    def active_filters(self) -> dict:
        self.is_valid()  # cleaning keeps only the valid fields in cleaned_data
        return {self.FILTERS[k]: v for k, v in self.cleaned_data.items() if v not in (None, "")}

    def apply(self, queryset):
        """The chosen articles. A zone, topic or reporter is a subquery of its link rows rather
        than a join, so that the database can start from those rows (see narrowed())."""
        for lookup, value in self.active_filters().items():
            link = LINKS.get(lookup)
            queryset = queryset.filter(pk__in=link(value)) if link else queryset.filter(**{lookup: value})
        return queryset

    def narrowed(self) -> bool:
        """A zone, topic, reporter or issue is chosen: its articles are a small part of the archive."""
        return not self.active_filters().keys().isdisjoint({"zones", "tags", "reporters", "issue"})


LISTED_MODELS = {"zone": Zone, "tag": Tag, "reporter": Reporter}

# The ids of the articles linked to a zone, a topic or a reporter, by the indexes that start
# with the zone, the topic or the reporter. A tagging is kept when it tags an article
# (taggit's rows can tag any model).
LINKS = {
    "zones": lambda zone: ZoneMention.objects.filter(zone=zone).values("article_id"),
    "tags": lambda tag: TaggedItem.objects.filter(
        tag=tag, content_type=Subquery(ContentType.objects.filter(app_label="articles", model="article").values("pk"))
    ).values("object_id"),
    "reporters": lambda reporter: Byline.objects.filter(reporter=reporter).values("article_id"),
}


def filter_choices() -> dict[str, Listed]:
    """(slug, name) of the zones, topics and reporters that published articles use: only
    choices that lead somewhere. Each is a pass over every published article, so the view
    keeps them, with their <option>s written, in the count cache."""
    published = Article.objects.published()
    listed = {
        "zone": Zone.objects.filter(articles__in=published).distinct(),
        "tag": Tag.objects.filter(article__in=published).distinct().order_by("name"),
        "reporter": Reporter.objects.filter(articles__in=published).distinct(),
    }
    return {name: Listed.of(queryset.values_list("slug", "name")) for name, queryset in listed.items()}


@dataclass(frozen=True)
class Hit:
    article: Article
    headline: SafeString
    snippet: SafeString


def hits_for(ids, query: ParsedQuery) -> list[Hit]:
    """The page's articles in ranked order, with highlighted headline and snippet."""
    # The ids are what the search over published() returned a moment ago: loaded by id alone,
    # since with the visibility filter again SQLite walks the whole visibility index instead.
    articles = Article.objects.search_hits().in_bulk(list(ids))
    return [
        Hit(article=articles[pk], headline=highlight(articles[pk].headline, query.marks),
            snippet=snippet(articles[pk].plain_text, query.marks))
        for pk in ids if pk in articles
    ]


def suggestions(raw_query: str, form: SearchFilterForm) -> dict:
    """What to try when nothing matched: fewer words, or no filters."""
    words = raw_query.split()[:8]
    return {"single_words": words if len(words) > 1 else [], "has_filters": bool(form.active_filters())}


def search_view(request):
    raw_query = request.GET.get("q", "")[:MAX_QUERY_CHARS].strip()
    query = parse_query(raw_query)
    # Not "search-choices": that key held bare (slug, name) lists, which a shared cache may
    # still hold for the current version while the new code rolls out.
    form = SearchFilterForm(request.GET, choices=cached("search-options", filter_choices, request=request))
    context = {"form": form, "q": raw_query, "query": query, "result_limit": RESULT_LIMIT}
    if query:
        results = search(form.apply(Article.objects.published()), query, narrow=form.narrowed())
        context.update(results_context(request, results, query))
        if not results.ids:
            context["suggestions"] = suggestions(raw_query, form)
    return render(request, "search/results.html", context)


def results_context(request, results: SearchResults, query: ParsedQuery) -> dict:
    page_obj = Paginator(results.ids, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return {"results": results, "page_obj": page_obj, "hits": hits_for(page_obj.object_list, query)}


urlpatterns = [path("search/", search_view, name="search")]
