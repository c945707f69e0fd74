"""Uploaded pictures served by the app itself when they are stored on local disk.

With local storage (the default) `make run` and `make serve` serve /media/ here; a
deployment with nginx in front serves the folder directly (docs/deploy.md) and one with
object storage links to the bucket, and this view answers 404.
"""
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import Http404
from django.urls import re_path
from django.views.decorators.http import require_safe
from django.views.static import serve

# Stored names are derived from the content (and a rendition's version), so a URL never
# shows other bytes: browsers and CDNs may keep them for a year.
IMMUTABLE = "public, max-age=31536000, immutable"


@require_safe
def media(request, path):
    if not isinstance(default_storage, FileSystemStorage):
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = IMMUTABLE
    return response


urlpatterns = [re_path(r"^media/(?P<path>.+)$", media, name="media")]
