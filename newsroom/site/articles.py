"""Article pages: /articles/<id>/<slug>/ is canonical, /articles/<id>/ redirects to it."""
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from articles.models import Article
from newsroom.site.counts import cached
from newsroom.site.jsonld import news_article_json_ld
from newsroom.site.pictures import body_with_pictures, share_image

app_name = "articles"


def article_redirect(request, pk):
    """/articles/<id>/ is a short link: send readers on to the canonical URL."""
    article = get_object_or_404(Article.objects.published().only("pk", "slug"), pk=pk)
    return redirect(article, permanent=True)


def article_detail(request, pk, slug):
    article = get_object_or_404(Article.objects.published().for_article_page(), pk=pk)
    if slug != article.slug:
        return redirect(article, permanent=True)
    return render(request, "articles/article_detail.html", article_page_context(request, article))


def article_page_context(request, article) -> dict:
    """What the article template shows; the preview adds its banner to the same."""
    credits, zones, topics = article.credits, article.zone_links, article.topic_links
    image = share_image(request, article.lead_image)
    return {
        "article": article,
        "body": body_with_pictures(article.body),
        "share_image": image,
        "credits": credits,
        "zones": zones,
        "topics": topics,
        # Like the counts, kept under the content version: any change that could alter the
        # list (a publication, a zone or topic added or removed anywhere) moves it on.
        "related": cached(f"related:{article.pk}", lambda: Article.objects.related_to(article), request=request),
        "description": article.excerpt(length=150),
        "structured_data": news_article_json_ld(
            request, article, credits=credits, keywords=zones + topics, image=image
        ),
    }


urlpatterns = [
    path("<int:pk>/", article_redirect, name="short"),
    path("<int:pk>/<str:slug>/", article_detail, name="detail"),
]
