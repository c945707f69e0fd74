"""Public URLs (placeholder until the public site lands)."""
from django.http import HttpResponse
from django.urls import path


def _placeholder(request, **kwargs):
    return HttpResponse("")


urlpatterns = [
    path("", _placeholder, name="home"),
    path("articles/<int:pk>/<slug:slug>/", _placeholder, name="article"),
]
