"""Public article and topic pages."""
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from taggit.models import Tag

from articles.feeds import TagFeed
from articles.models import Article
from articles.public import (
    article_pages,
    excerpt,
    latest_article_cards,
    paginate,
    related_articles,
)
from articles.topics import redirect_old_slug
from newsroom.site import SITE_NAME


def article_redirect(request, pk):
    """/articles/<id>/ is a short link: send readers on to the canonical URL."""
    article = get_object_or_404(Article.objects.published().only("pk", "slug"), pk=pk)
    return redirect(article, permanent=True)


def article_detail(request, pk, slug):
    article = get_object_or_404(article_pages(), pk=pk)
    if slug != article.slug:
        return redirect(article, permanent=True)
    context = {
        "article": article,
        "related": related_articles(article),
        "description": excerpt(article, length=150),
        "structured_data": news_article_json_ld(request, article),
    }
    return render(request, "articles/article_detail.html", context)


def news_article_json_ld(request, article) -> dict:
    """schema.org NewsArticle, for search engines and link previews."""
    url = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "datePublished": timezone.localtime(article.publish_at).isoformat(),
        "dateModified": timezone.localtime(article.updated_at).isoformat(),
        "author": [_person(request, byline.reporter) for byline in article.bylines.all()],
        "publisher": {"@type": "Organization", "name": str(SITE_NAME), "url": request.build_absolute_uri("/")},
        "mainEntityOfPage": url,
        "url": url,
        "inLanguage": "zh-Hans",
    }
    if article.subheadline:
        data["alternativeHeadline"] = article.subheadline
    keywords = [zone.name for zone in article.zones.all()] + [tag.name for tag in article.tags.all()]
    if keywords:
        data["keywords"] = keywords
    return data


def _person(request, reporter) -> dict:
    return {"@type": "Person", "name": reporter.name, "url": request.build_absolute_uri(reporter.get_absolute_url())}


def tag_detail(request, slug):
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        moved = redirect_old_slug(slug, "tags:detail")
        if moved is None:
            raise Http404
        return moved
    page_obj = paginate(request, latest_article_cards().filter(tags=tag))
    # A topic used only by drafts stays unpublished, like the drafts themselves.
    if not page_obj.paginator.count:
        raise Http404
    return render(request, "tags/tag_detail.html", {"tag": tag, "page_obj": page_obj})


def tag_feed(request, slug):
    """The topic's feed; a topic's old slug redirects to its feed's current address."""
    try:
        return TagFeed()(request, slug=slug)
    except Http404:
        moved = redirect_old_slug(slug, "tags:feed")
        if moved is None:
            raise
        return moved
