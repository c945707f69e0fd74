"""The reader's side of the email edition: subscribe, confirm, manage, unsubscribe.

Routes only for now (the core of issue 13); the pages arrive with the subscribe work.
"""
from django.http import Http404
from django.urls import path


def _not_yet(request, token=None):
    raise Http404


urlpatterns = [
    path("", _not_yet, name="subscribe"),
    path("confirm/<str:token>/", _not_yet, name="subscribe_confirm"),
    path("manage/<str:token>/", _not_yet, name="subscribe_manage"),
    path("unsubscribe/<str:token>/", _not_yet, name="unsubscribe"),
]
