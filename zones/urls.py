"""Zone URLs: the directory, a zone's page and its Atom feed."""
from django.urls import path

from articles.feeds import ZoneFeed
from zones import views

app_name = "zones"

urlpatterns = [
    path("", views.zone_index, name="index"),
    path("<slug:slug>/", views.zone_detail, name="detail"),
    path("<slug:slug>/feed/", ZoneFeed(), name="feed"),
]
