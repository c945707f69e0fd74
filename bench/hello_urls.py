"""The site's URLs plus /hello/: Django's hello-world view, the benchmark's baseline."""
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.cache import never_cache

from newsroom.urls import urlpatterns as site_urlpatterns


# never_cache: the baseline is a view that runs on every request, through every middleware
# that a page's request meets (the page cache's version read included); a page cache that
# kept "Hello, world!" would turn it into a cache hit and no longer measure Django.
@never_cache
def hello(request):
    return HttpResponse("Hello, world!", content_type="text/plain")


urlpatterns = [path("hello/", hello), *site_urlpatterns]
