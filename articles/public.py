"""Querysets and helpers shared by every public page, feed and sitemap.

Everything here starts from `Article.objects.published()`, the one visibility rule,
and prefetches what the templates render so that query counts stay flat.
"""
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, Left
from django.http import Http404
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from articles.body import html_to_blocks
from articles.models import Article, Byline

ARTICLES_PER_PAGE = 20
RELATED_LIMIT = 5
# Enough HTML to hold the start of the first paragraph after any headings.
EXCERPT_SOURCE_CHARS = 2000


def _bylines_prefetch() -> Prefetch:
    return Prefetch("bylines", queryset=Byline.objects.select_related("reporter").order_by("position", "id"))


def _published_with_issue():
    """Published articles and their issue, without the columns no public page shows.

    The search text and the issue's source file can each be megabytes; loading them with
    every row made one big issue's pages take seconds.
    """
    return (
        Article.objects.published()
        .select_related("issue")
        .defer("search_text", "issue__source_text")
        .prefetch_related(_bylines_prefetch())
    )


def article_cards():
    """Published articles with what a list item shows: issue, bylines, and for the excerpt
    only the opening of the body (`body_opening`), never the whole of it."""
    return _published_with_issue().defer("body").annotate(body_opening=Left("body", EXCERPT_SOURCE_CHARS))


def search_hit_cards():
    """Published articles with the whole body, which a search hit's snippet is cut from."""
    return _published_with_issue()


def latest_article_cards():
    return article_cards().order_by("-publish_at", "-id")


def article_pages():
    """Published articles with everything the article page, or a search hit's snippet, shows."""
    return _published_with_issue().prefetch_related("zones", "tags")


def related_articles(article, *, limit: int = RELATED_LIMIT):
    """Published articles sharing a zone or a topic, most shared first.

    Uses the zones and tags already prefetched on `article`, so it costs one query
    plus the byline prefetch.
    """
    zone_ids = [zone.pk for zone in article.zones.all()]
    tag_ids = [tag.pk for tag in article.tags.all()]
    if not zone_ids and not tag_ids:
        return []
    shared = Count("zones", filter=Q(zones__in=zone_ids), distinct=True) + Count(
        "tags", filter=Q(tags__in=tag_ids), distinct=True
    )
    return list(
        article_cards()
        .filter(Q(zones__in=zone_ids) | Q(tags__in=tag_ids))
        .exclude(pk=article.pk)
        .annotate(shared=shared)
        .order_by("-shared", "-publish_at", "-id")[:limit]
    )


def published_count(lookup: str):
    """An annotation: how many published articles point at the outer row via `lookup`.

    A subquery rather than Count() over a join, so the visibility rule stays the
    queryset method instead of being restated as join filters.
    """
    counts = (
        Article.objects.published()
        .filter(**{lookup: OuterRef("pk")})
        .order_by()
        .values(lookup)
        .annotate(n=Count("pk", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def paginate(request, object_list, *, per_page: int = ARTICLES_PER_PAGE):
    """The requested page; a page number that does not exist is a 404, not page 1."""
    paginator = Paginator(object_list, per_page)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404(_("没有这一页。")) from exc


def excerpt(article, *, length: int = 110) -> str:
    """The standfirst, or else the opening of the first paragraph, as plain text."""
    if article.standfirst:
        return Truncator(article.standfirst).chars(length)
    # Cards carry only the body's opening; a cut tag at its end is dropped by the parser.
    opening = getattr(article, "body_opening", None)
    for block in html_to_blocks(article.body if opening is None else opening):
        if block["type"] == "paragraph":
            return Truncator(block["text"]).chars(length)
    return ""


def byline_names(article) -> list[str]:
    return [byline.reporter.name for byline in article.bylines.all()]
