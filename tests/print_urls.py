"""The site's URLs, and until the 数字报 (newsroom.site.epaper) is merged, stand-ins for its
two routes the desk links to. The lead deletes this file at the merge, with the `urls` marks
of tests/test_admin_issue_print.py."""
from django.http import HttpResponse
from django.urls import include, path

from newsroom.urls import urlpatterns as site_urlpatterns


def _stand_in(request, **kwargs):
    return HttpResponse("")


epaper = ([path("<int:number>/", _stand_in, name="page"), path("<int:number>/pdf/", _stand_in, name="pdf")], "epaper")
urlpatterns = [path("epaper/", include(epaper)), *site_urlpatterns]
