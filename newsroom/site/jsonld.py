"""schema.org data for search engines and link previews."""
from django.utils import timezone

from newsroom.identity import SITE_NAME


def news_article_json_ld(request, article, *, credits, keywords, image=None) -> dict:
    """NewsArticle, for an article page and its preview: `credits` and `keywords` (zones, then
    topics) as the article's card holds them; `image` as newsroom.site.pictures.share_image
    gives it."""
    url = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "datePublished": timezone.localtime(article.publish_at).isoformat(),
        "dateModified": timezone.localtime(article.updated_at).isoformat(),
        "author": [_person(request, credit) for credit in credits],
        "publisher": {"@type": "Organization", "name": str(SITE_NAME), "url": request.build_absolute_uri("/")},
        "mainEntityOfPage": url,
        "url": url,
        "inLanguage": "zh-Hans",
    }
    if article.subheadline:
        data["alternativeHeadline"] = article.subheadline
    if keywords:
        data["keywords"] = [keyword.name for keyword in keywords]
    if image:
        data["image"] = {"@type": "ImageObject", "url": image["url"], "width": image["width"], "height": image["height"]}
    return data


def _person(request, credit) -> dict:
    return {"@type": "Person", "name": credit.name, "url": request.build_absolute_uri(credit.url)}
