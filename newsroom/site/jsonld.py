"""schema.org data for search engines and link previews."""
from django.utils import timezone

from newsroom.identity import SITE_NAME


def news_article_json_ld(request, article) -> dict:
    """NewsArticle, for an article page and its preview."""
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
