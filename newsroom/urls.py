"""Root URL configuration: the public site and the admin."""
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from articles import views as article_views
from articles.feeds import LatestFeed
from articles.search_views import search_view
from articles.sitemaps import SITEMAPS
from newsroom import views

# Namespaces the models' get_absolute_url() reverse: issues:detail, reporters:detail.
issue_patterns = [
    path("", views.issue_archive, name="archive"),
    path("<int:number>/", views.issue_detail, name="detail"),
]
reporter_patterns = [path("<slug:slug>/", views.reporter_detail, name="detail")]
# Topic slugs are pinyin now, but slugs from before (with Han characters, which the
# <slug:> converter would refuse) still reach the views, which redirect them.
tag_patterns = [
    path("<str:slug>/", article_views.tag_detail, name="detail"),
    path("<str:slug>/feed/", article_views.tag_feed, name="feed"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("preview/", include("articles.preview")),
    path("", views.home, name="home"),
    path("issues/", include((issue_patterns, "issues"))),
    path("articles/", include("articles.urls")),
    path("zones/", include("zones.urls")),
    path("reporters/", include((reporter_patterns, "reporters"))),
    path("tags/", include((tag_patterns, "tags"))),
    path("feed/", LatestFeed(), name="feed"),
    path("search/", search_view, name="search"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, feeds, files).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True), name="favicon"),
]
