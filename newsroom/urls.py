"""Root URL configuration: the admin, and the public site's page families (newsroom/site)."""
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from newsroom.admin import image_chooser

urlpatterns = [
    # The image chooser's list, behind the desk's sign-in; before the admin, whose catch-all
    # would answer any other path under admin/.
    path("admin/image-chooser/", admin.site.admin_view(image_chooser.image_choices), name="image_choices"),
    path("admin/", admin.site.urls),
    path("preview/", include("newsroom.site.preview")),
    path("", include("newsroom.site.home")),
    path("issues/", include("newsroom.site.issues")),
    path("epaper/", include("newsroom.site.epaper")),
    path("articles/", include("newsroom.site.articles")),
    path("zones/", include("newsroom.site.zones")),
    path("reporters/", include("newsroom.site.reporters")),
    path("tags/", include("newsroom.site.tags")),
    path("subscribe/", include("newsroom.site.subscribe")),
    path("anymail/", include("newsroom.site.webhooks")),
    path("", include("newsroom.site.search")),
    path("", include("newsroom.site.sitemaps")),
    path("", include("newsroom.site.health")),
    path("", include("newsroom.site.media")),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, feeds, files).
    # The hashed name is looked up on the first request, not at import: `manage.py check`
    # and `migrate` load the URLs before `collectstatic` has written the manifest.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=True), name="favicon"),
]
